import KerasCheckpoint
import ReplayEngine

/// Keras `LSTM`, `GRU` and `SimpleRNN` (every generation; Keras 1 says `output_dim` and
/// `inner_activation`, and may store one array per gate).
///
/// Weights: `kernel (input_dim, gates·units)`, `recurrent_kernel (units, gates·units)`,
/// `bias (gates·units)` (GRU with `reset_after`: `(2, 3·units)`, input and recurrent bias), gate
/// column blocks LSTM i, f, c, o and GRU z, r, h. Keras 1's per-gate arrays (`W_i U_i b_i ...`,
/// LSTM stored i, c, f, o) are joined in that order.
///
/// Keras 2's `CuDNNLSTM` / `CuDNNGRU` (GPU-only layers; tf-keras and Keras 2.2.4 files) replay as
/// what Keras computes after loading their weights into the plain layer (`_convert_rnn_weights`):
/// sigmoid/tanh gates, the GRU reset gate after the recurrent product; the stored bias has two
/// halves `(2·gates·units)`, input then recurrent, which an LSTM adds and a GRU keeps as its
/// `(2, 3·units)` bias; every kernel gate block is stored in the CuDNN layout and converted. A
/// plain `LSTM` / `GRU` whose stored bias has that CuDNN size is converted the same way, as Keras
/// does on load. Engine layers: `LSTM`, `GRU`, `SimpleRNN`.
struct RecurrentAdapter: LayerAdapter {
    let classNames = ["LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first, input.count == 3 else { return nil }
        let settings = try RecurrentSettings(layer, in: context)
        let batch = input[0]
        let output: TensorShape = settings.returnSequences ? [batch, input[1], settings.units] : [batch, settings.units]
        guard settings.returnState else { return [output] }
        return [output] + Array(repeating: [batch, settings.units], count: settings.stateNames.count)
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        try RecurrentSettings(layer, in: context).useBias ? 3 : 2
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        var details = LayerDetails(settings: ConfigSettings.shown(layer.config))
        guard let settings = try? RecurrentSettings(layer, in: context) else { return details }
        details.activations = [("activation", settings.activation)]
        if let recurrent = settings.recurrentActivation { details.activations.append(("recurrent_activation", recurrent)) }
        if settings.isCuDNN {
            details.notes.append("\(layer.className) is a GPU-only layer: replayed as the \(settings.className) Keras converts it to on load"
                                 + (settings.className == "GRU" ? " (reset_after=True)" : " (input and recurrent biases added)"))
        }
        return details
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let settings = try RecurrentSettings(layer, in: context)
        let units = settings.units, gateOrder = settings.gateOrder
        let blocks = max(gateOrder.count, 1)
        let gates = gateOrder.enumerated().map { GateBlock(gate: $0.element, columns: ($0.offset * units)..<(($0.offset + 1) * units)) }
        let inputDimension = inputShapes?.first?.last ?? nil
        var bound: [BoundWeight]
        var layoutNote: String?

        if gateOrder.count > 1, entries.count == blocks * 3 || entries.count == blocks * 2 {
            // Keras 1 (consume_less 'cpu' / 'mem'): W_x U_x b_x per gate, LSTM stored i, c, f, o.
            let perGate = entries.count / blocks
            let storedOrder: [Gate] = settings.className == "LSTM" ? [.inputGate, .cellCandidate, .forgetGate, .outputGate] : Gate.gruOrder
            bound = []
            for (offset, role) in [WeightRole.kernel, .recurrentKernel, .bias].prefix(perGate).enumerated() {
                let sources = gateOrder.map { gate in entries[storedOrder.firstIndex(of: gate)! * perGate + offset] }
                let first = sources[0].shape
                guard sources.allSatisfy({ $0.shape == first }), let last = first.last else {
                    throw context.fail("Keras 1 per-gate \(role) arrays have different shapes \(sources.map(\.shape))")
                }
                bound.append(BoundWeight(role: role, shape: Array(first.dropLast()) + [last * blocks], elementType: sources[0].elementType,
                                         sources: sources, assembly: .concatenateLastAxis, gates: gates))
            }
        } else if entries.count == 3, blocks > 1, entries[2].shape == [2 * blocks * units] {
            // CuDNN layout (CuDNNLSTM / CuDNNGRU, or their weights in a plain layer): converted as Keras does on load.
            if settings.className == "GRU", settings.resetAfter == false {
                throw context.fail("stored bias \(entries[2].shape) has the CuDNN layout, which Keras loads only into GRU(reset_after=True); this GRU has reset_after=False")
            }
            let note = settings.isCuDNN ? "; CuDNN layout, converted as Keras does on load" : "; stored in the CuDNN layout, which Keras converts on load"
            bound = [
                BoundWeight(role: .kernel, shape: entries[0].shape, elementType: entries[0].elementType, sources: [entries[0]],
                            assembly: .cudnnInputKernel(gates: blocks), gates: gates),
                BoundWeight(role: .recurrentKernel, shape: entries[1].shape, elementType: entries[1].elementType, sources: [entries[1]],
                            assembly: .cudnnRecurrentKernel(gates: blocks), gates: gates),
                BoundWeight(role: .bias, shape: [2, blocks * units], elementType: entries[2].elementType, sources: [entries[2]], gates: gates),
            ]
            layoutNote = note
        } else {
            try WeightChecks.count(entries, settings.useBias ? [3] : [2], context)
            bound = zip(entries, [WeightRole.kernel, .recurrentKernel, .bias]).map { BoundWeight(stored: $0, role: $1, gates: gates) }
        }

        let width = units * blocks
        let explain = blocks > 1 ? " from units=\(units) x \(blocks) gates" : " from units=\(units)"
        for index in bound.indices {
            let weight = bound[index]
            switch weight.role {
            case .kernel:
                try WeightChecks.shape("kernel", weight.shape, [inputDimension, width], explain: explain, context)
                bound[index].meaning = blocks > 1 ? "\(weight.shape[0]) inputs x \(blocks) gates x \(units) units" : "\(weight.shape[0]) inputs x \(units) units"
            case .recurrentKernel:
                try WeightChecks.shape("recurrent_kernel", weight.shape, [units, width], explain: explain, context)
                if blocks > 1 { bound[index].meaning = "\(units) units x \(blocks) gates x \(units) units" }
            case .bias where weight.shape.count == 2 && blocks > 1:
                try WeightChecks.shape("bias", weight.shape, [2, width], explain: explain + (settings.className == "GRU" ? " (reset_after)" : " (CuDNN)"), context)
                bound[index].meaning = "[input bias, recurrent bias] x \(blocks) gates x \(units) units"
            case .bias:
                try WeightChecks.shape("bias", weight.shape, [width], explain: explain, context)
                if blocks > 1 { bound[index].meaning = "\(blocks) gates x \(units) units" }
            default: break
            }
            if let layoutNote { bound[index].meaning = (bound[index].meaning ?? "\(weight.shape)") + layoutNote }
        }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let settings = try RecurrentSettings(layer, in: context.reading)
        let kernel = try context.required(.kernel)
        let recurrentKernel = try context.required(.recurrentKernel)
        var bias = settings.useBias ? try context.required(.bias) : nil
        if settings.className == "LSTM", let halves = bias, halves.rank == 2, halves.shape[0] == 2 {
            // CuDNN's input and recurrent biases: Keras adds them when it loads them into an LSTM.
            let width = halves.shape[1]
            bias = Tensor(shape: [width], scalars: (0..<width).map { halves.scalars[$0] + halves.scalars[width + $0] })
        }
        let activation = try context.activation("activation", default: settings.activation)
        let name = context.engineName
        do {
            switch settings.className {
            case "LSTM":
                return try LSTM(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, activation: activation,
                                recurrentActivation: context.activation("recurrent_activation", "inner_activation", default: settings.recurrentActivation ?? "sigmoid"),
                                returnSequences: settings.returnSequences, returnState: settings.returnState,
                                goBackwards: settings.goBackwards, stateful: settings.stateful,
                                zeroOutputForMask: settings.zeroOutputForMask)
            case "GRU":
                return try GRU(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, activation: activation,
                               recurrentActivation: context.activation("recurrent_activation", "inner_activation", default: settings.recurrentActivation ?? "sigmoid"),
                               resetAfter: settings.resetAfter ?? true, returnSequences: settings.returnSequences, returnState: settings.returnState,
                               goBackwards: settings.goBackwards, stateful: settings.stateful,
                                zeroOutputForMask: settings.zeroOutputForMask)
            default:
                return try SimpleRNN(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, activation: activation,
                                     returnSequences: settings.returnSequences, returnState: settings.returnState,
                                     goBackwards: settings.goBackwards, stateful: settings.stateful,
                                zeroOutputForMask: settings.zeroOutputForMask)
            }
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}

/// The settings of an LSTM, GRU or SimpleRNN config, with the defaults of the Keras that wrote
/// the file filled in (Keras 1 names such as `output_dim` and `inner_activation` included).
public struct RecurrentSettings: Sendable, Equatable {
    /// `LSTM`, `GRU` or `SimpleRNN` (also for the CuDNN layers).
    public var className: String
    /// `CuDNNLSTM` / `CuDNNGRU`: fixed tanh/sigmoid, biases, and reset_after for the GRU.
    public var isCuDNN: Bool
    public var units: Int
    public var activation: String
    /// nil for SimpleRNN.
    public var recurrentActivation: String?
    public var useBias: Bool
    public var returnSequences: Bool
    public var returnState: Bool
    public var goBackwards: Bool
    public var stateful: Bool
    public var unroll: Bool
    /// Keras `zero_output_for_mask` (written by Keras 3 and, when set, tf-keras).
    public var zeroOutputForMask: Bool
    /// GRU only.
    public var resetAfter: Bool?

    /// More units than this is not a model anyone replays on a CPU; it is a hostile config.
    public static let maxUnits = 1 << 24

    public init(_ layer: LayerDescription, in context: LayerContext) throws {
        isCuDNN = layer.className.hasPrefix("CuDNN")
        let className = isCuDNN ? String(layer.className.dropFirst(5)) : layer.className
        guard ["LSTM", "GRU", "SimpleRNN"].contains(className) else {
            throw context.fail("wraps \(layer.className), which is not LSTM, GRU or SimpleRNN")
        }
        let config = context.config(of: layer)
        self.className = className
        guard config.contains("units") || config.contains("output_dim") else {
            throw context.fail("config gives no usable units (expected a positive integer up to \(Self.maxUnits))")
        }
        units = try config.int("units", "output_dim", in: 1...Self.maxUnits)
        activation = try config.activationName(["activation"]) ?? "tanh"
        if className == "SimpleRNN" {
            recurrentActivation = nil
        } else {
            recurrentActivation = try config.activationName(["recurrent_activation", "inner_activation"])
                ?? context.version?.defaultRecurrentActivation ?? "sigmoid"
        }
        useBias = try config.bool("use_bias", "bias", default: true)
        returnSequences = try config.bool("return_sequences", default: false)
        returnState = try config.bool("return_state", default: false)
        goBackwards = try config.bool("go_backwards", default: false)
        stateful = try config.bool("stateful", default: false)
        unroll = try config.bool("unroll", default: false)
        zeroOutputForMask = try config.bool("zero_output_for_mask", default: false)
        resetAfter = className == "GRU" ? try config.bool("reset_after", default: context.version?.defaultGRUResetAfter ?? true) : nil
        if isCuDNN {
            activation = "tanh"
            recurrentActivation = "sigmoid"
            useBias = true
            resetAfter = className == "GRU" ? true : nil
        }
    }

    /// Gate column blocks in Keras order (none for SimpleRNN).
    public var gateOrder: [Gate] {
        switch className {
        case "LSTM": return Gate.lstmOrder
        case "GRU": return Gate.gruOrder
        default: return []
        }
    }

    /// The states in Keras order: `h, c` for LSTM, `h` otherwise.
    public var stateNames: [String] { className == "LSTM" ? ["h", "c"] : ["h"] }
}
