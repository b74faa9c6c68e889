import KerasCheckpoint
import ReplayEngine

/// Builds the engine layer for one Keras layer from its config and its bound weights, with the
/// semantics of the Keras version that wrote the file.
final class LayerFactory {
    let checkpoint: KerasCheckpoint
    /// Weights holding NaN or infinity, noted as they are read (a diverged training run).
    private(set) var nonFiniteWeights: [NonFiniteWeight] = []

    init(checkpoint: KerasCheckpoint) {
        self.checkpoint = checkpoint
    }

    var version: KerasVersion? { checkpoint.kerasVersion }

    /// `hard_sigmoid` as the file's own Keras computed it.
    var hardSigmoid: HardSigmoidVariant { version?.usesKeras3HardSigmoid == true ? .keras3 : .keras2 }

    func fail(_ layer: LayerDescription, _ message: String) -> ReplayError {
        ReplayError(file: checkpoint.path, message: "layer '\(layer.name)' (\(layer.className)): \(message)")
    }

    private var currentLayer = ""

    /// Layers whose code is Python in the file: never run.
    static let refused: Set<String> = ["Lambda", "TFOpLambda", "SlicingOpLambda"]

    func make(_ layer: LayerDescription, arguments: [InboundArgument]) throws -> any Layer {
        if Self.refused.contains(layer.className) {
            throw fail(layer, "holds Python code; keras-replay never runs code from a file, so this model cannot be replayed")
        }
        let weights = checkpoint.layerWeights(named: layer.name)?.bound ?? []
        currentLayer = layer.name
        do {
            return try build(layer, config: layer.config, weights: weights, arguments: arguments)
        } catch let error as EngineError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        }
    }

    private func tensor(_ weights: [BoundWeight], _ role: WeightRole, direction: Direction? = nil) throws -> Tensor? {
        guard let weight = weights.first(where: { $0.role == role && $0.direction == direction }) else { return nil }
        let data = try checkpoint.tensorData(for: weight)
        if let found = NonFiniteWeight(layer: currentLayer, weight: weight.label, values: data) { nonFiniteWeights.append(found) }
        return Tensor(shape: weight.shape, scalars: data)
    }

    private func required(_ layer: LayerDescription, _ weights: [BoundWeight], _ role: WeightRole, direction: Direction? = nil) throws -> Tensor {
        guard let value = try tensor(weights, role, direction: direction) else {
            let label = direction.map { "\($0.rawValue) \(role)" } ?? "\(role)"
            throw fail(layer, "expected a \(label) weight, found none in the file")
        }
        return value
    }

    func activation(_ layer: LayerDescription, _ value: JSONValue?, default fallback: String = "linear") throws -> Activation {
        let name: String
        if let text = value?.string {
            name = text
        } else if let object = value, object.object != nil {
            // Keras 3 may serialize a built-in as {"class_name": "function", "config": "relu", ...}.
            name = object["config"]?.string ?? object["class_name"]?.string ?? fallback
        } else {
            name = fallback
        }
        guard let activation = Activation(kerasName: name, hardSigmoid: hardSigmoid) else {
            throw fail(layer, "activation '\(name)' is not a built-in Keras activation this tool knows")
        }
        return activation
    }

    private func build(_ layer: LayerDescription, config: JSONValue, weights: [BoundWeight], arguments: [InboundArgument]) throws -> any Layer {
        let name = layer.name
        switch layer.className {
        case "Dense":
            return try Dense(name: name, kernel: required(layer, weights, .kernel), bias: tensor(weights, .bias),
                             activation: activation(layer, config["activation"]))
        case "Activation":
            return ActivationLayer(name: name, activation: try activation(layer, config["activation"]))
        case "LSTM", "GRU", "SimpleRNN":
            return try recurrent(layer, className: layer.className, config: config, weights: weights, direction: nil, goBackwards: nil)
        case "Bidirectional":
            guard let inner = layer.wrappedLayer else { throw fail(layer, "config has no wrapped layer") }
            let forward = try recurrent(layer, className: inner.className, config: inner.config, weights: weights, direction: .forward, goBackwards: nil)
            let forwardSettings = RecurrentSettings(className: inner.className, config: inner.config, version: version)
            let backwardConfig = config["backward_layer"]?["config"] ?? inner.config
            // Keras builds the backward copy with the opposite go_backwards of the forward layer.
            let backward = try recurrent(layer, className: inner.className, config: backwardConfig, weights: weights, direction: .backward,
                                         goBackwards: !(forwardSettings?.goBackwards ?? false))
            // merge_mode: absent means concat; null means None (two outputs).
            let mergeMode: MergeMode?
            switch config["merge_mode"] {
            case nil: mergeMode = .concat
            case .null?: mergeMode = nil
            case let mode?:
                guard let parsed = mode.string.flatMap(MergeMode.init(rawValue:)) else {
                    throw fail(layer, "merge_mode \(mode.jsonText) is not one of concat, sum, mul, ave, None")
                }
                mergeMode = parsed
            }
            return try Bidirectional(name: name, forward: forward, backward: backward, mergeMode: mergeMode)
        case "TimeDistributed":
            guard let inner = layer.wrappedLayer else { throw fail(layer, "config has no wrapped layer") }
            let innerLayer = try build(LayerDescription(className: inner.className, name: name, config: inner.config, inboundNodes: []),
                                       config: inner.config, weights: weights, arguments: [])
            return TimeDistributed(name: name, inner: innerLayer)
        case "RepeatVector":
            guard let count = config["n"]?.int else { throw fail(layer, "config has no n") }
            return RepeatVector(name: name, count: count)
        case "Embedding":
            return try Embedding(name: name, embeddings: required(layer, weights, .embeddings), maskZero: config["mask_zero"]?.bool ?? false)
        case "Masking":
            return Masking(name: name, maskValue: Float(config["mask_value"]?.number ?? 0))
        case "Flatten":
            return Flatten(name: name)
        case "Reshape":
            guard let target = config["target_shape"]?.array?.compactMap(\.int) else { throw fail(layer, "config has no target_shape") }
            return Reshape(name: name, targetShape: target)
        case "Permute":
            guard let dims = config["dims"]?.array?.compactMap(\.int) else { throw fail(layer, "config has no dims") }
            return Permute(name: name, dims: dims)
        case "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization":
            return InferenceIdentity(name: name, kerasClass: layer.className)
        case "Concatenate":
            return Merge(name: name, operation: .concatenate(axis: config["axis"]?.int ?? -1))
        case "Add": return Merge(name: name, operation: .add)
        case "Subtract": return Merge(name: name, operation: .subtract)
        case "Multiply": return Merge(name: name, operation: .multiply)
        case "Average": return Merge(name: name, operation: .average)
        case "Maximum": return Merge(name: name, operation: .maximum)
        case "Minimum": return Merge(name: name, operation: .minimum)
        case "Conv1D", "Convolution1D":
            let padding: Conv1D.Padding
            switch config["padding"]?.string ?? "valid" {
            case "valid": padding = .valid
            case "same": padding = .same
            case "causal": padding = .causal
            case let other: throw fail(layer, "padding '\(other)' is not valid, same or causal")
            }
            if let groups = config["groups"]?.int, groups != 1 { throw fail(layer, "groups=\(groups) is not supported (only 1)") }
            if let format = config["data_format"]?.string, format != "channels_last" { throw fail(layer, "data_format '\(format)' is not supported (only channels_last)") }
            return try Conv1D(name: name, kernel: required(layer, weights, .kernel), bias: tensor(weights, .bias),
                              strides: intOrFirst(config["strides"]) ?? 1, padding: padding,
                              dilationRate: intOrFirst(config["dilation_rate"]) ?? 1, activation: activation(layer, config["activation"]))
        case "MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D":
            let pool = intOrFirst(config["pool_size"]) ?? 2
            let strides = intOrFirst(config["strides"]) ?? pool
            let same = (config["padding"]?.string ?? "valid") == "same"
            if let format = config["data_format"]?.string, format != "channels_last" { throw fail(layer, "data_format '\(format)' is not supported (only channels_last)") }
            let isMax = layer.className.hasPrefix("Max")
            return Pooling1D(name: name, kind: isMax ? .max : .average, poolSize: pool, strides: strides, padding: same ? .same : .valid)
        case "GlobalMaxPooling1D", "GlobalMaxPool1D", "GlobalAveragePooling1D", "GlobalAvgPool1D":
            let isMax = layer.className.hasPrefix("GlobalMax")
            return GlobalPooling1D(name: name, kind: isMax ? .max : .average, keepdims: config["keepdims"]?.bool ?? false)
        case "BatchNormalization":
            let axis = intOrFirst(config["axis"]) ?? -1
            return try BatchNormalization(name: name, axis: axis, gamma: tensor(weights, .gamma), beta: tensor(weights, .beta),
                                          movingMean: required(layer, weights, .movingMean), movingVariance: required(layer, weights, .movingVariance),
                                          epsilon: Float(config["epsilon"]?.number ?? 1e-3))
        case "LayerNormalization":
            let axes = config["axis"]?.array?.compactMap(\.int) ?? [config["axis"]?.int ?? -1]
            return try LayerNormalization(name: name, axes: axes, gamma: tensor(weights, .gamma), beta: tensor(weights, .beta),
                                          epsilon: Float(config["epsilon"]?.number ?? 1e-3))
        case "NotEqual":
            let constant = arguments.compactMap { argument -> Float? in
                if case .constant(let value) = argument { return Float(value.number ?? 0) }
                return nil
            }.first ?? 0
            return NotEqual(name: name, value: constant)
        case "Any":
            return AnyReduce(name: name, axis: config["axis"]?.int ?? -1, keepdims: config["keepdims"]?.bool ?? false)
        default:
            throw fail(layer, "is not a layer keras-replay can replay (supported: Dense, LSTM, GRU, SimpleRNN, Bidirectional, TimeDistributed, Conv1D, pooling, normalization, merge and shape layers)")
        }
    }

    private func recurrent(_ layer: LayerDescription, className: String, config: JSONValue, weights: [BoundWeight],
                           direction: Direction?, goBackwards: Bool?) throws -> any RecurrentLayer {
        guard var settings = RecurrentSettings(className: className, config: config, version: version) else {
            throw fail(layer, "wraps \(className), which is not LSTM, GRU or SimpleRNN")
        }
        if let goBackwards { settings.goBackwards = goBackwards }
        let kernel = try required(layer, weights, .kernel, direction: direction)
        let recurrentKernel = try required(layer, weights, .recurrentKernel, direction: direction)
        let bias = settings.useBias ? try required(layer, weights, .bias, direction: direction) : nil
        let name = direction.map { "\(layer.name).\($0.rawValue)" } ?? layer.name
        let activation = try self.activation(layer, config["activation"], default: settings.activation)
        switch className {
        case "LSTM":
            return try LSTM(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, activation: activation,
                            recurrentActivation: self.activation(layer, config["recurrent_activation"] ?? config["inner_activation"], default: settings.recurrentActivation ?? "sigmoid"),
                            returnSequences: settings.returnSequences, returnState: settings.returnState,
                            goBackwards: settings.goBackwards, stateful: settings.stateful)
        case "GRU":
            return try GRU(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, activation: activation,
                           recurrentActivation: self.activation(layer, config["recurrent_activation"] ?? config["inner_activation"], default: settings.recurrentActivation ?? "sigmoid"),
                           resetAfter: settings.resetAfter ?? true, returnSequences: settings.returnSequences, returnState: settings.returnState,
                           goBackwards: settings.goBackwards, stateful: settings.stateful)
        default:
            return try SimpleRNN(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias, activation: activation,
                                 returnSequences: settings.returnSequences, returnState: settings.returnState,
                                 goBackwards: settings.goBackwards, stateful: settings.stateful)
        }
    }

    private func intOrFirst(_ value: JSONValue?) -> Int? {
        value?.int ?? value?.array?.first?.int
    }
}
