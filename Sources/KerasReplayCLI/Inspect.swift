import ArgumentParser
import Foundation
import KerasCheckpoint
import KerasReplay
import NumPyFiles

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a checkpoint holds: Keras version, layers, shapes, and which columns belong to which gate.",
        discussion: "Reads metadata only; weight data is not loaded, so large checkpoints inspect instantly."
    )

    @Argument(help: "A Keras .h5/.hdf5 checkpoint.")
    var checkpoint: String

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    @Flag(help: "Also read every weight and count NaN and infinite values (reads the weight data).")
    var scan = false

    @Option(help: "Draw the layer graph (class names, output shapes) into an .svg file, or write it as Graphviz .dot.")
    var graph: String?

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let graph { try OutputFile.check(graph, option: "--graph", formats: ["svg", "dot"]) }
        if let graph { try refuseOverwriting(graph, inputs: [checkpoint]) }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: checkpoint)
        try reportingFailures {
            let architecture = try architectureOptions.load(limits: limits)
            let summary = try CheckpointSummary(KerasCheckpoint(path: checkpoint, limits: limits, architecture: architecture), scanningData: scan)
            if let graph {
                guard summary.modelClass != nil else { throw ValidationError("--graph needs an architecture; give --config or --architecture for a weights-only file") }
                let figure = ModelGraphFigure(summary)
                try NumPyFile.writeAtomically(Data((OutputFile.format(of: graph) == "dot" ? figure.dot() : figure.svg()).utf8), to: graph)
                StandardError.write("wrote \(graph)")
            }
            emit(json ? try jsonText(summary) : InspectText.render(summary))
        }
    }
}

/// The text form of `inspect`.
enum InspectText {
    static func render(_ summary: CheckpointSummary) -> String {
        var lines: [String] = [summary.file]
        var origin = summary.kerasVersion.map { "Keras \($0)" } ?? "Keras version not recorded"
        if let generation = summary.generation { origin += " (\(generation))" }
        if let backend = summary.backend { origin += ", backend \(backend)" }
        lines.append("  \(origin), \(summary.format)")
        if let modelClass = summary.modelClass {
            lines.append("  \(modelClass) model '\(summary.modelName ?? "")': inputs \(summary.inputs.joined(separator: ", ")); outputs \(summary.outputs.joined(separator: ", "))")
        } else {
            lines.append("  no architecture in the file (weights only)")
        }
        if let hardSigmoid = summary.hardSigmoid { lines.append("  hard_sigmoid means \(hardSigmoid)") }
        lines.append("")

        // Functional models get Keras summary()'s "Connected to" column; Sequential ones read the row above.
        let connected = summary.modelClass != nil && summary.modelClass != "Sequential"
        let header = ["Layer", "Class", "Output shape", "Params"] + (connected ? ["Connected to"] : [])
        var rows: [[String]] = []
        for layer in summary.layers {
            var className = layer.className ?? "?"
            if let inner = layer.settings["layer"]?.string { className += "(\(inner))" }
            let shapes = layer.outputShapes.map { $0.map(formatShape).joined(separator: ", ") } ?? "?"
            var row = [layer.name, className, shapes, grouped(layer.parameters)]
            if connected { row.append(layer.connectedTo.joined(separator: ", ")) }
            rows.append(row)
        }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        // Params is right-aligned; the last column is not padded.
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                if index == 3 { return String(repeating: " ", count: widths[index] - cell.count) + cell }
                return index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        lines.append(line(header))
        for (layer, row) in zip(summary.layers, rows) {
            lines.append(line(row))
            var details = layer.notes
            if !layer.activations.isEmpty {
                details.append(layer.activations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            let shown = ["units", "output_dim", "filters", "kernel_size", "strides", "padding", "dilation_rate", "groups", "depth_multiplier",
                         "data_format", "pool_size", "num_heads", "key_dim", "cell", "cells", "return_sequences", "return_state", "go_backwards",
                         "stateful", "merge_mode", "reset_after", "mask_zero", "n"]
            let flags = shown.compactMap { key in
                layer.settings[key].map { value in
                    // A list of names (a stack's cells) reads as a list, not as JSON.
                    if let names = value.array?.compactMap(\.string), names.count == value.array?.count, !names.isEmpty {
                        return "\(key) \(names.joined(separator: ", "))"
                    }
                    return "\(key) \(value.string ?? value.jsonText)"
                }
            }
            if !flags.isEmpty { details.append(flags.joined(separator: ", ")) }
            for detail in details { lines.append("    " + detail) }
            for weight in layer.weights {
                let label = (weight.sublayer.map { "\($0) " } ?? "") + (weight.direction.map { "\($0) " } ?? "") + weight.role
                var text = "    \(label) \(weight.dtype) \(formatShape(weight.shape))"
                if let meaning = weight.meaning { text += " = \(meaning)" }
                if let nan = weight.nanCount, let infinity = weight.infinityCount, nan + infinity > 0 {
                    text += "  [NON-FINITE: \(nan) NaN, \(infinity) Inf]"
                }
                if weight.storedAs.count > 1 { text += "  [joined from Keras 1 arrays \(weight.storedAs.joined(separator: ", "))]" } else { text += "  [\(weight.name)]" }
                lines.append(text)
                if !weight.gates.isEmpty {
                    let blocks = weight.gates.map { "\($0.gate.replacingOccurrences(of: "_", with: " ")) [\($0.start), \($0.end))" }
                    lines.append("        " + blocks.joined(separator: ", "))
                }
            }
        }
        lines.append("")
        lines.append("Total parameters: \(grouped(summary.totalParameters))")
        if let scan = summary.scanned {
            let problems = scan.nanCount + scan.infinityCount == 0 ? "all finite" : "\(grouped(scan.nanCount)) NaN, \(grouped(scan.infinityCount)) infinite"
            lines.append("Scanned \(grouped(scan.arrays)) array\(scan.arrays == 1 ? "" : "s"), \(grouped(scan.values)) value\(scan.values == 1 ? "" : "s"): \(problems)")
        }
        if !summary.stringEncodings.isEmpty {
            lines.append("String attributes: " + summary.stringEncodings.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                         + (summary.chunkedAttributes.isEmpty ? "" : "; split attributes: " + summary.chunkedAttributes.joined(separator: ", ")))
        }
        return lines.map { $0.replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }.joined(separator: "\n")
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return result
    }
}
