import Foundation
import ReplayEngine

/// Heatmaps of every gate of a `GateTrace` for one sample, written as SVG 1.1 in the house style
/// of `SVGLineChart` (Helvetica, dark grey axes, no dependencies), so that the picture
/// `keras-replay gates --plot` writes can go straight into a paper. Each panel's cells are one
/// embedded palette PNG (`PalettePNG`), a pixel per cell: every value is drawn, and a 100-unit ×
/// 300-step Bidirectional LSTM figure is ~0.5 MB instead of ~6 MB of `<rect>`s.
///
/// One panel per quantity and direction: units down the y axis (unit 0 at the top, as in a matrix),
/// timesteps along the x axis in input order. Rows are directions, columns quantities; LSTM's six
/// quantities wrap into two bands of three (GRU's four into two of two) so the figure stays close
/// to a page's aspect ratio, and
/// within a band the forward and backward rows of a Bidirectional layer sit on top of each other
/// so the same gate can be compared at a glance.
///
/// Colour: gates (sigmoid-like, in [0, 1]) use viridis on the fixed range [0, 1], so "open" and
/// "closed" look the same in every panel and every figure; `cell`, `hidden` and `candidate` use a
/// blue–white–red diverging map symmetric around 0 with range ±max|v| of that quantity over both
/// directions, so white always means zero and the two directions share one scale.
///
/// The shared pieces (`panels`, `ColorMap`, `bins`, `maskedSteps`) are public so the terminal
/// renderer draws the same panels with the same scales.
public enum GateHeatmapFigure {
    /// A colour map from a fraction in [0, 1] of a panel's range to sRGB.
    public enum ColorMap: Sendable {
        /// Perceptually uniform, colour-blind safe, prints in grey scale: for values in [0, 1].
        case viridis
        /// Blue (negative) – white (zero) – red (positive), ColorBrewer RdBu: for signed values.
        case diverging

        /// Ten evenly spaced samples of matplotlib's viridis; linear interpolation between them
        /// stays within a few units of the 256-entry table.
        static let viridisStops = ["#440154", "#482878", "#3E4A89", "#31688E", "#26828E",
                                   "#1F9E89", "#35B779", "#6DCD59", "#B4DE2C", "#FDE725"]
        /// ColorBrewer RdBu (9 classes), reversed so low = blue; the middle stop is near white.
        static let divergingStops = ["#2166AC", "#4393C3", "#92C5DE", "#D1E5F0", "#F7F7F7",
                                     "#FDDBC7", "#F4A582", "#D6604D", "#B2182B"]

        var stops: [String] { self == .viridis ? Self.viridisStops : Self.divergingStops }

        /// The colour at `fraction` of the range (clamped to [0, 1]).
        public func rgb(at fraction: Double) -> (red: Int, green: Int, blue: Int) {
            let stops = self.stops.map(Self.components)
            let position = min(max(fraction.isFinite ? fraction : 0.5, 0), 1) * Double(stops.count - 1)
            let low = min(Int(position), stops.count - 2), weight = position - Double(low)
            func mix(_ a: Int, _ b: Int) -> Int { Int((Double(a) + (Double(b) - Double(a)) * weight).rounded()) }
            return (mix(stops[low].0, stops[low + 1].0), mix(stops[low].1, stops[low + 1].1), mix(stops[low].2, stops[low + 1].2))
        }

        /// `#RRGGBB` at `fraction` of the range.
        public func hex(at fraction: Double) -> String {
            let c = rgb(at: fraction)
            return String(format: "#%02X%02X%02X", c.red, c.green, c.blue)
        }

        static func components(_ hex: String) -> (Int, Int, Int) {
            let value = Int(hex.dropFirst(), radix: 16) ?? 0
            return ((value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF)
        }
    }

