import Foundation
import KerasCheckpoint

/// A model's layer graph, as `inspect --graph` draws it: one box per layer (name, class, output
/// shape), one arrow per tensor a layer reads, laid out in layers from the inputs down
/// (Sugiyama style: each layer on the row of its longest path from an input, rows ordered by the
/// mean position of each box's predecessors, a few sweeps down and up). As SVG, or as Graphviz
/// DOT text for `dot -Tsvg`.
public struct ModelGraphFigure: Sendable {
    struct Node {
        var name: String
        var className: String
        var shape: String
        var row = 0
        var x = 0.0
        var width = 0.0
    }

    var nodes: [Node]
    /// (from, to) node indices.
    var edges: [(Int, Int)]

    public init(_ summary: CheckpointSummary) {
        var nodes: [Node] = []
        var index: [String: Int] = [:]
        for layer in summary.layers {
            var className = layer.className ?? "?"
            if let inner = layer.settings["layer"]?.string { className += "(\(inner))" }
            let shape = layer.outputShapes.map { $0.map(formatShape).joined(separator: ", ") } ?? "?"
            index[layer.name] = nodes.count
            nodes.append(Node(name: layer.name, className: className, shape: shape))
        }
        var edges: [(Int, Int)] = []
        for (target, layer) in summary.layers.enumerated() {
            for connection in layer.connectedTo {
                let source = String(connection.prefix { $0 != "[" })
                if let from = index[source], !edges.contains(where: { $0 == (from, target) }) { edges.append((from, target)) }
            }
        }
        // Sequential files name no connections: each layer reads the one before.
        if edges.isEmpty, nodes.count > 1 { edges = (1..<nodes.count).map { ($0 - 1, $0) } }
        self.nodes = nodes
        self.edges = edges
        layOut()
    }

    static let rowHeight = 78.0, boxHeight = 50.0, gap = 24.0, margin = 20.0, characterWidth = 7.0

    mutating func layOut() {
        // Rows: longest path from a node without predecessors (edges follow the config's order).
        var predecessors = [[Int]](repeating: [], count: nodes.count)
        for (from, to) in edges { predecessors[to].append(from) }
        for index in nodes.indices {
            nodes[index].row = predecessors[index].map { nodes[$0].row + 1 }.max() ?? 0
            let text = max(nodes[index].name.count, nodes[index].className.count, nodes[index].shape.count)
            nodes[index].width = Double(text) * Self.characterWidth + 20
        }
        var rows: [[Int]] = []
        for index in nodes.indices {
            let row = nodes[index].row
            while rows.count <= row { rows.append([]) }
            rows[row].append(index)
        }
        var successors = [[Int]](repeating: [], count: nodes.count)
        for (from, to) in edges { successors[from].append(to) }
        func place(_ row: [Int]) {
            var x = Self.margin
            for index in row { nodes[index].x = x; x += nodes[index].width + Self.gap }
        }
        for row in rows { place(row) }
        func center(_ index: Int) -> Double { nodes[index].x + nodes[index].width / 2 }
        // Barycenter sweeps: down by predecessors, then up by successors.
        for sweep in 0..<4 {
            let order = sweep % 2 == 0 ? Array(rows.indices.dropFirst()) : Array(rows.indices.reversed().dropFirst())
            for row in order {
                let neighbours = sweep % 2 == 0 ? predecessors : successors
                rows[row].sort { a, b in
                    let left = neighbours[a].isEmpty ? center(a) : neighbours[a].map(center).reduce(0, +) / Double(neighbours[a].count)
                    let right = neighbours[b].isEmpty ? center(b) : neighbours[b].map(center).reduce(0, +) / Double(neighbours[b].count)
                    return left < right
                }
                place(rows[row])
            }
        }
        // Center each row on the widest one.
        let widths = rows.map { row in row.reduce(0.0) { $0 + nodes[$1].width } + Double(max(row.count - 1, 0)) * Self.gap }
        let widest = widths.max() ?? 0
        for (row, width) in zip(rows, widths) {
            for index in row { nodes[index].x += (widest - width) / 2 }
        }
    }

    /// Room on the right for skip connections drawn around the boxes.
    public var width: Double { (nodes.map { $0.x + $0.width }.max() ?? 0) + Self.margin + (edges.contains { nodes[$0.1].row - nodes[$0.0].row > 1 } ? 60 : 0) }
    public var height: Double { Double((nodes.map(\.row).max() ?? 0) + 1) * Self.rowHeight + Self.margin * 2 - (Self.rowHeight - Self.boxHeight) }

    func top(_ index: Int) -> Double { Self.margin + Double(nodes[index].row) * Self.rowHeight }

    /// The graph as an SVG document.
    public func svg() -> String {
        var out = [String]()
        out.append(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width.rounded(.up)))" height="\##(Int(height.rounded(.up)))" font-family="DejaVu Sans Mono, Menlo, monospace" font-size="11">"##)
        out.append(##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>"##)
        out.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        for (from, to) in edges {
            let path: String
            let between = nodes.indices.filter { nodes[$0].row > nodes[from].row && nodes[$0].row < nodes[to].row }
            let bulge = (between.map { nodes[$0].x + nodes[$0].width }.max() ?? 0) + 28
            if !between.isEmpty, bulge - max(nodes[from].x + nodes[from].width, nodes[to].x + nodes[to].width) < 160 {
                // A skip connection past a narrow column: around the right of the boxes between.
                let x1 = nodes[from].x + nodes[from].width, y1 = top(from) + Self.boxHeight / 2
                let x2 = nodes[to].x + nodes[to].width, y2 = top(to) + Self.boxHeight / 2
                path = String(format: "M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x1, y1, max(bulge, x1 + 28), y1, max(bulge, x2 + 28), y2, x2, y2)
            } else {
                let x1 = nodes[from].x + nodes[from].width / 2, y1 = top(from) + Self.boxHeight
                let x2 = nodes[to].x + nodes[to].width / 2, y2 = top(to)
                let middle = (y1 + y2) / 2
                path = String(format: "M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f", x1, y1, x1, middle, x2, middle, x2, y2)
            }
            out.append(##"<path d="\##(path)" fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>"##)
        }
        for (index, node) in nodes.enumerated() {
            let y = top(index)
            let fill = node.className == "InputLayer" ? "#e8f1fb" : (node.className.hasPrefix("ops.") || node.className.hasPrefix("TFOpLambda") ? "#f4f4f4" : "#fff7e6")
            out.append(String(format: ##"<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="6" fill="%@" stroke="#333"/>"##, node.x, y, node.width, Self.boxHeight, fill))
            let lines = [(node.name, "bold"), (node.className, "normal"), (node.shape, "normal")]
            for (line, (text, weight)) in lines.enumerated() {
                out.append(String(format: ##"<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="%@">%@</text>"##,
                                  node.x + node.width / 2, y + 15 + Double(line) * 14, weight, SVGText.escape(text)))
            }
        }
        out.append("</svg>")
        return out.joined(separator: "\n")
    }

    /// The graph as Graphviz DOT (`dot -Tsvg graph.dot -o graph.svg`).
    public func dot() -> String {
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var out = ["digraph model {", "  node [shape=box, style=rounded, fontname=\"monospace\"];"]
        for node in nodes {
            out.append("  \(quoted(node.name)) [label=\(quoted("\(node.name)\n\(node.className)\n\(node.shape)"))];")
        }
        for (from, to) in edges { out.append("  \(quoted(nodes[from].name)) -> \(quoted(nodes[to].name));") }
        out.append("}")
        return out.joined(separator: "\n")
    }
}

/// Text inside SVG elements.
public enum SVGText {
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
