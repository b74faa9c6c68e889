import ArgumentParser
import Foundation
import KerasCheckpoint
import KerasReplay
import NumPyFiles
import ReplayEngine
import SafeFiles

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a checkpoint's model on NumPy inputs, with model.predict's numbers.",
        discussion: """
        Inputs are .npy files (float32, float64 or integer, batch first). Several inputs: \
        --input NAME=PATH for each, NAME being the input layer's name. The output is float32 \
        .npy, or .npz with one array per model output named after the output layer. \
        Without --output a short summary is printed. With --expected, the max abs difference \
        from that array (e.g. what Keras' model.predict wrote) is printed, and the exit code is 1 \
        when it is over --tolerance.

        Large inputs: .npy inputs with an .npy output are streamed, --chunk-rows rows at a time \
        (read, replayed, written, dropped), so memory does not grow with the number of rows; the \
        output is renamed into place at the end, and nothing is left behind on failure or Ctrl-C. \
        --rows START:END replays a slice. Several processes can fill one output: make it once \
        with --output-into Y.npy --allocate, then give each process its --rows and \
        --output-into Y.npy. A stateful model carries its state across chunks as across batches \
        (its slices must start at row 0). A progress line goes to stderr when it is a terminal.
        """
    )

    @Argument(help: "A Keras .h5/.hdf5 checkpoint.")
    var checkpoint: String

    @Option(name: .long, help: "An input .npy; NAME=PATH for a model with several inputs.")
    var input: [String] = []

    @Option(name: .long, help: "Where to write the output: .npy (one output) or .npz (all outputs).")
    var output: String?

    @Option(name: .long, help: "Rows per batch (memory only; stateful models use their fixed batch size).")
    var batchSize: Int?

    @Option(name: .long, help: "An .npy (or .npz for several outputs) to compare the outputs with.")
    var expected: String?

    @Option(name: .long, help: "Largest max abs difference from --expected that still passes.")
    var tolerance: Double = 1e-6

    @Option(name: .long, help: "Replay only rows START:END of the inputs (as in Python; either side may be left out).")
    var rows: String?

    @Option(name: .long, help: "Rows read, replayed and written at a time when streaming (default: about 16 MiB of layer outputs).")
    var chunkRows: Int?

    @Option(name: .long, help: "Write the rows replayed into this existing .npy (one made with --allocate), at their own places.")
    var outputInto: String?

    @Flag(help: "With --output-into: create that .npy, sized for every input row, and exit without replaying.")
    var allocate = false

    @Option(name: .long, help: "Engine threads (default: all cores; 1 when several processes share a machine).")
    var threads: Int?

    @OptionGroup var progressOptions: ProgressOptions

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let batchSize, !(1...(1 << 31)).contains(batchSize) {
            throw ValidationError("--batch-size must be between 1 and 2^31, found \(batchSize)")
        }
        if !(tolerance >= 0) { throw ValidationError("--tolerance must be a number ≥ 0, found \(tolerance)") }
        if let output { try OutputFile.check(output, option: "--output", formats: ["npy", "npz"]) }
        if let output { try refuseOverwriting(output, inputs: input.map(\.inputPath) + [checkpoint]) }
        if let outputInto {
            guard output == nil else { throw ValidationError("give --output or --output-into, not both") }
            guard expected == nil else { throw ValidationError("--expected compares outputs in memory; it does not go with --output-into") }
            try OutputFile.check(outputInto, option: "--output-into", formats: ["npy"])
            try refuseOverwriting(outputInto, inputs: input.map(\.inputPath) + [checkpoint])
        }
        if allocate, outputInto == nil { throw ValidationError("--allocate makes the file for --output-into; give --output-into Y.npy") }
        if let chunkRows, !(1...(1 << 31)).contains(chunkRows) {
            throw ValidationError("--chunk-rows must be between 1 and 2^31, found \(chunkRows)")
        }
        if let rows { _ = try RowSlice(rows) }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, found \(threads)") }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: checkpoint)
        ProcessMemory.keepFreedMemoryForReuse()
        if let threads { Parallelism.maximumThreads = threads }
        try reportingFailures {
            let model = try ReplayModel(path: checkpoint, architecture: architectureOptions.load(limits: limits), limits: limits)
            let names = model.outputNames
            // Refused before any input is read (or warned about): one line, nothing else.
            if let output, OutputFile.format(of: output) != "npz", names.count != 1 {
                throw ValidationError("the model has \(names.count) outputs (\(names.joined(separator: ", "))); write them with --output FILE.npz")
            }
            if outputInto != nil, names.count != 1 {
                throw ValidationError("the model has \(names.count) outputs (\(names.joined(separator: ", "))); --output-into writes a model's one output")
            }
            let paths = try PredictInputs.paths(input, model: model)
            let streamed = expected == nil && paths.allSatisfy { !$0.hasSuffix(".npz") }
                && (outputInto != nil || output.map { OutputFile.format(of: $0) == "npy" } == true)
            if streamed {
                try replayStreaming(model, paths: paths)
                return
            }
            var inputs = try PredictInputs.load(input, model: model)
            if let rows {
                let slice = try RowSlice(rows).range(rows: inputs.first?.shape.first ?? 0)
                if let fixed = model.graph.fixedBatchSize, slice.lowerBound != 0 {
                    throw ValidationError("this model is stateful (batches of \(fixed) carry state): replay its rows from row 0, not from \(slice.lowerBound)")
                }
                inputs = inputs.map { $0.rowSlice(slice) }
            }
            PredictInputs.warnAboutNonFinite(inputs, names: model.inputNames)
            let outputs = try model.predict(inputs, batchSize: batchSize)
            warnAboutReplay(model, checkpoint: checkpoint)
            if let output {
                let arrays = outputs.map { NumPyArray(shape: $0.shape, scalars: $0.scalars) }
                if OutputFile.format(of: output) == "npz" {
                    try NumPyFile.writeArchive(Array(zip(names, arrays)).map { (name: $0.0, array: $0.1) }, to: output)
                } else {
                    guard arrays.count == 1 else {
                        throw ValidationError("the model has \(arrays.count) outputs (\(names.joined(separator: ", "))); write them with --output FILE.npz")
                    }
                    try NumPyFile.write(arrays[0], to: output)
                }
            } else if expected == nil {
                for (name, tensor) in zip(names, outputs) { emit(OutputSummary.render(name: name, tensor)) }
            }
            if let expected {
                let reference = try loadExpected(expected, names: names)
                var worst = 0.0
                for (index, tensor) in outputs.enumerated() {
                    let wanted = reference[index]
                    guard wanted.shape == tensor.shape else {
                        throw ValidationError("output '\(names[index])' has shape \(formatShape(tensor.shape)), the expected array \(formatShape(wanted.shape))")
                    }
                    let difference = zip(tensor.scalars, wanted.scalars).reduce(0.0) { max($0, abs(Double($1.0) - Double($1.1))) }
                    emit("\(names[index]): shape \(formatShape(tensor.shape)), max abs difference from \(expected): \(String(format: "%.3g", difference))")
                    worst = max(worst, difference)
                }
                if !(worst <= tolerance) {
                    StandardError.write("keras-replay: max abs difference \(worst) is over the tolerance \(tolerance)")
                    throw ExitCode(1)
                }
            }
        }
    }

    /// .npy in, one .npy out (a new file, or rows written into `--output-into`), a chunk of rows at
    /// a time: memory does not grow with the number of rows.
    func replayStreaming(_ model: ReplayModel, paths: [String]) throws {
        let readers = try paths.map { try NPYRowReader(path: $0) }
        let total = readers[0].rows
        if let different = readers.first(where: { $0.rows != total }) {
            throw ValidationError("the inputs hold different numbers of rows: \(readers[0].path) \(total), \(different.path) \(different.rows)")
        }
        let slice = try rows.map { try RowSlice($0).range(rows: total) } ?? 0..<total
        var nonFinite = [(nan: Int, infinite: Int)](repeating: (0, 0), count: readers.count)
        let read: (Range<Int>) throws -> [[Float]] = { block in
            try readers.enumerated().map { index, reader in
                let values = try reader.readRows(block)
                for value in values where !value.isFinite {
                    if value.isNaN { nonFinite[index].nan += 1 } else { nonFinite[index].infinite += 1 }
                }
                return values
            }
        }
        let rowShapes = readers.map(\.rowShape)
        if allocate, let outputInto {
            // The output's row shape comes from replaying the first batch (a stateful model's fixed batch).
            let probe = 0..<min(total, model.graph.fixedBatchSize ?? 1)
            let values = try read(probe)
            let outputs = try model.predict(zip(values, rowShapes).map { Tensor(shape: [probe.count] + $1, scalars: $0) })
            try NPYRowWriter.allocate(outputInto, shape: [total] + outputs[0].shape.dropFirst())
            return
        }
        let chunk = chunkRows ?? model.defaultChunkRows(inputRowShapes: rowShapes)
        let progress = ProgressLine(total: slice.count, unit: "rows", enabled: progressOptions.enabled)
        defer { progress.finish() }
        func replay(into writerFor: @escaping ([Int]) throws -> (writer: NPYRowWriter, firstRow: Int)) throws {
            var writer: (writer: NPYRowWriter, firstRow: Int)?
            let stream = RowStream(read: read) { block, outputs in
                let output = outputs[0]
                if writer == nil { writer = try writerFor(Array(output.shape.dropFirst())) }
                try writer!.writer.write(rows: output.scalars, at: block.lowerBound - writer!.firstRow)
            }
            try model.replay(rows: slice, inputRowShapes: rowShapes, chunkRows: chunk, batchSize: batchSize, stream: stream,
                             progress: progress.update)
            try writer?.writer.synchronize()
        }
        if let outputInto {
            try replay { rowShape in (try NPYRowWriter(existing: outputInto, shape: [total] + rowShape), 0) }
        } else if let output {
            do {
                try SafeFiles.write(to: output) { temporary in
                    try removingOnInterrupt(temporary) {
                        try replay { rowShape in (try NPYRowWriter(creating: temporary, shape: [slice.count] + rowShape), slice.lowerBound) }
                    }
                }
            } catch let failure as SafeFiles.Failure {
                throw NumPyError(file: output, message: failure.message)
            }
        }
        progress.finish()
        for (index, counts) in nonFinite.enumerated() where counts.nan + counts.infinite > 0 {
            let parts = [counts.nan > 0 ? "\(counts.nan) NaN" : nil, counts.infinite > 0 ? "\(counts.infinite) infinite" : nil].compactMap { $0 }
            StandardError.write("keras-replay: warning: input '\(model.inputNames[index])' holds \(parts.joined(separator: " and ")) value\(counts.nan + counts.infinite == 1 ? "" : "s"); the outputs that depend on them will too")
        }
        warnAboutReplay(model, checkpoint: checkpoint)
    }

    func loadExpected(_ path: String, names: [String]) throws -> [NumPyArray] {
        if path.hasSuffix(".npz") {
            let arrays = try NumPyFile.readArchive(path)
            return try names.map { name in
                guard let found = arrays.first(where: { $0.name == name }) else {
                    throw ValidationError("\(path) has no array named '\(name)'")
                }
                return found.array
            }
        }
        guard names.count == 1 else { throw ValidationError("the model has \(names.count) outputs; give --expected as .npz") }
        return [try NumPyFile.read(path)]
    }
}