    /// One heatmap: one quantity of one direction for one sample.
    public struct Panel: Sendable {
        /// The series name, e.g. `forward_forget_gate`.
        public var name: String
        public var direction: String?
        public var quantity: String
        /// `forward · forget gate`, or `forget gate` for a one-directional layer.
        public var title: String
        public var colorMap: ColorMap
        /// The range the colour map spans: [0, 1] for gates, ±max|v| of the quantity otherwise.
        public var range: ClosedRange<Double>
        /// `values[unit][timestep]`.
        public var values: [[Float]]

        /// Where `value` falls in `range` (0 = low end), nil for NaN and infinities.
        public func fraction(_ value: Float) -> Double? {
            guard value.isFinite else { return nil }
            return (Double(value) - range.lowerBound) / (range.upperBound - range.lowerBound)
        }

        /// The mean of each block of `rows` × `columns` bins: how a panel too large to draw cell by
        /// cell is shown. NaNs propagate, so a bin with a NaN is drawn as missing.
        public func averaged(rows rowBins: [Range<Int>], columns columnBins: [Range<Int>]) -> [[Float]] {
            rowBins.map { rows in
                columnBins.map { columns in
                    var sum: Float = 0
                    for row in rows { for column in columns { sum += values[row][column] } }
                    return sum / Float(rows.count * columns.count)
                }
            }
        }
    }

    /// Whether a quantity is a gate (a sigmoid-like activation in [0, 1]).
    public static func isGate(_ quantity: String) -> Bool { quantity.hasSuffix("_gate") }

    /// The panels for `sample`, in trace order, with the colour map and range of each.
    public static func panels(_ trace: GateTrace, sample: Int) -> [Panel] {
        precondition(trace.series.isEmpty || (0..<trace.batchSize).contains(sample), "sample \(sample) is outside the batch of \(trace.batchSize)")
        let grids = trace.series.map { grid($0.values, sample: sample) }
        // Diverging ranges are shared by both directions of a quantity, so they compare directly.
        var largest: [String: Double] = [:]
        for (series, grid) in zip(trace.series, grids) where !isGate(series.quantity) {
            let peak = grid.joined().filter(\.isFinite).map { abs(Double($0)) }.max() ?? 0
            largest[series.quantity] = max(largest[series.quantity] ?? 0, peak)
        }
        return zip(trace.series, grids).map { series, grid in
            let gate = isGate(series.quantity)
            let peak = largest[series.quantity].map { $0 > 0 ? $0 : 1 } ?? 1
            let label = series.quantity.replacingOccurrences(of: "_", with: " ")
            return Panel(name: series.name, direction: series.direction, quantity: series.quantity,
                         title: series.direction.map { "\($0) · \(label)" } ?? label,
                         colorMap: gate ? .viridis : .diverging, range: gate ? 0...1 : -peak...peak, values: grid)
        }
    }

    /// `values[unit][timestep]` of one sample of a `(batch, timesteps, units)` tensor.
    static func grid(_ tensor: Tensor, sample: Int) -> [[Float]] {
        let steps = tensor.shape[1], units = tensor.shape[2]
        return (0..<units).map { unit in
            (0..<steps).map { step in tensor.scalars[(sample * steps + step) * units + unit] }
        }
    }

    /// The timesteps of `sample` the mask dropped (empty without a mask).
    public static func maskedSteps(_ trace: GateTrace, sample: Int) -> [Int] {
        guard let mask = trace.mask, mask.rank == 2, sample < mask.shape[0] else { return [] }
        let steps = mask.shape[1]
        return (0..<steps).filter { mask.scalars[sample * steps + $0] == 0 }
    }

    /// `count` items split into at most `parts` contiguous bins of nearly equal size.
    public static func bins(_ count: Int, into parts: Int) -> [Range<Int>] {
        let parts = max(1, min(parts, count))
        guard count > 0 else { return [] }
        return (0..<parts).map { part in (part * count / parts)..<((part + 1) * count / parts) }
    }

    // MARK: SVG

    /// More cells than this (over all panels) are averaged down, so the file stays a few megabytes.
    public static let defaultCellBudget = 4_000_000

