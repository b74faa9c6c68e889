import ArgumentParser
import Foundation
import KerasReplay
import NumPyFiles

struct Weights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every weight as a named NumPy array (or a table), gate blocks split on request.",
        discussion: """
        Arrays come in the model's order, named layer/[sublayer/][direction/]role: \
        encoder_lstm/forward/kernel, dense/bias, mha/query/kernel. With --split-gates each gate \
        block of a recurrent weight is its own array: encoder_lstm/forward/kernel/input_gate \
        (input dim x units), .../recurrent_kernel/forget_gate, .../bias/output_gate; GRU \
        update_gate, reset_gate, candidate (both bias rows with reset_after). Keras 1's \
        W_i, U_i, b_i, ... come out joined under the same names. Values are float32. A \
        weights-only file needs no architecture here: its arrays keep their stored names.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case npz, json, csv }

    @Argument(help: "A Keras checkpoint (.h5, .hdf5, .keras or .weights.h5).")
    var checkpoint: String

    @Option(name: .long, help: "A layer to write (repeat for several; default: every layer).")
    var layer: [String] = []

    @Flag(help: "Write each gate block of a recurrent weight as an array of its own.")
    var splitGates = false

    @Option(name: .long, help: "Where to write: .npz (one array per weight), .json or .csv (a long table).")
    var output: String?

    @Option(help: "npz (default with --output), json or csv; without --output, json and csv go to stdout.")
    var format: Format?

    @OptionGroup var architectureOptions: ArchitectureOptions

    func validate() throws {
        if let output {
            try OutputFile.check(output, option: "--output", formats: ["npz", "json", "csv"])
            let named = OutputFile.format(of: output)
            if let format, ["npz", "json", "csv"].contains(named), format.rawValue != named {
                throw ValidationError("--format \(format.rawValue) with --output \(output): the extension and the format disagree")
            }
        }
        if output == nil, format == .npz { throw ValidationError("--format npz needs --output FILE.npz") }
        if let output { try refuseOverwriting(output, inputs: [checkpoint]) }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        containLibraryFaults(reading: checkpoint)
        try reportingFailures {
            let file = try KerasCheckpoint(path: checkpoint, limits: limits, architecture: architectureOptions.load(limits: limits))
            let arrays = try WeightArrays.of(file, layers: layer.isEmpty ? nil : layer, splitGates: splitGates)
            let format = self.format ?? output.flatMap { Format(rawValue: OutputFile.format(of: $0)) } ?? .npz
            switch (format, output) {
            case (.npz, let output?):
                try NumPyFile.writeArchive(arrays.map { (name: $0.name, array: NumPyArray(shape: $0.tensor.shape, scalars: $0.tensor.scalars)) }, to: output)
            case (.json, let output?): try NumPyFile.writeAtomically(Data(WeightTable.json(arrays).utf8), to: output)
            case (.csv, let output?): try NumPyFile.writeAtomically(Data(WeightTable.csv(arrays).utf8), to: output)
            case (.json, nil): emit(WeightTable.json(arrays))
            case (.csv, nil): emit(WeightTable.csv(arrays))
            case (.npz, nil):
                for array in arrays { emit("\(array.name)  \(formatShape(array.tensor.shape))") }
            }
        }
    }
}

/// Weights as text: a JSON object of `{name: {"shape": [...], "values": [...]}}` in model order,
/// or a CSV long table `name,index,value` (index as `i;j`, row-major).
enum WeightTable {
    static func json(_ arrays: [WeightArrays.Array]) -> String {
        var lines = ["{"]
        for (position, array) in arrays.enumerated() {
            let values = array.tensor.scalars.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ", ")
            let shape = array.tensor.shape.map(String.init).joined(separator: ", ")
            lines.append("  \"\(array.name)\": {\"shape\": [\(shape)], \"values\": [\(values)]}" + (position + 1 < arrays.count ? "," : ""))
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    static func csv(_ arrays: [WeightArrays.Array]) -> String {
        var lines = ["name,index,value"]
        for array in arrays {
            let shape = array.tensor.shape
            var index = [Int](repeating: 0, count: shape.count)
            for value in array.tensor.scalars {
                lines.append("\(array.name),\(index.map(String.init).joined(separator: ";")),\(value)")
                var axis = shape.count - 1
                while axis >= 0 { index[axis] += 1; if index[axis] < shape[axis] { break }; index[axis] = 0; axis -= 1 }
            }
        }
        return lines.joined(separator: "\n")
    }
}
