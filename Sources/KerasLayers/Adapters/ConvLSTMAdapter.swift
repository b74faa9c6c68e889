import KerasCheckpoint
import ReplayEngine

/// Keras `ConvLSTM1D`, `ConvLSTM2D` (also Keras 1.2.2's, `nb_filter`, `nb_row`, `nb_col`,
/// `subsample`, `border_mode`, `dim_ordering`, `inner_activation`) and `ConvLSTM3D`, with every
/// recurrent option (return_sequences, return_state, go_backwards, stateful) and either data format.
///
/// Weights: `kernel (taps..., channels, 4·filters)`, `recurrent_kernel (taps..., filters, 4·filters)`,
/// `bias (4·filters)`, gate column blocks i, f, c, o. Keras 1 stores one array per gate (`W_i U_i b_i`,
/// in the order i, c, f, o; `th` kernels `(filters, channels, taps...)`), joined here in Keras 2 order.
/// The recurrent convolution is always stride 1, `same`. Files written on Theano (Keras 1/2)
/// convolve with flipped kernels and pad `same` as Theano does (see ``ConvolutionAdapter``).
/// Engine layer: `ConvLSTM`.
struct ConvLSTMAdapter: LayerAdapter {
    let classNames = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]

    struct Options {
        var returnSequences: Bool
        var returnState: Bool
        var goBackwards: Bool
        var stateful: Bool
        var activation: String
        var recurrentActivation: String
    }

    func options(_ layer: LayerDescription, in context: LayerContext) throws -> Options {
        let config = context.config(of: layer)
        return Options(returnSequences: try config.bool("return_sequences", default: false),
                       returnState: try config.bool("return_state", default: false),
                       goBackwards: try config.bool("go_backwards", default: false),
                       stateful: try config.bool("stateful", default: false),
                       activation: try config.activationName(["activation"]) ?? "tanh",
                       recurrentActivation: try config.activationName(["recurrent_activation", "inner_activation"])
                           ?? context.version?.defaultRecurrentActivation ?? "sigmoid")
    }

    /// The step's convolution settings (the class name's "2D" gives the rank).
    func convolution(_ layer: LayerDescription, in context: LayerContext) throws -> ConvolutionSettings {
        try ConvolutionSettings(layer, in: context)
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let settings = try convolution(layer, in: context)
        let options = try options(layer, in: context)
        guard let input = inputs.first, input.count == settings.rank + 3, let step = settings.outputShape([input[0]] + input[2...]) else { return nil }
        let output: TensorShape = options.returnSequences ? [input[0], input[1]] + step.dropFirst() : step
        return options.returnState ? [output, step, step] : [output]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        try convolution(layer, in: context).useBias ? 3 : 2
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        var details = LayerDetails(settings: ConfigSettings.shown(layer.config))
        if let options = try? options(layer, in: context) {
            details.activations = [("activation", options.activation), ("recurrent_activation", options.recurrentActivation)]
        }
        return details
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let settings = try convolution(layer, in: context)
        guard let filters = settings.filters else { throw context.fail("config gives no filters") }
        let rank = settings.rank
        let gates = Gate.lstmOrder.enumerated().map { GateBlock(gate: $0.element, columns: ($0.offset * filters)..<(($0.offset + 1) * filters)) }
        let inputChannels = inputShapes?.first.flatMap { $0.count == rank + 3 ? $0[settings.channelsFirst ? 2 : rank + 2] : nil } ?? nil
        let keras1 = context.version?.major == 1
        var bound: [BoundWeight]
        if keras1, entries.count == 12 || entries.count == 8 {
            // Keras 1: W_x U_x b_x per gate, stored i, c, f, o.
            let perGate = entries.count / 4
            let stored: [Gate] = [.inputGate, .cellCandidate, .forgetGate, .outputGate]
            bound = []
            for (offset, role) in [WeightRole.kernel, .recurrentKernel, .bias].prefix(perGate).enumerated() {
                let sources = Gate.lstmOrder.map { entries[stored.firstIndex(of: $0)! * perGate + offset] }
                let first = sources[0].shape
                guard sources.allSatisfy({ $0.shape == first }), !first.isEmpty else {
                    throw context.fail("Keras 1 per-gate \(role) arrays have different shapes \(sources.map(\.shape))")
                }
                let thOrder = settings.channelsFirst && role != .bias
                let shape = thOrder ? [first[0] * 4] + first.dropFirst() : Array(first.dropLast()) + [first.last! * 4]
                bound.append(BoundWeight(role: role, shape: shape, elementType: sources[0].elementType, sources: sources,
                                         assembly: thOrder ? .concatenateFirstAxis : .concatenateLastAxis, gates: thOrder ? [] : gates))
            }
        } else {
            bound = try WeightChecks.roles(entries, settings.useBias ? [.kernel, .recurrentKernel, .bias] : [.kernel, .recurrentKernel], context)
            for index in bound.indices { bound[index].gates = gates }
        }
        let taps = settings.kernelSize.map { Optional($0) }
        let thOrder = keras1 && settings.channelsFirst
        for index in bound.indices {
            let shape = bound[index].shape
            switch bound[index].role {
            case .kernel:
                if thOrder {
                    try WeightChecks.shape("kernel", shape, [4 * filters, inputChannels] + taps, explain: " (Keras 1 'th' order)", context)
                } else {
                    try WeightChecks.shape("kernel", shape, taps + [inputChannels, 4 * filters], explain: " from filters=\(filters) x 4 gates", context)
                    bound[index].meaning = "\(settings.tapsText) x \(shape[rank]) input channels x 4 gates x \(filters) filters"
                }
            case .recurrentKernel:
                if thOrder {
                    try WeightChecks.shape("recurrent_kernel", shape, [4 * filters, filters] + taps, explain: " (Keras 1 'th' order)", context)
                } else {
                    try WeightChecks.shape("recurrent_kernel", shape, taps + [filters, 4 * filters], explain: " from filters=\(filters) x 4 gates", context)
                    bound[index].meaning = "\(settings.tapsText) x \(filters) filters x 4 gates x \(filters) filters"
                }
            case .bias:
                try WeightChecks.shape("bias", shape, [4 * filters], explain: " from filters=\(filters) x 4 gates", context)
                bound[index].meaning = "4 gates x \(filters) filters"
            default: break
            }
        }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let settings = try convolution(layer, in: context.reading)
        let options = try options(layer, in: context.reading)
        let theano = ConvolutionAdapter().theano(context.reading)
        let rank = settings.rank
        var kernel = try context.required(.kernel), recurrentKernel = try context.required(.recurrentKernel)
        if context.version?.major == 1 && settings.channelsFirst {
            // Keras 1 'th': (4·filters, in, taps...) → (taps..., in, 4·filters).
            let order = Array(2..<(rank + 2)) + [1, 0]
            kernel = kernel.transposed(order)
            recurrentKernel = recurrentKernel.transposed(order)
        }
        if theano {
            kernel = kernel.reversing(axes: Array(0..<rank))
            recurrentKernel = recurrentKernel.reversing(axes: Array(0..<rank))
        }
        let same: WindowPadding = theano ? .theanoSame : .same
        do {
            return try ConvLSTM(name: context.engineName, kindName: layer.className, kernel: kernel, recurrentKernel: recurrentKernel,
                                bias: context.tensor(.bias), strides: settings.strides, dilation: settings.dilation,
                                padding: settings.padding == "same" ? same : .valid, recurrentPadding: same,
                                activation: context.activation("activation", default: options.activation),
                                recurrentActivation: context.activation("recurrent_activation", "inner_activation", default: options.recurrentActivation),
                                returnSequences: options.returnSequences, returnState: options.returnState,
                                goBackwards: options.goBackwards, stateful: options.stateful, channelsFirst: settings.channelsFirst)
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}