    /// The figure for `sample` of `trace`. `title` replaces the default "layer (class) · sample N".
    /// Each panel's cells are one embedded palette PNG, a pixel per cell, drawn unsmoothed
    /// (`image-rendering`), with axes, titles and colour bars as SVG; a trace of more than
    /// `cellBudget` cells is averaged down (the caption says so).
    public static func svg(_ trace: GateTrace, sample: Int, title: String? = nil, cellBudget: Int = defaultCellBudget) -> String {
        let panels = panels(trace, sample: sample)
        let units = trace.units, steps = trace.timesteps
        // ConvLSTM units are map positions times filters.
        let unitsText = trace.unitShape.map { "\($0.dropLast().map(String.init).joined(separator: "×")) positions × \($0.last ?? 0) filters" } ?? "\(units) units"
        let heading = title ?? "\(trace.layer) (\(trace.describedClass)) · sample \(sample) · \(unitsText) × \(steps) timesteps"
        guard !panels.isEmpty, units > 0, steps > 0 else { return emptyFigure(heading) }

        let layout = Layout(panels: panels, units: units, steps: steps)
        // Average down to fit the budget: the same factor on both axes keeps cells square-ish.
        let factor = Int(ceil(sqrt(Double(units * steps * panels.count) / Double(cellBudget))))
        let rowBins = bins(units, into: (units + factor - 1) / factor)
        let columnBins = bins(steps, into: (steps + factor - 1) / factor)
        let masked = Set(maskedSteps(trace, sample: sample))

        var caption = [scaleNote(panels)]
        if !masked.isEmpty {
            caption.append("Hatched columns: masked timesteps (\(stepList(masked.sorted()))); Keras discards the gates there and carries \(trace.hasCellState ? "cell and hidden" : "the hidden state") over.")
        }
        if factor > 1 {
            caption.append("Downsampled for drawing: each cell is the mean of up to \(factor) × \(factor) values (units × timesteps).")
        }
        // A long heading (a stacked cell inside Bidirectional) gets a smaller font, and the figure
        // widens if even that does not fit, rather than running off the page.
        let headingSize = min(15, max(11, (layout.width - 2 * Layout.margin) / (Double(heading.count) * 0.6)))
        let figureWidth = max(layout.width, Double(heading.count) * 0.6 * headingSize + 2 * Layout.margin)
        let captionLines = caption.flatMap { wrap($0, width: layout.width - 2 * Layout.margin) }
        let height = layout.gridBottom + 8 + Double(captionLines.count) * 17 + 10

        var svg: [String] = []
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"\(f(figureWidth))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(figureWidth)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">")
        svg += definitions()
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        svg.append("<text x=\"\(f(figureWidth / 2))\" y=\"28\" text-anchor=\"middle\" font-size=\"\(f(headingSize, 1))\" font-weight=\"bold\">\(escape(heading))</text>")
        for (index, panel) in panels.enumerated() {
            let origin = layout.origin(of: index)
            svg += panelSVG(panel, at: origin, layout: layout, rowBins: rowBins, columnBins: columnBins, masked: masked)
        }
        for (line, text) in captionLines.enumerated() {
            svg.append("<text class=\"caption\" x=\"\(f(Layout.margin))\" y=\"\(f(layout.gridBottom + 20 + Double(line) * 17))\" fill=\"#333\">\(escape(text))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// Which colour scale each kind of quantity uses, for the caption.
    static func scaleNote(_ panels: [Panel]) -> String {
        var notes: [String] = []
        if panels.contains(where: { isGate($0.quantity) }) { notes.append("Gates: viridis on the fixed range [0, 1].") }
        var signed: [String] = []
        for panel in panels where !isGate(panel.quantity) && !signed.contains(panel.quantity) { signed.append(panel.quantity) }
        if !signed.isEmpty {
            notes.append("\(signed.joined(separator: ", ")): blue–white–red, symmetric around 0, range ±max|v| of each quantity.")
        }
        return notes.joined(separator: " ")
    }

    /// Panel sizes and grid positions. Cells shrink as units and timesteps grow, within bounds
    /// that keep a 10 × 12 trace legible and a 100 × 100 one on a page.
    struct Layout {
        static let margin = 16.0, top = 44.0
        // Inside a panel block: y ticks and label | plot | gap | colour bar | bar labels.
        static let left = 54.0, gap = 10.0, bar = 12.0, barLabels = 50.0, right = 12.0
        static let titleHeight = 24.0, bottom = 48.0, spacing = 10.0

        var plotWidth: Double, plotHeight: Double
        var columns: Int
        /// Grid cell (row, column) of each panel.
        var cells: [(row: Int, column: Int)]
        var rows: Int

        init(panels: [Panel], units: Int, steps: Int) {
            plotWidth = min(max(Double(steps) * 18, 150), 290)
            plotHeight = min(max(Double(units) * 14, 90), 230)
            var quantities: [String] = [], directions: [String?] = []
            for panel in panels {
                if !quantities.contains(panel.quantity) { quantities.append(panel.quantity) }
                if !directions.contains(panel.direction) { directions.append(panel.direction) }
            }
            columns = quantities.count <= 3 ? quantities.count : (quantities.count + 1) / 2
            let columns = columns
            cells = panels.map { panel in
                let q = quantities.firstIndex(of: panel.quantity)!, d = directions.firstIndex(of: panel.direction)!
                return ((q / columns) * directions.count + d, q % columns)
            }
            rows = (cells.map(\.row).max() ?? 0) + 1
        }

        var blockWidth: Double { Self.left + plotWidth + Self.gap + Self.bar + Self.barLabels + Self.right }
        var blockHeight: Double { Self.titleHeight + plotHeight + Self.bottom + Self.spacing }
        var width: Double { 2 * Self.margin + Double(columns) * blockWidth }
        var gridBottom: Double { Self.top + Double(rows) * blockHeight }

        /// Top-left corner of the plotting area of panel `index`.
        func origin(of index: Int) -> (x: Double, y: Double) {
            let cell = cells[index]
            return (Self.margin + Double(cell.column) * blockWidth + Self.left,
                    Self.top + Double(cell.row) * blockHeight + Self.titleHeight)
        }
    }

    /// Gradients for the colour bars and the hatch for masked steps, defined once.
    static func definitions() -> [String] {
        var defs = ["<defs>"]
        for (id, map) in [("viridis", ColorMap.viridis), ("diverging", ColorMap.diverging)] {
            defs.append("<linearGradient id=\"\(id)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">")
            for (index, color) in map.stops.enumerated() {
                defs.append("<stop offset=\"\(f(Double(index) / Double(map.stops.count - 1), 3))\" stop-color=\"\(color)\"/>")
            }
            defs.append("</linearGradient>")
        }
        defs.append("<pattern id=\"masked-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">")
        defs.append("<rect width=\"6\" height=\"6\" fill=\"#ffffff\" fill-opacity=\"0.55\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#444\" stroke-width=\"1.6\"/>")
        defs.append("</pattern>")
        defs.append("</defs>")
        return defs
    }

    static func panelSVG(_ panel: Panel, at origin: (x: Double, y: Double), layout: Layout,
                         rowBins: [Range<Int>], columnBins: [Range<Int>], masked: Set<Int>) -> [String] {
        let units = panel.values.count, steps = panel.values.first?.count ?? 0
        let width = layout.plotWidth, height = layout.plotHeight
        func x(_ step: Int) -> Double { origin.x + Double(step) / Double(steps) * width }
        func y(_ unit: Int) -> Double { origin.y + Double(unit) / Double(units) * height }

        var svg = ["<g class=\"panel\" id=\"panel-\(escape(panel.name))\">"]
        svg.append("<text x=\"\(f(origin.x + width / 2))\" y=\"\(f(origin.y - 8))\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(escape(panel.title))</text>")
        // Cells: one palette PNG, a pixel per (averaged) cell, stretched over the plot unsmoothed.
        let grid = rowBins.count == units && columnBins.count == steps ? panel.values : panel.averaged(rows: rowBins, columns: columnBins)
        // Each cell becomes a block of pixels at least ~3 points on a side, so a renderer that
        // smooths images (rsvg does; browsers honour `pixelated`) blurs only the cells' edges.
        let scaleX = max(1, Int((3 * width / Double(columnBins.count)).rounded(.up)) / 2)
        let scaleY = max(1, Int((3 * height / Double(rowBins.count)).rounded(.up)) / 2)
        let png = cellImage(panel, grid: grid, width: columnBins.count, height: rowBins.count, scaleX: scaleX, scaleY: scaleY)
        svg.append("<image class=\"cells\" x=\"\(f(origin.x))\" y=\"\(f(origin.y))\" width=\"\(f(width))\" height=\"\(f(height))\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>")
        // Masked steps: a hatch over each run of masked columns, so the colours stay visible beneath.
        for run in runs(masked.filter { $0 < steps }.sorted()) {
            svg.append("<rect class=\"masked\" x=\"\(f(x(run.lowerBound), 2))\" y=\"\(f(origin.y))\" width=\"\(f(x(run.upperBound) - x(run.lowerBound), 2))\" height=\"\(f(height))\" fill=\"url(#masked-hatch)\"><title>masked timesteps \(stepList(Array(run)))</title></rect>")
        }
        svg.append("<rect x=\"\(f(origin.x))\" y=\"\(f(origin.y))\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"none\" stroke=\"#333\" stroke-width=\"1\"/>")
        svg += axes(origin: origin, width: width, height: height, units: units, steps: steps)
        svg += colorBar(panel, x: origin.x + width + Layout.gap, y: origin.y, height: height)
        svg.append("</g>")
        return svg
    }

    /// Palette entries of a cell image: 255 steps of the panel's colour map, then grey for NaN/∞.
    static let levels = 255

    /// The PNG of `grid` (`height` rows of units × `width` timesteps), each cell `scaleX × scaleY`
    /// pixels: palette index round(fraction · 254) of the colour map, index 255 (#9E9E9E) where the
    /// value is not finite.
    static func cellImage(_ panel: Panel, grid: [[Float]], width: Int, height: Int, scaleX: Int = 1, scaleY: Int = 1) -> [UInt8] {
        var palette: [(red: UInt8, green: UInt8, blue: UInt8)] = (0..<levels).map { level in
            let c = panel.colorMap.rgb(at: Double(level) / Double(levels - 1))
            return (UInt8(c.red), UInt8(c.green), UInt8(c.blue))
        }
        palette.append((0x9E, 0x9E, 0x9E))
        let imageWidth = width * scaleX, imageHeight = height * scaleY
        var pixels = [UInt8](repeating: UInt8(levels), count: imageWidth * imageHeight)
        for row in 0..<height {
            for column in 0..<width {
                guard let fraction = panel.fraction(grid[row][column]) else { continue }
                let index = UInt8((min(max(fraction, 0), 1) * Double(levels - 1)).rounded())
                for y in (row * scaleY)..<((row + 1) * scaleY) {
                    for x in (column * scaleX)..<((column + 1) * scaleX) { pixels[y * imageWidth + x] = index }
                }
            }
        }
        return PalettePNG.encode(width: imageWidth, height: imageHeight, pixels: pixels, palette: palette)
    }

    /// Tick marks at cell centres (steps and units count from 0, as in NumPy) and axis labels.
    static func axes(origin: (x: Double, y: Double), width: Double, height: Double, units: Int, steps: Int) -> [String] {
        var svg: [String] = []
        let bottom = origin.y + height
        for step in ticks(steps, room: width, spacing: 34) {
            let x = origin.x + (Double(step) + 0.5) / Double(steps) * width
            svg.append("<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 4))\" stroke=\"#333\"/>")
            svg.append("<text x=\"\(f(x))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(step)</text>")
        }
        for unit in ticks(units, room: height, spacing: 22) {
            let y = origin.y + (Double(unit) + 0.5) / Double(units) * height
            svg.append("<line x1=\"\(f(origin.x - 4))\" y1=\"\(f(y))\" x2=\"\(f(origin.x))\" y2=\"\(f(y))\" stroke=\"#333\"/>")
            svg.append("<text x=\"\(f(origin.x - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(unit)</text>")
        }
        svg.append("<text x=\"\(f(origin.x + width / 2))\" y=\"\(f(bottom + 34))\" text-anchor=\"middle\" font-size=\"13\">timestep</text>")
        let labelX = origin.x - 40, labelY = origin.y + height / 2
        svg.append("<text x=\"\(f(labelX))\" y=\"\(f(labelY))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 \(f(labelX)) \(f(labelY)))\">unit</text>")
        return svg
    }

    /// A vertical colour bar with the range's ends and middle labelled.
    static func colorBar(_ panel: Panel, x: Double, y: Double, height: Double) -> [String] {
        let gradient = panel.colorMap == .viridis ? "viridis" : "diverging"
        var svg = ["<g class=\"colorbar\">"]
        svg.append("<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(Layout.bar))\" height=\"\(f(height))\" fill=\"url(#\(gradient))\" stroke=\"#333\" stroke-width=\"0.8\"/>")
        let low = panel.range.lowerBound, high = panel.range.upperBound
        for (fraction, value) in [(1.0, high), (0.5, (low + high) / 2), (0.0, low)] {
            let tickY = y + (1 - fraction) * height
            svg.append("<line x1=\"\(f(x + Layout.bar))\" y1=\"\(f(tickY))\" x2=\"\(f(x + Layout.bar + 4))\" y2=\"\(f(tickY))\" stroke=\"#333\"/>")
            svg.append("<text x=\"\(f(x + Layout.bar + 7))\" y=\"\(f(tickY + 4))\">\(escape(number(value)))</text>")
        }
        svg.append("</g>")
        return svg
    }

    /// Tick positions 0, k, 2k, … with k from 1, 2, 5 × 10ⁿ, at least `spacing` points apart.
    static func ticks(_ count: Int, room: Double, spacing: Double) -> [Int] {
        guard count > 0 else { return [] }
        let most = max(1, Int(room / spacing))
        var step = 1
        var candidates = [1, 2, 5].makeIterator(), magnitude = 1
        while (count + step - 1) / step > most {
            if let next = candidates.next() { step = next * magnitude } else { magnitude *= 10; candidates = [1, 2, 5].makeIterator() }
        }
        return Array(stride(from: 0, to: count, by: step))
    }

    /// Consecutive integers grouped into half-open ranges: [2, 3, 4, 7] → [2..<5, 7..<8].
    static func runs(_ sorted: [Int]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for value in sorted {
            if let last = result.last, last.upperBound == value { result[result.count - 1] = last.lowerBound..<(value + 1) } else { result.append(value..<(value + 1)) }
        }
        return result
    }

    /// "t = 2–4, 7".
    static func stepList(_ sorted: [Int]) -> String {
        "t = " + runs(sorted).map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound - 1)" }.joined(separator: ", ")
    }

    /// Three significant digits with a typographic minus: "0.734", "−1.2", "0".
    static func number(_ value: Double) -> String {
        if value == 0 { return "0" }
        return String(format: "%.3g", value).replacingOccurrences(of: "-", with: "−")
    }

    /// Greedy word wrap at about 6.4 points per character of 12-point Helvetica.
    static func wrap(_ text: String, width: Double) -> [String] {
        let limit = max(20, Int(width / 6.4))
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > limit { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func emptyFigure(_ heading: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="420" height="80" viewBox="0 0 420 80" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="210" y="32" text-anchor="middle" font-size="15" font-weight="bold">\(escape(heading))</text>
        <text x="210" y="58" text-anchor="middle">no gate values to draw</text>
        </svg>

        """
    }

    static func f(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }

    static func escape(_ text: String) -> String { SVGText.escape(text) }
}
