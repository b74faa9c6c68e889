import Foundation

/// A line chart written as plain SVG 1.1 text: axes with labels and "nice" ticks, light grid lines,
/// one line per series with point markers, and a legend to the right. No dependencies; the output
/// opens in browsers, Inkscape and LaTeX (via `rsvg-convert` or `svg2pdf`).
public struct SVGLineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// Points in x order; a nil y leaves a gap in the line.
        public var points: [(x: Double, y: Double?)]

        public init(name: String, points: [(x: Double, y: Double?)]) {
            self.name = name
            self.points = points
        }
    }

    public enum Scale: Sendable { case linear, logarithmic }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var yScale: Scale = .linear
    /// Tick labels for x positions (e.g. epochs); other x values get numeric labels.
    public var xTickLabels: [Double: String] = [:]
    /// The plotting area; the picture grows to the right to fit the legend.
    public var plotWidth = 560.0
    public var plotHeight = 380.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// Colour-blind-safe colours (Okabe & Ito), then the same with dashes when there are more series.
    /// (Okabe-Ito's yellow is left out: it is unreadable on white.)
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
    static let dashes = ["", "6 3", "2 3", "8 3 2 3"]

    public func render() -> String {
        let font = "font-family=\"Helvetica, Arial, sans-serif\""
        // About 7.2 px per character of 12 px Helvetica, plus the line sample.
        let legendWidth = max(90.0, Double(series.map(\.name.count).max() ?? 8) * 7.2 + 48)
        let margin = (left: 72.0, right: legendWidth + 16, top: title.isEmpty ? 20.0 : 44.0, bottom: 56.0)
        let legendHeight = Double(series.count) * 18 + 12
        let width = margin.left + plotWidth + margin.right
        let plot = (x: margin.left, y: margin.top, width: plotWidth, height: plotHeight)
        let height = max(margin.top + plot.height + margin.bottom, margin.top + legendHeight + 10)

        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.compactMap(\.y) }.filter { $0.isFinite && (yScale == .linear || $0 > 0) }
        let xTicks = xs.isEmpty ? [0.0, 1.0] : Self.xTicks(xs, labels: xTickLabels)
        // A little room at both ends so the first and last points stand off the axes.
        let xSpan = xTicks.last! > xTicks.first! ? xTicks.last! - xTicks.first! : 2
        let xCenter = xTicks.last! > xTicks.first! ? nil : xTicks.first!
        let xRange = xCenter.map { (min: $0 - 1, max: $0 + 1) } ?? (min: xTicks.first! - 0.04 * xSpan, max: xTicks.last! + 0.04 * xSpan)
        let yAxis = yScale == .linear ? Self.linearTicks(ys) : Self.logTicks(ys)

        func px(_ x: Double) -> Double { plot.x + (x - xRange.min) / (xRange.max - xRange.min) * plot.width }
        func py(_ y: Double) -> Double {
            let value = yScale == .linear ? y : log10(y)
            let low = yScale == .linear ? yAxis.min : log10(yAxis.min)
            let high = yScale == .linear ? yAxis.max : log10(yAxis.max)
            return plot.y + plot.height - (value - low) / (high - low) * plot.height
        }

        var svg: [String] = []
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" \(font) font-size=\"12\">")
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
        if !title.isEmpty {
            svg.append("<text x=\"\(f(plot.x + plot.width / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escape(title))</text>")
        }
        // Grid and ticks.
        for tick in yAxis.ticks {
            let y = py(tick)
            svg.append("<line x1=\"\(f(plot.x))\" y1=\"\(f(y))\" x2=\"\(f(plot.x + plot.width))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\" stroke-width=\"1\"/>")
            svg.append("<line x1=\"\(f(plot.x - 5))\" y1=\"\(f(y))\" x2=\"\(f(plot.x))\" y2=\"\(f(y))\" stroke=\"#333\"/>")
            svg.append("<text x=\"\(f(plot.x - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(escape(Self.tickText(tick, step: yAxis.step, log: yScale == .logarithmic)))</text>")
        }
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        for tick in xTicks {
            let x = px(tick)
            svg.append("<line x1=\"\(f(x))\" y1=\"\(f(plot.y))\" x2=\"\(f(x))\" y2=\"\(f(plot.y + plot.height))\" stroke=\"#f0f0f0\" stroke-width=\"1\"/>")
            svg.append("<line x1=\"\(f(x))\" y1=\"\(f(plot.y + plot.height))\" x2=\"\(f(x))\" y2=\"\(f(plot.y + plot.height + 5))\" stroke=\"#333\"/>")
            let text = xTickLabels[tick] ?? Self.tickText(tick, step: xStep, log: false)
            svg.append("<text x=\"\(f(x))\" y=\"\(f(plot.y + plot.height + 19))\" text-anchor=\"middle\">\(escape(text))</text>")
        }
        // Axes.
        svg.append("<path d=\"M\(f(plot.x)),\(f(plot.y)) V\(f(plot.y + plot.height)) H\(f(plot.x + plot.width))\" fill=\"none\" stroke=\"#333\" stroke-width=\"1.2\"/>")
        svg.append("<text x=\"\(f(plot.x + plot.width / 2))\" y=\"\(f(plot.y + plot.height + 44))\" text-anchor=\"middle\" font-size=\"13\">\(escape(xLabel))</text>")
        let yLabelX = 18.0, yLabelY = plot.y + plot.height / 2
        svg.append("<text x=\"\(f(yLabelX))\" y=\"\(f(yLabelY))\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 \(f(yLabelX)) \(f(yLabelY)))\">\(escape(yLabel))</text>")
        // Lines.
        svg.append("<g fill=\"none\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\">")
        for (index, line) in series.enumerated() {
            let style = Self.style(index)
            var path = ""
            var penDown = false
            var markers: [String] = []
            for point in line.points {
                guard let y = point.y, y.isFinite, yScale == .linear || y > 0 else { penDown = false; continue }
                path += (penDown ? " L" : " M") + "\(f(px(point.x))),\(f(py(y)))"
                penDown = true
                markers.append("<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(y)))\" r=\"2.6\" fill=\"\(style.color)\" stroke=\"none\"/>")
            }
            let dash = style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\""
            svg.append("<g><title>\(escape(line.name))</title><path d=\"\(path.trimmingCharacters(in: .whitespaces))\" stroke=\"\(style.color)\"\(dash)/>")
            svg += markers
            svg.append("</g>")
        }
        svg.append("</g>")
        // Legend.
        let legendX = plot.x + plot.width + 18
        svg.append("<g>")
        for (index, line) in series.enumerated() {
            let style = Self.style(index)
            let y = plot.y + 8 + Double(index) * 18
            let dash = style.dash.isEmpty ? "" : " stroke-dasharray=\"\(style.dash)\""
            svg.append("<line x1=\"\(f(legendX))\" y1=\"\(f(y))\" x2=\"\(f(legendX + 24))\" y2=\"\(f(y))\" stroke=\"\(style.color)\" stroke-width=\"1.8\"\(dash)/>")
            svg.append("<circle cx=\"\(f(legendX + 12))\" cy=\"\(f(y))\" r=\"2.6\" fill=\"\(style.color)\"/>")
            svg.append("<text x=\"\(f(legendX + 30))\" y=\"\(f(y + 4))\">\(escape(line.name))</text>")
        }
        svg.append("</g>")
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    static func style(_ index: Int) -> (color: String, dash: String) {
        (palette[index % palette.count], dashes[(index / palette.count) % dashes.count])
    }

    /// x ticks: the labelled positions when there are few, else nice numbers covering the data.
    static func xTicks(_ xs: [Double], labels: [Double: String]) -> [Double] {
        let low = xs.min()!, high = xs.max()!
        let distinct = Array(Set(xs)).sorted()
        if distinct.count <= 12 && distinct.allSatisfy({ labels[$0] != nil || $0 == $0.rounded() }) {
            // One tick per data x when they are few (one, for two checkpoints); the axis starts at the first.
            return distinct
        }
        let nice = linearTicks([low, high], includeZero: false)
        // Whole-number positions (epochs) get whole-number ticks.
        if distinct.allSatisfy({ $0 == $0.rounded() }), nice.step < 1 || nice.step != nice.step.rounded() {
            let step = max(1, nice.step.rounded(.up))
            return stride(from: low.rounded(.down), through: high.rounded(.up), by: step).map { $0 }
        }
        return nice.ticks
    }

    /// Nice linear ticks (1, 2, 5 × 10ⁿ) covering the values; the axis starts at 0 for non-negative data.
    static func linearTicks(_ values: [Double], includeZero: Bool = true) -> (min: Double, max: Double, step: Double, ticks: [Double]) {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if includeZero && low >= 0 { low = 0 }
        if high <= low { high = low + (low == 0 ? 1 : abs(low) * 0.1) }
        let rough = (high - low) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let first = floor(low / step) * step, last = ceil(high / step) * step
        let count = Int(((last - first) / step).rounded())
        let ticks = (0...count).map { first + Double($0) * step }
        return (first, last, step, ticks)
    }

    /// Decade ticks for a logarithmic axis.
    static func logTicks(_ values: [Double]) -> (min: Double, max: Double, step: Double, ticks: [Double]) {
        let positive = values.filter { $0 > 0 }
        let low = floor(log10(positive.min() ?? 0.1)), high = max(ceil(log10(positive.max() ?? 1)), low + 1)
        let ticks = stride(from: low, through: high, by: 1).map { pow(10, $0) }
        return (pow(10, low), pow(10, high), 1, ticks)
    }

    static func tickText(_ value: Double, step: Double, log: Bool) -> String {
        if log {
            let exponent = Int(log10(value).rounded())
            return (-3...3).contains(exponent) ? String(format: "%g", value) : "1e\(exponent)"
        }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.2g", value) }
        let decimals = max(0, Int(ceil(-log10(step))) + (step * pow(10, ceil(-log10(step))) == 2.5 ? 1 : 0))
        return String(format: "%.\(decimals)f", value)
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String { SVGText.escape(text) }
}
