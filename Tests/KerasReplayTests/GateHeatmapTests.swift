import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import KerasReplay
import ReplayEngine
import Testing

/// `GateHeatmapFigure`: the `gates --plot` picture is well-formed SVG with one panel per series,
/// labelled colour bars on the right scales, masked steps marked, and large traces averaged down.
/// (Whether it reads well was checked by eye on PNGs from rsvg-convert; these pin the structure.)
@Suite("Gate heatmap figure")
struct GateHeatmapTests {
    static let lstm = ["input_gate", "forget_gate", "candidate", "output_gate", "cell", "hidden"]
    static let gru = ["update_gate", "reset_gate", "candidate", "hidden"]

    /// A hand-made trace: smooth patterns, gates in (0, 1), cell up to ±2.5·(1 + u/units).
    static func trace(units: Int, steps: Int, batch: Int = 2, quantities: [String] = lstm,
                      bidirectional: Bool = false, masked: [Int] = []) -> GateTrace {
        let directions: [String?] = bidirectional ? ["forward", "backward"] : [nil]
        var series: [GateTrace.Series] = []
        for (d, direction) in directions.enumerated() {
            for (q, quantity) in quantities.enumerated() {
                var scalars: [Float] = []
                for b in 0..<batch {
                    for t in 0..<steps {
                        for u in 0..<units {
                            let phase = Double(t) / Double(steps) * 6.28 + Double(u) * 0.7 + Double(q + d + b)
                            let raw = sin(phase) * (1 + Double(u) / Double(units))
                            let value = GateHeatmapFigure.isGate(quantity) ? 1 / (1 + exp(-2 * raw)) : quantity == "cell" ? 2.5 * raw : tanh(raw)
                            scalars.append(Float(value))
                        }
                    }
                }
                series.append(GateTrace.Series(name: direction.map { "\($0)_\(quantity)" } ?? quantity, direction: direction,
                                               quantity: quantity, values: Tensor(shape: [batch, steps, units], scalars: scalars)))
            }
        }
        let mask = masked.isEmpty ? nil : Tensor(shape: [batch, steps], scalars: (0..<batch * steps).map { masked.contains($0 % steps) ? 0 : 1 })
        return GateTrace(layer: "encoder", className: bidirectional ? "LSTM" : "GRU", series: series, mask: mask, readOrders: [], outputs: [])
    }

    /// What an SVG reader sees: elements with their attributes and, for text, the characters.
    final class Outline: NSObject, XMLParserDelegate {
        struct Element { var name: String; var attributes: [String: String]; var text = ""; var ancestors: [String] }
        var elements: [Element] = []
        var open: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let ancestors = open.compactMap { elements[$0].attributes["class"] }
            elements.append(Element(name: name, attributes: attributes, ancestors: ancestors))
            open.append(elements.count - 1)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let last = open.last { elements[last].text += string }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func withClass(_ name: String) -> [Element] { elements.filter { $0.attributes["class"] == name } }
        func texts(inside className: String) -> [String] {
            elements.filter { $0.name == "text" && $0.ancestors.contains(className) }.map(\.text)
        }
    }

    static func outline(_ svg: String) throws -> Outline {
        let parser = XMLParser(data: Data(svg.utf8))
        let outline = Outline()
        parser.delegate = outline
        let parsed = parser.parse()
        #expect(parsed, "not well-formed XML: \(String(describing: parser.parserError))")
        return outline
    }

    @Test func lstmHasOnePanelPerSeriesWithLabelledAxes() throws {
        let trace = Self.trace(units: 10, steps: 12)
        let svg = GateHeatmapFigure.svg(trace, sample: 1)
        let outline = try Self.outline(svg)
        let panels = outline.withClass("panel")
        #expect(panels.count == trace.series.count)
        #expect(panels.compactMap { $0.attributes["id"] } == trace.series.map { "panel-\($0.name)" })
        let texts = outline.elements.filter { $0.name == "text" }.map(\.text)
        #expect(texts.filter { $0 == "timestep" }.count == 6)
        #expect(texts.filter { $0 == "unit" }.count == 6)
        #expect(texts.contains("forget gate"))
        #expect(texts.contains { $0.contains("encoder") && $0.contains("GRU") && $0.contains("sample 1") })
        // One cell per unit and step in each panel.
        let cells = outline.elements.filter { $0.name == "rect" && $0.ancestors.contains("panel") && $0.attributes["fill"]?.hasPrefix("#") == true }
        #expect(cells.count == 6 * 10 * 12)
        #expect(outline.withClass("masked").isEmpty)
        #expect(!svg.contains("Downsampled"))
    }

