import ArgumentParser
import Foundation
import KerasReplay
import NumPyFiles
import ReplayEngine

struct Gates: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what every gate of a recurrent layer did at every timestep.",
        discussion: """
        Replays the model on the input (as predict does, stateful batches included) and records, \
        from the same loop, the LSTM input gate, forget gate, candidate, output gate, cell and \
        hidden state (GRU: update gate, reset gate, candidate, hidden) of one layer, each \
        (batch, timesteps, units). Bidirectional layers give forward_ and backward_ arrays, the \
        backward direction in input time order. An RNN over StackedRNNCells is traced one cell \
        at a time (--cell). Without --layer, lists the recurrent layers and exits 1.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case npz, csv, json }

    @Argument(help: "A Keras checkpoint (.h5, .hdf5, .keras, or .weights.h5 with --config).")
    var checkpoint: String

    @Option(help: "The recurrent layer to trace (LSTM, GRU, SimpleRNN, RNN, CuDNNLSTM/CuDNNGRU or Bidirectional).")
    var layer: String?

    @Option(help: "For an RNN over StackedRNNCells: the cell to trace (default: the first).")
    var cell: String?

    @Option(name: .long, help: "The model's input .npy; NAME=PATH for each input of a model with several.")
    var input: [String] = []

    @Option(name: .long, help: "Where to write the trace: .npz (arrays), or a long table with --format csv|json.")
    var output: String?

    @Option(help: "npz (default), or csv / json: one row per sample, timestep, direction, gate, unit, value.")
    var format: Format?

    @Flag(help: "Draw the gates of --sample as heatmaps in the terminal.")
    var show = false

    @Option(help: "Write the heatmaps of --sample as an SVG figure.")
    var plot: String?

    @Option(help: "The sample (row of the input batch) to draw.")
    var sample: Int = 0

    @Flag(help: "For a stateful model with batch size 1 (one sample per step of a stream): draw all samples as one sequence.")
    var stream = false

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let output {
            try OutputFile.check(output, option: "--output", formats: ["npz", "csv", "json"])
            let named = OutputFile.format(of: output)
            if let format, ["npz", "csv", "json"].contains(named), format.rawValue != named {
                throw ValidationError("--format \(format.rawValue) with --output \(output): the extension and the format disagree")
            }
        }
        if let plot { try OutputFile.check(plot, option: "--plot", formats: ["svg"]) }
        if sample < 0 { throw ValidationError("--sample must be 0 or more (a row of the input batch), found \(sample)") }
        for path in [output, plot].compactMap({ $0 }) {
            try refuseOverwriting(path, inputs: input.map(\.inputPath) + [checkpoint])
        }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: checkpoint)
        try reportingFailures {
            let model = try ReplayModel(path: checkpoint, architecture: architectureOptions.load(limits: limits), limits: limits)
            guard let layer else {
                let layers = model.recurrentLayers
                StandardError.write(layers.isEmpty
                    ? "keras-replay: \(checkpoint) has no recurrent layers"
                    : "keras-replay: choose a layer with --layer: " + layers.map { "\($0.name) (\($0.className))" }.joined(separator: ", "))
                throw ExitCode(1)
            }
            let inputs = try PredictInputs.load(input, model: model)
            let rows = inputs.first?.shape.first ?? 0
            let progress = ProgressLine(total: rows, unit: "rows", enabled: progressOptions.progress ?? (progressOptions.enabled && rows >= 4096))
            var trace = try model.traceGates(layer: layer, inputs: inputs, cell: cell, chunkRows: 1024, progress: progress.update)
            progress.finish()
            if cell == nil, trace.cells.count > 1, let traced = trace.cell {
                StandardError.write("keras-replay: \(layer) stacks \(trace.cells.count) cells (\(trace.cells.joined(separator: ", "))); traced \(traced), choose another with --cell")
            }
            if stream {
                guard model.graph.fixedBatchSize == 1 else {
                    throw ValidationError("--stream needs a stateful model with batch size 1 (state carried from sample to sample)")
                }
                trace = trace.streamed()
            }
            guard sample >= 0, sample < trace.batchSize else {
                throw ValidationError("--sample \(sample) is outside the batch of \(trace.batchSize)")
            }
            let format = self.format ?? output.flatMap { Format(rawValue: OutputFile.format(of: $0)) } ?? .npz
            if let output {
                switch format {
                case .npz:
                    // The read orders are timestep indices: integer arrays.
                    try NumPyFile.writeArchive(trace.namedArrays.map {
                        (name: $0.name, array: NumPyArray(shape: $0.tensor.shape, scalars: $0.tensor.scalars,
                                                          storedType: $0.name.hasSuffix("read_order") ? "<i8" : "<f4"))
                    }, to: output)
                case .csv:
                    try NumPyFile.writeAtomically(Data(GateTable.csv(trace).utf8), to: output)
                case .json:
                    try NumPyFile.writeAtomically(Data(GateTable.json(trace).utf8), to: output)
                }
            } else if self.format == .csv {
                emit(GateTable.csv(trace))
            } else if self.format == .json {
                emit(GateTable.json(trace))
            }
            if let plot {
                try NumPyFile.writeAtomically(Data(GateHeatmapFigure.svg(trace, sample: sample).utf8), to: plot)
            }
            if show {
                emit(TerminalHeatmap.render(trace, sample: sample, colors: isatty(STDOUT_FILENO) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil))
            }
            if output == nil && plot == nil && !show && self.format == nil {
                emit(GateTable.summary(trace))
            }
        }
    }
}

/// The long-table forms of a trace: one row per sample, timestep, direction, gate, unit.
enum GateTable {
    static func rows(_ trace: GateTrace, _ body: (Int, Int, String, String, Int, Float) -> Void) {
        for series in trace.series {
            let shape = series.values.shape
            let (batch, steps, units) = (shape[0], shape[1], shape[2])
            series.values.scalars.withUnsafeBufferPointer { values in
                for sample in 0..<batch {
                    for step in 0..<steps {
                        for unit in 0..<units {
                            body(sample, step, series.direction ?? "", series.quantity, unit, values[(sample * steps + step) * units + unit])
                        }
                    }
                }
            }
        }
    }

    static func csv(_ trace: GateTrace) -> String {
        var text = "sample,timestep,direction,gate,unit,value\n"
        rows(trace) { sample, step, direction, gate, unit, value in
            text += "\(sample),\(step),\(direction),\(gate),\(unit),\(value)\n"
        }
        return text
    }

    static func json(_ trace: GateTrace) -> String {
        var text = "{\"layer\":\(quoted(trace.layer)),\"class_name\":\(quoted(trace.className)),\"rows\":["
        var first = true
        rows(trace) { sample, step, direction, gate, unit, value in
            text += (first ? "" : ",") + "{\"sample\":\(sample),\"timestep\":\(step),\"direction\":\(direction.isEmpty ? "null" : quoted(direction)),\"gate\":\(quoted(gate)),\"unit\":\(unit),\"value\":\(value.isFinite ? "\(value)" : "null")}"
            first = false
        }
        if let mask = trace.mask {
            text += "],\"mask\":[" + (0..<mask.shape[0]).map { row in
                "[" + (0..<mask.shape[1]).map { String(Int(mask.scalars[row * mask.shape[1] + $0])) }.joined(separator: ",") + "]"
            }.joined(separator: ",")
        }
        return text + "]}"
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// What the trace holds, when no output was asked for.
    static func summary(_ trace: GateTrace) -> String {
        var lines = ["\(trace.layer) (\(trace.describedClass)): \(trace.batchSize) samples x \(trace.timesteps) timesteps x \(trace.units) units"]
        for series in trace.series {
            let values = series.values.scalars
            let low = values.min() ?? 0, high = values.max() ?? 0
            let mean = values.isEmpty ? 0 : values.reduce(0, +) / Float(values.count)
            lines.append("  \(series.name.padding(toLength: 24, withPad: " ", startingAt: 0)) min \(String(format: "% .4f", low))  mean \(String(format: "% .4f", mean))  max \(String(format: "% .4f", high))")
        }
        if let mask = trace.mask {
            lines.append("  mask: \(mask.scalars.filter { $0 == 0 }.count) of \(mask.count) steps masked (\(trace.hasCellState ? "cell and hidden" : "hidden state") carried there)")
        }
        lines.append("Write the arrays with --output gates.npz, a table with --format csv|json, pictures with --show or --plot gates.svg.")
        return lines.joined(separator: "\n")
    }
}
