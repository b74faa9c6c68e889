import ArgumentParser
import Foundation
import KerasReplay
import NumPyFiles

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare checkpoints: which layers, weights and gates moved between epochs, and by how much.",
        discussion: """
        Two files A B are compared in the order given; a folder or more than two files form a series, \
        ordered by the epoch number in the file names (natural order: 2.hdf5 before 10.hdf5), and each \
        checkpoint is compared with the one before it.

        The first (earlier) file A is the reference: delta = B - A, relative change = ||B - A|| / ||A|| \
        (L2 norms), cosine = A·B / (||A|| ||B||). Figures are given for every weight tensor and, for \
        kernels, recurrent kernels and biases of recurrent layers, every gate block (LSTM i, f, c, o; \
        GRU z, r, h; per direction in Bidirectional layers). Weights are matched by layer name, role \
        and direction, so files from different Keras generations compare.

        An element counts as beyond tolerance when |B - A| > abs + rel * |A| (h5diff's -d and -p, \
        combined like numpy.isclose); the defaults 0 and 0 flag any change. NaN against NaN and an \
        infinity against the same infinity are equal; any other pair with a NaN or infinity is beyond \
        tolerance. Delta figures are over the pairs where both sides are finite; NaN and Inf are counted.

        Exit codes: 0 nothing differs beyond the tolerance, 1 something does (or a layer, weight, shape \
        or class differs; a different Keras version alone is only noted), 2 error.
        """
    )

    enum Order: String, ExpressibleByArgument, CaseIterable { case size, model }
    enum PlotLines: String, ExpressibleByArgument, CaseIterable { case layer, gate, tensor }

    @Argument(help: "Two checkpoints A B, or a folder of checkpoints, or several checkpoint files.")
    var paths: [String] = []

    @Option(name: .customLong("abs"), help: "Absolute tolerance D in |B - A| > D + R*|A|.")
    var absoluteTolerance: Double = 0

    @Option(name: .customLong("rel"), help: "Relative tolerance R in |B - A| > D + R*|A| (A: the earlier file).")
    var relativeTolerance: Double = 0

    @Option(help: "Row order: size (biggest relative change first) or model (layer order of the file).")
    var order: Order = .size

    @Flag(help: "Print one JSON document: a record per tensor and gate block, plus structural records.")
    var json = false

    @Option(help: "Draw the relative change from the previous checkpoint over epochs into an SVG file.")
    var plot: String?

    @Option(help: "Lines in the plot: one per layer, per gate (per layer and direction), or per tensor.")
    var plotBy: PlotLines = .layer

    @Flag(help: "Logarithmic y axis in the plot.")
    var logScale = false

    @Flag(help: "Also compare the optimizer's weights (optimizer_weights), matched by dataset path.")
    var includeOptimizer = false

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let plot { try OutputFile.check(plot, option: "--plot", formats: ["svg"]) }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: paths.joined(separator: " or "), exitCode: 2)
        let differs = try reportingFailures(exitCode: 2) { () throws -> Bool in
            guard absoluteTolerance >= 0, relativeTolerance >= 0, absoluteTolerance.isFinite, relativeTolerance.isFinite else {
                throw ValidationError("--abs and --rel must be finite and not negative")
            }
            let tolerance = DiffTolerance(absolute: absoluteTolerance, relative: relativeTolerance)
            let series = try orderedSeries()
            let architecture = try architectureOptions.load(limits: limits)
            if let plot { try refuseOverwriting(plot, inputs: series.paths) }
            if series.paths.count == 2 {
                let comparison = try CheckpointComparison(pathA: series.paths[0], pathB: series.paths[1], tolerance: tolerance,
                                                          includeOptimizer: includeOptimizer, architecture: architecture, limits: limits)
                emit(json ? try jsonText(DiffJSON.Pair(comparison)) : DiffText.render(comparison, order: order))
                if let plot { try writePlot(DriftMatrix(series: series, tolerance: tolerance, architecture: architecture, limits: limits), to: plot) }
                return comparison.differs
            }
            let steps = series.paths.count - 1
            // By default only for a long series on a terminal: a short one is done before a line would help.
            let progress = ProgressLine(total: steps, unit: "comparisons", enabled: progressOptions.progress ?? (progressOptions.enabled && steps >= 8))
            var pairs: [DiffJSON.Pair] = []
            let matrix = try DriftMatrix(series: series, tolerance: tolerance, includeOptimizer: includeOptimizer, architecture: architecture,
                                         limits: limits) { step, comparison in
                progress.update(step + 1)
                if json { pairs.append(DiffJSON.Pair(comparison)) }
            }
            progress.finish()
            emit(json ? try jsonText(DiffJSON.Series(matrix, tolerance: tolerance, steps: pairs)) : DiffText.render(matrix, order: order))
            if let plot { try writePlot(matrix, to: plot) }
            return matrix.differs
        }
        if differs { throw ExitCode(1) }
    }

    /// Two files keep the order given; a folder or more files are ordered by epoch.
    func orderedSeries() throws -> CheckpointSeries {
        guard !paths.isEmpty else { throw ValidationError("give two checkpoints, or a folder or several files of a series") }
        var isDirectory: ObjCBool = false
        let twoFiles = paths.count == 2 && paths.allSatisfy { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue }
        let series = twoFiles ? CheckpointSeries(orderedPaths: paths) : try CheckpointSeries(expanding: paths)
        guard series.paths.count >= 2 else {
            throw ValidationError("need at least two checkpoints to compare, found \(series.paths.count) in \(paths.joined(separator: " "))")
        }
        for path in series.paths where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError("\(path): no such file")
        }
        return series
    }

    func writePlot(_ matrix: DriftMatrix, to path: String) throws {
        let level: DriftColumn.Level = switch plotBy { case .layer: .layer; case .gate: .gate; case .tensor: .tensor }
        let chart = DriftPlot.chart(matrix, level: level, logarithmic: logScale)
        guard !chart.series.isEmpty else {
            throw ValidationError("nothing to plot by \(plotBy.rawValue): the checkpoints have no such columns (try --plot-by layer)")
        }
        try NumPyFile.writeAtomically(Data(chart.render().utf8), to: path)
        StandardError.write("wrote \(path)")
    }
}
