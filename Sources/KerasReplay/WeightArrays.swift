import KerasCheckpoint
import ReplayEngine

/// A checkpoint's weights as named arrays, in the model's order, named so a NumPy user can
/// guess them: `encoder_lstm/forward/kernel`, `dense/bias`, `inner_seq/inner_dense1/kernel`
/// (a layer inside a nested model), `mha/query/kernel`. Keras 1's per-gate arrays come out
/// joined, under the same names as Keras 2's. A weights-only file read without an architecture
/// gives its arrays as stored (`layer/stored name`).
public enum WeightArrays {
    public struct Array: Sendable {
        public var name: String
        public var tensor: Tensor
    }

    /// - Parameters:
    ///   - layers: only these layers (all when nil); an unknown name is refused.
    ///   - splitGates: each gate block of a recurrent weight as an array of its own:
    ///     `.../kernel/input_gate (input_dim, units)`, `.../bias/update_gate` (both bias rows of
    ///     a GRU with reset_after: `(2, units)`).
    public static func of(_ checkpoint: KerasCheckpoint, layers: [String]? = nil, splitGates: Bool = false) throws -> [Array] {
        let stored = checkpoint.layers
        if let layers {
            for name in layers where !stored.contains(where: { $0.layerName == name }) {
                let known = stored.filter { !$0.entries.isEmpty }.map(\.layerName)
                throw CheckpointError(file: checkpoint.path, message: "no layer named '\(name)' holds weights (layers with weights: \(known.joined(separator: ", ")))")
            }
        }
        var arrays: [Array] = []
        for layer in stored where layers?.contains(layer.layerName) ?? true {
            for weight in layer.bound {
                let values = try checkpoint.tensorData(for: weight)
                let tensor = Tensor(shape: weight.shape, scalars: values)
                var parts = [layer.layerName]
                if let sublayer = weight.sublayer { parts.append(sublayer) }
                if let direction = weight.direction { parts.append(direction.rawValue) }
                // A weight bound without a known role keeps its stored name (no guessing).
                if case .other(let role) = weight.role, layer.className == nil {
                    parts.append(weight.sources[0].storedName.split(separator: "/").last.map(String.init) ?? role)
                } else {
                    parts.append("\(weight.role)")
                }
                let name = parts.joined(separator: "/")
                if splitGates, !weight.gates.isEmpty {
                    for block in weight.gates {
                        arrays.append(Array(name: "\(name)/\(block.gate.rawValue)", tensor: columns(tensor, block.columns)))
                    }
                } else {
                    arrays.append(Array(name: name, tensor: tensor))
                }
            }
        }
        return arrays
    }

    /// The columns `range` of the last axis.
    static func columns(_ tensor: Tensor, _ range: Range<Int>) -> Tensor {
        let width = tensor.lastDimension, rows = tensor.count / max(width, 1)
        var values: [Float] = []
        values.reserveCapacity(rows * range.count)
        for row in 0..<rows { values += tensor.scalars[(row * width + range.lowerBound)..<(row * width + range.upperBound)] }
        return Tensor(shape: tensor.shape.dropLast() + [range.count], scalars: values)
    }
}