/// Refuses to write an output over one of the inputs or the checkpoint: the same file by
/// device and inode (a hard link or a bind mount of it included), or by path.
func refuseOverwriting(_ output: String, inputs: [String]) throws {
    let target = URL(fileURLWithPath: output).resolvingSymlinksInPath().standardizedFileURL.path
    for path in inputs where SafeFiles.sameFile(path, output)
        || URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path == target {
        throw ValidationError("refusing to write the output over an input file: \(output)")
    }
}

extension String {
    /// The path part of `NAME=PATH` (or the whole string).
    var inputPath: String {
        if let separator = firstIndex(of: "="), !FileManager.default.fileExists(atPath: self) { return String(self[index(after: separator)...]) }
        return self
    }
}

/// A few lines describing an output tensor.
enum OutputSummary {
    static func render(name: String, _ tensor: Tensor, rows: Int = 3, columns: Int = 8) -> String {
        var lines = ["\(name): shape (\(tensor.shape.map(String.init).joined(separator: ", "))) float32"]
        let rowSize = tensor.shape.dropFirst().reduce(1, *)
        let count = tensor.shape.first ?? 1
        for row in 0..<min(rows, count) {
            let values = tensor.scalars[(row * rowSize)..<(row * rowSize + min(columns, rowSize))]
            let text = values.map { String(format: "% .6f", $0) }.joined(separator: " ")
            lines.append("  [\(row)] \(text)\(rowSize > columns ? " ..." : "")")
        }
        if count > rows { lines.append("  ... \(count - rows) more rows") }
        return lines.joined(separator: "\n")
    }
}

