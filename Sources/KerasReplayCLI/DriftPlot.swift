import KerasReplay

/// The `--plot` chart: relative change from the previous checkpoint, one line per layer, gate or tensor.
enum DriftPlot {
    static func chart(_ matrix: DriftMatrix, level: DriftColumn.Level, logarithmic: Bool) -> SVGLineChart {
        let xs = matrix.stepPositions
        let byEpoch = matrix.files.dropFirst().allSatisfy { CheckpointSeries.epoch(of: $0) != nil }
        let lines = matrix.columns.enumerated().filter { $0.element.level == level }.map { index, column in
            SVGLineChart.Series(name: column.label, points: xs.enumerated().map { step, x in (x, matrix.values[step][index]) })
        }
        var chart = SVGLineChart(
            title: "Weight drift between consecutive checkpoints",
            xLabel: byEpoch ? "epoch" : "checkpoint",
            yLabel: "relative change ‖Δ‖ / ‖previous checkpoint‖",
            series: lines
        )
        chart.yScale = logarithmic ? .logarithmic : .linear
        if !byEpoch {
            chart.xTickLabels = Dictionary(uniqueKeysWithValues: zip(xs, matrix.stepLabels))
        }
        return chart
    }
}
