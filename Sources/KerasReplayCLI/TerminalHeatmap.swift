import Foundation
import KerasReplay

/// `keras-replay gates --show`: every gate of one sample as a heatmap in the terminal, units as
/// rows and timesteps as columns, so a user can see what the layer did without leaving the shell.
///
/// The panels, colour maps and ranges are the ones of `GateHeatmapFigure` (gates viridis on a fixed
/// [0, 1], the rest blue–white–red symmetric around 0), so the terminal and the SVG agree. With
/// `colors`, each cell is two spaces on a 24-bit background; without (pipes, files, `NO_COLOR`), a
/// character from a shade ramp, so the output stays readable as plain text.
enum TerminalHeatmap {
    /// Light to dark: a low value prints as blank, a high one as `@`.
    static let ramp = Array(" .:-=+*#%@")
    static let reset = "\u{1B}[0m"

    static func render(_ trace: GateTrace, sample: Int, colors: Bool, maxWidth: Int = 100) -> String {
        let panels = GateHeatmapFigure.panels(trace, sample: sample)
        guard !panels.isEmpty, trace.units > 0, trace.timesteps > 0 else {
            return "\(trace.layer) (\(trace.describedClass)): no gate values to show\n"
        }
        let masked = Set(GateHeatmapFigure.maskedSteps(trace, sample: sample))
        var lines = [fit("\(trace.layer) (\(trace.describedClass)) · sample \(sample) · \(trace.units) units × \(trace.timesteps) timesteps", maxWidth)]
        if !masked.isEmpty {
            lines.append(fit("masked timesteps (× below a panel): gates there are discarded, \(trace.hasCellState ? "cell and hidden" : "the hidden state") carried over", maxWidth))
        }
        for panel in panels {
            lines.append("")
            lines += render(panel, masked: masked, colors: colors, maxWidth: maxWidth)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One panel: header, one line per unit, a time axis, the mask line, the colour scale.
    static func render(_ panel: GateHeatmapFigure.Panel, masked: Set<Int>, colors: Bool, maxWidth: Int) -> [String] {
        let units = panel.values.count, steps = panel.values[0].count
        // Room for "u99 " and for "mask ".
        let labelWidth = max("u\(units - 1) ".count, 5)
        let room = max(1, maxWidth - labelWidth)
        // Two characters per step look roughly square; fall back to one, then average steps together.
        let cellWidth = steps * 2 <= room ? 2 : 1
        let columnBins = GateHeatmapFigure.bins(steps, into: room / cellWidth)
        let grid = panel.averaged(rows: (0..<units).map { $0..<($0 + 1) }, columns: columnBins)

        let range = "[\(number(panel.range.lowerBound)), \(number(panel.range.upperBound))]"
        let sizes = Set(columnBins.map(\.count)).sorted()
        let averaging = columnBins.count < steps ? " · each column averages \(sizes.map(String.init).joined(separator: "–")) steps" : ""
        var lines = [fit("\(panel.title) · range \(range)\(panel.colorMap == .viridis ? " (fixed)" : "")\(averaging)", maxWidth)]
        for (unit, row) in grid.enumerated() {
            let label = "u" + String(unit).leftPadded(to: labelWidth - 2) + " "
            lines.append(label + cells(row.map(panel.fraction), map: panel.colorMap, width: cellWidth, colors: colors))
        }
        lines.append(String(repeating: " ", count: labelWidth) + axis(columnBins, cellWidth: cellWidth, steps: steps))
        if !masked.isEmpty {
            let marks = columnBins.map { bin in String(repeating: bin.contains(where: masked.contains) ? "×" : "·", count: cellWidth) }
            lines.append("mask".padding(toLength: labelWidth, withPad: " ", startingAt: 0) + marks.joined())
        }
        lines.append(legend(panel, colors: colors))
        return lines
    }

    /// A row of cells: coloured backgrounds, or shade characters. NaN shows as grey / `?`.
    static func cells(_ fractions: [Double?], map: GateHeatmapFigure.ColorMap, width: Int, colors: Bool) -> String {
        var text = ""
        for fraction in fractions {
            if colors {
                let c = fraction.map { map.rgb(at: $0) } ?? (red: 128, green: 128, blue: 128)
                text += "\u{1B}[48;2;\(c.red);\(c.green);\(c.blue)m" + String(repeating: " ", count: width)
            } else {
                text += String(repeating: fraction.map(shade) ?? "?", count: width)
            }
        }
        return colors ? text + reset : text
    }

    static func shade(_ fraction: Double) -> Character {
        ramp[min(max(Int(fraction * Double(ramp.count)), 0), ramp.count - 1)]
    }

    /// Step numbers under the columns where they start, at nice intervals and never overlapping.
    static func axis(_ bins: [Range<Int>], cellWidth: Int, steps: Int) -> String {
        var line = [Character](repeating: " ", count: bins.count * cellWidth)
        var free = 0
        var interval = 1
        while steps / interval > bins.count * cellWidth / 6 { interval = nextNice(interval) }
        for (index, bin) in bins.enumerated() {
            guard let tick = bin.first(where: { $0 % interval == 0 }) else { continue }
            let label = Array(String(tick)), position = index * cellWidth
            guard position >= free, position + label.count <= line.count else { continue }
            line.replaceSubrange(position..<(position + label.count), with: label)
            free = position + label.count + 2
        }
        return String(line).replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }

    /// 1 → 2 → 5 → 10 → 20 …
    static func nextNice(_ value: Int) -> Int {
        let magnitude = Int(pow(10, floor(log10(Double(value)))))
        switch value / magnitude {
        case 1: return 2 * magnitude
        case 2: return 5 * magnitude
        default: return 10 * magnitude
        }
    }

    /// The colour scale with its two ends, e.g. `scale 0 ▕████████▏ 1`.
    static func legend(_ panel: GateHeatmapFigure.Panel, colors: Bool) -> String {
        let low = number(panel.range.lowerBound), high = number(panel.range.upperBound)
        if colors {
            let fractions = (0..<24).map { Double($0) / 23 }
            return "scale \(low) " + cells(fractions, map: panel.colorMap, width: 1, colors: true) + " \(high)"
        }
        return "scale \(low) [" + String(ramp) + "] \(high)"
    }

    static func number(_ value: Double) -> String {
        value == 0 ? "0" : String(format: "%.3g", value)
    }

    /// Cuts plain text to the width, so headers never wrap in a narrow terminal.
    static func fit(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