    @Test func colourBarsShowTheirRange() throws {
        let trace = Self.trace(units: 20, steps: 45, bidirectional: true)
        let outline = try Self.outline(GateHeatmapFigure.svg(trace, sample: 0))
        let bars = outline.withClass("colorbar")
        #expect(bars.count == 12)
        let panels = GateHeatmapFigure.panels(trace, sample: 0)
        let labels = outline.texts(inside: "colorbar")
        #expect(labels.count == 3 * 12)
        for (index, panel) in panels.enumerated() {
            let mine = Array(labels[(3 * index)..<(3 * index + 3)])
            if panel.colorMap == .viridis {
                #expect(mine == ["1", "0.5", "0"], "\(panel.name)")
            } else {
                let peak = GateHeatmapFigure.number(panel.range.upperBound)
                #expect(mine == [peak, "0", "−" + peak], "\(panel.name)")
            }
        }
        // Bidirectional panels carry the direction in their titles.
        let titles = outline.elements.filter { $0.name == "text" && $0.attributes["font-weight"] == "bold" }.map(\.text)
        #expect(titles.contains("forward · forget gate") && titles.contains("backward · hidden"))
    }

    @Test func scalesAreFixedForGatesAndSharedAcrossDirections() {
        let trace = Self.trace(units: 6, steps: 9, bidirectional: true)
        let panels = GateHeatmapFigure.panels(trace, sample: 0)
        for panel in panels where GateHeatmapFigure.isGate(panel.quantity) {
            #expect(panel.colorMap == .viridis && panel.range == 0...1)
        }
        let cells = panels.filter { $0.quantity == "cell" }
        #expect(cells.count == 2 && cells[0].range == cells[1].range)
        let peak = cells.flatMap { $0.values.joined() }.map { abs(Double($0)) }.max()!
        #expect(cells[0].range == -peak...peak && cells[0].colorMap == .diverging)
        // values[unit][step] reads (sample, step, unit).
        let tensor = trace.series[0].values
        #expect(panels[0].values[4][7] == tensor.scalars[(0 * 9 + 7) * 6 + 4])
    }

    @Test func maskedStepsAreHatchedAndExplained() throws {
        let trace = Self.trace(units: 8, steps: 15, quantities: Self.gru, masked: [0, 1, 2, 9])
        let svg = GateHeatmapFigure.svg(trace, sample: 0)
        let outline = try Self.outline(svg)
        let masked = outline.withClass("masked")
        // Two runs of masked steps (0–2 and 9) in each of the four panels.
        #expect(masked.count == 2 * 4)
        #expect(masked.allSatisfy { $0.attributes["fill"] == "url(#masked-hatch)" })
        let caption = outline.withClass("caption").map(\.text).joined(separator: " ")
        #expect(caption.contains("masked timesteps (t = 0–2, 9)"))
        #expect(GateHeatmapFigure.maskedSteps(trace, sample: 1) == [0, 1, 2, 9])
    }

    @Test func largeTracesAreAveragedDownAndSaySo() throws {
        let trace = Self.trace(units: 100, steps: 300, batch: 1, bidirectional: true)
        let svg = GateHeatmapFigure.svg(trace, sample: 0)
        let outline = try Self.outline(svg)
        let rects = outline.elements.filter { $0.name == "rect" }.count
        #expect(rects <= GateHeatmapFigure.cellBudget + 200)
        #expect(outline.withClass("panel").count == 12)
        #expect(outline.withClass("caption").contains { $0.text.contains("Downsampled") })
    }

    @Test func colourMapsAndBins() {
        #expect(GateHeatmapFigure.ColorMap.viridis.hex(at: 0) == "#440154")
        #expect(GateHeatmapFigure.ColorMap.viridis.hex(at: 1) == "#FDE725")
        #expect(GateHeatmapFigure.ColorMap.viridis.hex(at: 7) == "#FDE725")
        #expect(GateHeatmapFigure.ColorMap.diverging.hex(at: 0.5) == "#F7F7F7")
        #expect(GateHeatmapFigure.ColorMap.diverging.hex(at: 0).hasPrefix("#21"))
        let bins = GateHeatmapFigure.bins(300, into: 95)
        #expect(bins.count == 95 && bins.first?.lowerBound == 0 && bins.last?.upperBound == 300)
        #expect(zip(bins, bins.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        #expect(GateHeatmapFigure.bins(5, into: 10).count == 5)
        #expect(GateHeatmapFigure.ticks(45, room: 290, spacing: 34) == [0, 10, 20, 30, 40])
    }

    @Test func traceWithoutValuesStillDraws() throws {
        let empty = GateTrace(layer: "rnn", className: "SimpleRNN", series: [], mask: nil, readOrders: [], outputs: [])
        let outline = try Self.outline(GateHeatmapFigure.svg(empty, sample: 0))
        #expect(outline.elements.contains { $0.text == "no gate values to draw" })
    }
}
