import HDF5

/// One dataset of a checkpoint, as `weight_names` lists it. Only metadata: no data is read.
public struct WeightEntry: Sendable, Equatable {
    /// The name as stored in `weight_names` (`lstm_1/kernel:0`, `lstm_1_W_i`, ...).
    public var storedName: String
    /// Absolute dataset path in the file.
    public var datasetPath: String
    public var shape: [Int]
    public var elementType: ElementType

    public var count: Int { shape.reduce(1, *) }
}

/// What a weight is for.
public enum WeightRole: Sendable, Hashable, CustomStringConvertible {
    case kernel, recurrentKernel, bias, embeddings
    case gamma, beta, movingMean, movingVariance
    /// Any other weight, by the name Keras gives it.
    case other(String)

    /// Keras' own name for the role (`recurrent_kernel`), used in JSON and tables.
    public var description: String {
        switch self {
        case .kernel: return "kernel"
        case .recurrentKernel: return "recurrent_kernel"
        case .bias: return "bias"
        case .embeddings: return "embeddings"
        case .gamma: return "gamma"
        case .beta: return "beta"
        case .movingMean: return "moving_mean"
        case .movingVariance: return "moving_variance"
        case .other(let name): return name
        }
    }

    /// The role a stored name states: `lstm_1/kernel:0` → kernel; Keras 1's `dense_1_W` → kernel;
    /// anything else keeps its own name (`alpha`, `query/kernel`).
    public init(storedName: String) {
        var tail = String(storedName.split(separator: "/").last ?? Substring(storedName))
        if let colon = tail.lastIndex(of: ":") { tail = String(tail[..<colon]) }
        switch tail {
        case "kernel", "W": self = .kernel
        case "recurrent_kernel", "U": self = .recurrentKernel
        case "bias", "b": self = .bias
        case "embeddings": self = .embeddings
        case "gamma": self = .gamma
        case "beta": self = .beta
        case "moving_mean": self = .movingMean
        case "moving_variance": self = .movingVariance
        default:
            if tail.hasSuffix("_W") { self = .kernel } else if tail.hasSuffix("_U") { self = .recurrentKernel }
            else if tail.hasSuffix("_b") { self = .bias } else { self = .other(tail) }
        }
    }
}

/// The direction of a Bidirectional layer's sublayer.
public enum Direction: String, Sendable, Hashable, CaseIterable {
    case forward, backward
}

/// A gate of a recurrent cell.
public enum Gate: String, Sendable, Hashable, CaseIterable {
    // LSTM, in Keras' column order i, f, c, o.
    case inputGate = "input_gate"
    case forgetGate = "forget_gate"
    case cellCandidate = "cell_candidate"
    case outputGate = "output_gate"
    // GRU, in Keras' column order z, r, h.
    case updateGate = "update_gate"
    case resetGate = "reset_gate"
    case candidate = "candidate"

    /// How a person says it: "input gate", "cell candidate".
    public var spokenName: String { rawValue.replacingOccurrences(of: "_", with: " ") }

    public static let lstmOrder: [Gate] = [.inputGate, .forgetGate, .cellCandidate, .outputGate]
    public static let gruOrder: [Gate] = [.updateGate, .resetGate, .candidate]
}

/// A block of columns (of the last axis) that belongs to one gate.
public struct GateBlock: Sendable, Equatable {
    public var gate: Gate
    public var columns: Range<Int>

    public init(gate: Gate, columns: Range<Int>) {
        self.gate = gate
        self.columns = columns
    }
}

/// How the datasets of a weight make one tensor.
public enum WeightAssembly: Sendable, Equatable {
    /// One dataset, as stored.
    case single
    /// Keras 1's per-gate arrays, joined along the last axis in the order of `sources`.
    case concatenateLastAxis
    /// Keras 1's per-gate arrays in `th` order `(filters, ...)`, joined along the first axis.
    case concatenateFirstAxis
    /// A kernel `(inputs, gates·units)` stored in the CuDNN layout, converted per gate block as
    /// Keras does when it loads CuDNN weights into a plain layer (`_convert_rnn_weights`):
    /// each block's values, read row by row, are the plain block `(inputs, units)` transposed.
    case cudnnInputKernel(gates: Int)
    /// A recurrent kernel `(units, gates·units)` stored in the CuDNN layout: each gate block transposed.
    case cudnnRecurrentKernel(gates: Int)
}

/// A weight bound to its layer: role, Keras 2/3 shape, gate blocks, and where its data lives.
public struct BoundWeight: Sendable, Equatable {
    public var role: WeightRole
    /// Set for the sublayers of a Bidirectional layer.
    public var direction: Direction?
    /// The layer inside a nested model (a `Sequential` or `Functional` used as a layer) this
    /// weight belongs to: `inner_dense1`, or `block/dense` two levels down; nil otherwise.
    public var sublayer: String?
    /// The shape in Keras 2/3 form (Keras 1's per-gate arrays already joined).
    public var shape: [Int]
    public var elementType: ElementType
    /// The datasets behind it: one, or Keras 1's per-gate arrays in Keras 2 gate order.
    public var sources: [WeightEntry]
    public var assembly: WeightAssembly
    /// Gate column blocks for recurrent kernels, recurrent kernels and biases; empty otherwise.
    public var gates: [GateBlock]
    /// What the axes are, in the layer's own terms: `100 inputs x 4 gates x 20 units`,
    /// `3 taps x 16 input channels x 32 filters`; nil when nothing more than the shape is known.
    public var meaning: String?

    public init(role: WeightRole, direction: Direction? = nil, shape: [Int], elementType: ElementType, sources: [WeightEntry],
                assembly: WeightAssembly = .single, gates: [GateBlock] = [], meaning: String? = nil) {
        self.role = role
        self.direction = direction
        self.shape = shape
        self.elementType = elementType
        self.sources = sources
        self.assembly = assembly
        self.gates = gates
        self.meaning = meaning
    }

    /// One stored array as it is.
    public init(stored entry: WeightEntry, role: WeightRole, gates: [GateBlock] = [], meaning: String? = nil) {
        self.init(role: role, shape: entry.shape, elementType: entry.elementType, sources: [entry], gates: gates, meaning: meaning)
    }

    public var count: Int { shape.reduce(1, *) }

    /// `kernel`, `forward kernel` inside a Bidirectional layer, `inner_dense1 kernel` inside a nested model.
    public var label: String {
        let own = direction.map { "\($0.rawValue) \(role)" } ?? "\(role)"
        return sublayer.map { "\($0) \(own)" } ?? own
    }
}

/// A layer's weights as stored and as bound.
public struct LayerWeights: Sendable, Equatable {
    public var layerName: String
    /// The class from the config (nil in weights-only files without an architecture).
    public var className: String?
    /// Datasets in `weight_names` order.
    public var entries: [WeightEntry]
    /// The same weights with roles and gates.
    public var bound: [BoundWeight]

    public var parameterCount: Int { entries.reduce(0) { $0 + $1.count } }
}
