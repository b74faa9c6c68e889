import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import KerasReplay
import ReplayEngine
import Testing
import ZIPFoundation

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
        // One image per panel, a pixel per unit and step, coloured by the panel's map.
        let images = outline.withClass("cells")
        #expect(images.count == 6)
        let panelData = GateHeatmapFigure.panels(trace, sample: 1)
        for (image, panel) in zip(images, panelData) {
            let png = try #require(Self.decodePNG(image.attributes["xlink:href"] ?? ""))
            // Each cell is a scaleX × scaleY block of pixels.
            #expect(png.width % 12 == 0 && png.height % 10 == 0)
            let scaleX = png.width / 12, scaleY = png.height / 10
            for (unit, step) in [(0, 0), (3, 5), (9, 11)] {
                let fraction = try #require(panel.fraction(panel.values[unit][step]))
                let block = (0..<scaleY).flatMap { y in (0..<scaleX).map { x in png.pixels[(unit * scaleY + y) * png.width + step * scaleX + x] } }
                #expect(Set(block).count == 1)
                let color = png.palette[Int(block[0])]
                let expected = panel.colorMap.rgb(at: (fraction * 254).rounded() / 254)
                #expect(color.red == expected.red && color.green == expected.green && color.blue == expected.blue, "\(panel.name) unit \(unit) step \(step)")
            }
        }
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
        // Every cell fits the default budget: 12 panels of 100 × 300 pixels, well under 1 MB.
        let full = GateHeatmapFigure.svg(trace, sample: 0)
        #expect(!full.contains("Downsampled") && full.utf8.count < 1_000_000)
        let fullImage = try #require(try Self.outline(full).withClass("cells").first?.attributes["xlink:href"].flatMap(Self.decodePNG))
        #expect(fullImage.width == 300 && fullImage.height % 100 == 0)
        // A budget of 100,000 cells halves both axes: 12 × 50 × 150 = 90,000.
        let svg = GateHeatmapFigure.svg(trace, sample: 0, cellBudget: 100_000)
        let outline = try Self.outline(svg)
        let images = outline.withClass("cells").compactMap { $0.attributes["xlink:href"].flatMap(Self.decodePNG) }
        // Whole blocks of 150 × 50 cells, not of 300 × 100.
        #expect(images.count == 12 && images.allSatisfy { $0.width % 150 == 0 && $0.height % 50 == 0 && !($0.width % 300 == 0 && $0.height % 100 == 0) })
        #expect(outline.withClass("panel").count == 12)
        #expect(outline.withClass("caption").contains { $0.text.contains("Downsampled") })
    }

    /// A reader for the palette PNGs the figure embeds (`data:image/png;base64,...`): checks the
    /// signature, every chunk's CRC-32 (bit by bit, not the encoder's table), the zlib header and
    /// the Adler-32 of what zlib inflates, and returns the size, palette and pixel indices.
    static func decodePNG(_ href: String) -> (width: Int, height: Int, palette: [(red: Int, green: Int, blue: Int)], pixels: [UInt8])? {
        let prefix = "data:image/png;base64,"
        guard href.hasPrefix(prefix), let data = Data(base64Encoded: String(href.dropFirst(prefix.count))) else { return nil }
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        func crc(_ slice: ArraySlice<UInt8>) -> UInt32 {
            var value: UInt32 = 0xFFFF_FFFF
            for byte in slice {
                value ^= UInt32(byte)
                for _ in 0..<8 { value = (value >> 1) ^ (value & 1 == 1 ? 0xEDB8_8320 : 0) }
            }
            return ~value
        }
        var position = 8, width = 0, height = 0, palette: [(red: Int, green: Int, blue: Int)] = [], idat: [UInt8] = []
        while position + 12 <= bytes.count {
            let length = u32(position), type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let body = bytes[(position + 8)..<(position + 8 + length)]
            guard UInt32(u32(position + 8 + length)) == crc(bytes[(position + 4)..<(position + 8 + length)]) else { return nil }
            switch type {
            case "IHDR":
                width = u32(position + 8); height = u32(position + 12)
                guard body[body.startIndex + 8] == 8, body[body.startIndex + 9] == 3 else { return nil }
            case "PLTE": palette = stride(from: body.startIndex, to: body.endIndex, by: 3).map { (Int(bytes[$0]), Int(bytes[$0 + 1]), Int(bytes[$0 + 2])) }
            case "IDAT": idat += body
            default: break
            }
            position += 12 + length
        }
        guard idat.count > 6, (Int(idat[0]) << 8 | Int(idat[1])) % 31 == 0, idat[0] & 0x0F == 8 else { return nil }
        // Raw deflate between the 2-byte zlib header and the Adler-32, inflated by zlib (ZIPFoundation).
        let deflated = Data(idat[2..<(idat.count - 4)])
        var inflated = Data()
        guard (try? Data.decompress(size: Int64(deflated.count), bufferSize: 1 << 16, skipCRC32: true,
                                    provider: { position, size in deflated.subdata(in: Int(position)..<min(Int(position) + size, deflated.count)) },
                                    consumer: { inflated.append($0) })) != nil else { return nil }
        let raw = [UInt8](inflated), at = idat.count - 4
        var a = 1, b = 0
        for byte in raw { a = (a + Int(byte)) % 65_521; b = (b + a) % 65_521 }
        guard idat.count == at + 4, Array(idat[at...]) == [UInt8(b >> 8), UInt8(b & 0xFF), UInt8(a >> 8), UInt8(a & 0xFF)],
              raw.count == height * (width + 1) else { return nil }
        var pixels: [UInt8] = []
        for row in 0..<height {
            guard raw[row * (width + 1)] == 0 else { return nil }  // filter: none
            pixels += raw[(row * (width + 1) + 1)..<((row + 1) * (width + 1))]
        }
        return (width, height, palette, pixels)
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
