import Foundation
import KerasReplay

/// The aligned tables `diff` prints by default.
enum DiffText {
    /// `diff A B`: structural notes, then one row per tensor followed by its gate blocks.
    static func render(_ comparison: CheckpointComparison, order: Diff.Order) -> String {
        var lines = ["A: \(comparison.fileA)", "B: \(comparison.fileB)",
                     "delta = B - A; rel = ||B - A|| / ||A|| (A is the denominator); beyond: |B - A| > \(number(comparison.tolerance.absolute)) + \(number(comparison.tolerance.relative))*|A|"]
        lines += structureLines(comparison.structure.map { (nil, $0) })

        // Group each tensor with its gate blocks, then order the groups.
        var groups: [[TensorComparison]] = []
        for tensor in comparison.tensors {
            if tensor.gate == nil || groups.isEmpty { groups.append([tensor]) } else { groups[groups.count - 1].append(tensor) }
        }
        if order == .size {
            groups = stableSorted(groups) { rank($0[0]) > rank($1[0]) }
                .map { [$0[0]] + stableSorted(Array($0.dropFirst())) { rank($0) > rank($1) } }
        }
        let showNonFinite = comparison.tensors.contains { let s = $0.statistics; return s.nanA + s.nanB + s.infA + s.infB > 0 }
        var header = ["Layer", "Weight", "Shape", "max|Δ|", "mean|Δ|", "‖Δ‖", "rel", "cosine", "beyond"]
        if showNonFinite { header.append("NaN/Inf A | B") }
        var rows: [[String]] = []
        for group in groups {
            for tensor in group {
                let s = tensor.statistics
                var row = [tensor.gate == nil ? tensor.key.layer : "",
                           tensor.gate.map { "  " + $0.spokenName } ?? tensor.key.label,
                           shapeText(tensor.shape), number(s.maxAbsDelta), number(s.meanAbsDelta), number(s.l2Delta),
                           s.relativeChange.map(number) ?? "inf", s.cosine.map { String(format: "%.6f", $0) } ?? "-",
                           "\(s.beyondTolerance)/\(tensor.shape.reduce(1, *))"]
                if showNonFinite { row.append("\(s.nanA)/\(s.infA) | \(s.nanB)/\(s.infB)") }
                rows.append(row)
            }
        }
        lines.append("")
        lines += table(header: header, rows: rows, rightAligned: Set(3..<header.count))
        let wholes = comparison.tensors.filter { $0.gate == nil }
        let moved = wholes.filter { $0.sums.beyondTolerance > 0 }
        lines.append("")
        guard !wholes.isEmpty else {
            lines.append("No tensors in common: the two files hold different models (exit code 1).")
            return lines.joined(separator: "\n")
        }
        var summary = "\(moved.count) of \(wholes.count) tensor\(wholes.count == 1 ? "" : "s") differ\(wholes.count == 1 ? "s" : "") beyond the tolerance"
        // The largest relative change among tensors and their gate blocks.
        if let top = comparison.tensors.max(by: { rank($0) < rank($1) }), let rel = top.statistics.relativeChange, rel > 0 {
            summary += "; largest relative change \(number(rel)) in \(top.key.layer) \(top.key.label)" + (top.gate.map { " (\($0.spokenName))" } ?? "")
        }
        lines.append(summary + ".")
        return lines.joined(separator: "\n")
    }

    /// A series: relative change from the previous checkpoint, one column per step.
    static func render(_ matrix: DriftMatrix, order: Diff.Order) -> String {
        var lines = ["\(matrix.files.count) checkpoints, earliest first: " + matrix.files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "),
                     "rel = ||B - A|| / ||A||, A being the earlier checkpoint of each step"]
        lines += structureLines(matrix.structure.map { (matrix.stepLabels[$0.step], $0.difference) })
        let fromTo = zip(matrix.files, matrix.files.dropFirst()).map { pair in
            [pair.0, pair.1].map { CheckpointSeries.epoch(of: $0).map(String.init) ?? ($0 as NSString).lastPathComponent }.joined(separator: "→")
        }
        let header = ["Layer / weight / gate"] + fromTo + ["sum"]
        // Layers, each followed by its tensors, each followed by its gate blocks.
        var layers: [(column: Int, tensors: [(column: Int, gates: [Int])])] = []
        for (index, column) in matrix.columns.enumerated() {
            switch column.level {
            case .layer: layers.append((index, []))
            case .tensor where !layers.isEmpty: layers[layers.count - 1].tensors.append((index, []))
            case .gateBlock where !(layers.last?.tensors.isEmpty ?? true):
                layers[layers.count - 1].tensors[layers[layers.count - 1].tensors.count - 1].gates.append(index)
            default: continue
            }
        }
        func total(_ column: Int) -> Double { matrix.values.reduce(0) { $0 + ($1[column] ?? 0) } }
        if order == .size {
            layers = stableSorted(layers) { total($0.column) > total($1.column) }.map { layer in
                (layer.column, stableSorted(layer.tensors) { total($0.column) > total($1.column) }.map { ($0.column, stableSorted($0.gates) { total($0) > total($1) }) })
            }
        }
        var rows: [[String]] = []
        func row(_ column: Int, _ label: String) -> [String] {
            [label] + matrix.values.map { $0[column].map(number) ?? "-" } + [number(total(column))]
        }
        for layer in layers {
            rows.append(row(layer.column, matrix.columns[layer.column].layer))
            for tensor in layer.tensors {
                let column = matrix.columns[tensor.column]
                rows.append(row(tensor.column, "  " + TensorKey(layer: column.layer, weight: column.weight ?? "", direction: column.direction, occurrence: column.occurrence ?? 0).label))
                for gate in tensor.gates {
                    rows.append(row(gate, "    " + (matrix.columns[gate].gate ?? "").replacingOccurrences(of: "_", with: " ")))
                }
            }
        }
        lines.append("")
        lines += table(header: header, rows: rows, rightAligned: Set(1..<header.count))
        return lines.joined(separator: "\n")
    }

    static func structureLines(_ differences: [(step: String?, difference: StructuralDifference)]) -> [String] {
        guard !differences.isEmpty else { return [] }
        return ["", "Structure:"] + differences.map { step, difference in
            "  " + (difference.change.isNote ? "note: " : "") + (step.map { "\($0): " } ?? "") + difference.message
        }
    }

    /// Sort key for "biggest change first": relative change, infinite when ||A|| = 0 and something moved.
    static func rank(_ tensor: TensorComparison) -> Double {
        tensor.statistics.relativeChange ?? .infinity
    }

    static func stableSorted<T>(_ items: [T], by before: (T, T) -> Bool) -> [T] {
        items.enumerated().sorted { before($0.element, $1.element) || (!before($1.element, $0.element) && $0.offset < $1.offset) }.map(\.element)
    }

    static func number(_ value: Double) -> String {
        if value == 0 { return "0" }
        return String(format: "%.4g", value)
    }

    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Columns padded to their widest cell; numbers right-aligned.
    static func table(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : (index == cells.count - 1 ? cell : cell + pad)
            }.joined(separator: "  ")
        }
        return [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)
    }
}
