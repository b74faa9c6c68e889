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

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let batchSize, !(1...(1 << 31)).contains(batchSize) {
            throw ValidationError("--batch-size must be between 1 and 2^31, found \(batchSize)")
        }
        if !(tolerance >= 0) { throw ValidationError("--tolerance must be a number ≥ 0, found \(tolerance)") }
        if let output { try OutputFile.check(output, option: "--output", formats: ["npy", "npz"]) }
        if let output { try refuseOverwriting(output, inputs: input.map(\.inputPath) + [checkpoint]) }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: checkpoint)
        ProcessMemory.keepFreedMemoryForReuse()
        try reportingFailures {
            let model = try ReplayModel(path: checkpoint, architecture: architectureOptions.load(limits: limits), limits: limits)
            let names = model.outputNames
            // Refused before any input is read (or warned about): one line, nothing else.
            if let output, OutputFile.format(of: output) != "npz", names.count != 1 {
                throw ValidationError("the model has \(names.count) outputs (\(names.joined(separator: ", "))); write them with --output FILE.npz")
            }
            let inputs = try PredictInputs.load(input, model: model)
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
        var tensors: [Tensor] = []
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
            let array = try NumPyFile.read(path)
            tensors.append(Tensor(shape: array.shape, scalars: array.scalars))
        }
        if let unknown = byName.keys.first(where: { !model.inputNames.contains($0) }) {
            throw ValidationError("the model has no input named '\(unknown)' (inputs: \(model.inputNames.joined(separator: ", ")))")
        }
        return tensors
    }
}