/// The model inputs named on the command line: `--input X.npy`, or `--input NAME=PATH` per input.
enum PredictInputs {
    /// One warning per input holding NaN or infinity (its outputs will show it).
    static func warnAboutNonFinite(_ inputs: [Tensor], names: [String]) {
        for (name, tensor) in zip(names, inputs) {
            let nan = tensor.scalars.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
            let infinite = tensor.scalars.reduce(0) { $0 + ($1.isInfinite ? 1 : 0) }
            guard nan + infinite > 0 else { continue }
            let parts = [nan > 0 ? "\(nan) NaN" : nil, infinite > 0 ? "\(infinite) infinite" : nil].compactMap { $0 }
            StandardError.write("keras-replay: warning: input '\(name)' holds \(parts.joined(separator: " and ")) value\(nan + infinite == 1 ? "" : "s"); the outputs that depend on them will too")
        }
    }

    static func load(_ input: [String], model: ReplayModel) throws -> [Tensor] {
        try paths(input, model: model).map { path in
            let array = try NumPyFile.read(path)
            return Tensor(shape: array.shape, scalars: array.scalars)
        }
    }

    /// The file of each model input, in model input order, from `--input PATH` / `NAME=PATH`.
    static func paths(_ input: [String], model: ReplayModel) throws -> [String] {
        guard !input.isEmpty else {
            throw ValidationError("give the model's input with --input X.npy (inputs: \(model.inputNames.joined(separator: ", ")))")
        }
        var byName: [String: String] = [:]
        var unnamed: [String] = []
        for argument in input {
            if let separator = argument.firstIndex(of: "="), !FileManager.default.fileExists(atPath: argument) {
                byName[String(argument[..<separator])] = String(argument[argument.index(after: separator)...])
            } else {
                unnamed.append(argument)
            }
        }
        var paths: [String] = []
        for (index, name) in model.inputNames.enumerated() {
            let path: String
            if let named = byName[name] {
                path = named
            } else if model.inputNames.count == 1, let only = unnamed.first {
                path = only
            } else if index < unnamed.count, byName.isEmpty {
                path = unnamed[index]
            } else {
                throw ValidationError("no array for input '\(name)'; pass --input \(name)=PATH (inputs: \(model.inputNames.joined(separator: ", ")))")
            }
            paths.append(path)
        }
        if let unknown = byName.keys.first(where: { !model.inputNames.contains($0) }) {
            throw ValidationError("the model has no input named '\(unknown)' (inputs: \(model.inputNames.joined(separator: ", ")))")
        }
        return paths
    }
}

/// `--rows START:END`, Python's slice of rows (either side may be left out; no negative indices).
struct RowSlice {
    var start: Int?
    var end: Int?

    init(_ text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ValidationError("--rows takes START:END (for example 0:1000 or 5000:), found '\(text)'") }
        func bound(_ part: Substring) throws -> Int? {
            guard !part.isEmpty else { return nil }
            guard let value = Int(part), value >= 0 else { throw ValidationError("--rows takes row numbers ≥ 0, found '\(part)'") }
            return value
        }
        start = try bound(parts[0])
        end = try bound(parts[1])
        if let start, let end, end < start { throw ValidationError("--rows \(text) ends before it starts") }
    }

    /// The rows of an input of `rows` rows; refused when the slice leaves it.
    func range(rows: Int) throws -> Range<Int> {
        let lower = start ?? 0, upper = end ?? rows
        guard upper <= rows, lower <= upper else {
            throw ValidationError("--rows \(start.map(String.init) ?? ""):\(end.map(String.init) ?? "") is outside the input's \(rows) rows")
        }
        return lower..<upper
    }
}
