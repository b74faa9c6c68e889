/// Output shapes computed from configs alone (no weight data), as Keras reports them:
/// `nil` for the batch dimension unless the model fixes it.
public enum ShapeInference {
    public typealias Shape = [Int?]

    /// Output shapes of every layer of `model` (a list per layer: several for `return_state`
    /// or `merge_mode=None`). Layers whose shape cannot be worked out are left out.
    public static func outputShapes(of model: ModelDescription) -> [String: [Shape]] {
        var shapes: [String: [Shape]] = [:]
        for layer in model.layers {
            let inputs: [Shape]? = layer.className == "InputLayer" ? [] : layer.inboundNodes.first.flatMap { node in
                let tensors = node.tensorArguments
                let resolved = tensors.compactMap { reference in shapes[reference.layer]?[safe: reference.tensor] }
                return resolved.count == tensors.count ? resolved : nil
            }
            guard let inputs, let outputs = outputShapes(of: layer, inputs: inputs) else { continue }
            shapes[layer.name] = outputs
        }
        return shapes
    }

    /// Units of a Dense or recurrent layer: `units` (Keras 2/3) or `output_dim` (Keras 1).
    /// A layer's units: a positive integer no larger than `maxUnits`, or nil.
    public static func units(_ config: JSONValue) -> Int? {
        guard let units = config["units"]?.int ?? config["output_dim"]?.int, units > 0, units <= maxUnits else { return nil }
        return units
    }

    /// More units than this is not a model anyone replays on a CPU; it is a hostile config.
    public static let maxUnits = 1 << 24

    /// The input shape an InputLayer (or a Keras 1/2 first layer) declares, batch included.
    public static func declaredInputShape(_ config: JSONValue) -> Shape? {
        if let shape = config["batch_input_shape"]?.shape ?? config["batch_shape"]?.shape { return shape }
        if let shape = config["shape"]?.shape { return [nil] + shape }
        return nil
    }

    public static func outputShapes(of layer: LayerDescription, inputs: [Shape]) -> [Shape]? {
        let config = layer.config
        if layer.className == "InputLayer" {
            return declaredInputShape(config).map { [$0] }
        }
        guard let input = inputs.first else { return nil }
        let batch = input.first ?? nil
        switch layer.className {
        case "Dense":
            guard let units = units(config) else { return nil }
            return [Array(input.dropLast()) + [units]]
        case "LSTM", "GRU", "SimpleRNN":
            return recurrentShapes(className: layer.className, config: config, input: input)
        case "Bidirectional":
            guard let inner = layer.wrappedLayer, let innerShapes = recurrentShapes(className: inner.className, config: inner.config, input: input) else { return nil }
            let output = innerShapes[0]
            let states = Array(innerShapes.dropFirst())
            let mergeMode = config["merge_mode"]?.string
            var outputs: [Shape]
            if mergeMode == nil {
                outputs = [output, output]
            } else if mergeMode == "concat" {
                outputs = [Array(output.dropLast()) + [output.last!.map { $0 * 2 }]]
            } else {
                outputs = [output]
            }
            return outputs + states + states
        case "RepeatVector":
            guard let count = config["n"]?.int, input.count == 2 else { return nil }
            return [[batch, count, input[1]]]
        case "TimeDistributed":
            guard let inner = layer.wrappedLayer, input.count >= 2,
                  let innerShapes = outputShapes(of: inner, inputs: [[batch] + Array(input.dropFirst(2))]) else { return nil }
            return innerShapes.map { [batch, input[1]] + Array($0.dropFirst()) }
        case "Embedding":
            guard let dim = config["output_dim"]?.int else { return nil }
            return [input + [dim]]
        case "Flatten":
            let rest = input.dropFirst()
            let product = rest.allSatisfy { $0 != nil } ? rest.reduce(1) { $0 * $1! } : nil
            return [[batch, product]]
        case "Reshape":
            guard let target = config["target_shape"]?.shape else { return nil }
            let known = input.dropFirst().allSatisfy { $0 != nil } ? input.dropFirst().reduce(1) { $0 * $1! } : nil
            var resolved = target
            if let unknownIndex = target.firstIndex(where: { $0 == -1 || $0 == nil }), let known {
                let rest = target.enumerated().filter { $0.offset != unknownIndex }.reduce(1) { $0 * ($1.element ?? 1) }
                resolved[unknownIndex] = rest > 0 ? known / rest : nil
            }
            return [[batch] + resolved]
        case "Permute":
            guard let dims = config["dims"]?.array?.compactMap(\.int), dims.count == input.count - 1,
                  dims.allSatisfy({ $0 >= 1 && $0 < input.count }) else { return nil }
            return [[batch] + dims.map { input[$0] }]
        case "Concatenate":
            let axis = config["axis"]?.int ?? -1
            let rank = input.count
            let resolved = axis < 0 ? rank + axis : axis
            guard resolved >= 0, resolved < rank, inputs.allSatisfy({ $0.count == rank }) else { return nil }
            var output = input
            output[resolved] = inputs.reduce(0) { total, shape in
                guard let total, let dim = shape[resolved] else { return nil }
                return total + dim
            }
            return [output]
        case "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum":
            return [input]
        case "Conv1D", "Convolution1D":
            guard input.count == 3, let filters = config["filters"]?.int ?? config["nb_filter"]?.int,
                  let size = intOrFirst(config["kernel_size"]) ?? config["filter_length"]?.int else { return nil }
            let stride = intOrFirst(config["strides"]) ?? config["subsample_length"]?.int ?? 1
            let dilation = intOrFirst(config["dilation_rate"]) ?? 1
            let padding = config["padding"]?.string ?? config["border_mode"]?.string ?? "valid"
            let length = input[1].map { length -> Int in
                if padding == "valid" { return max(0, (length - dilation * (size - 1) - 1) / stride + 1) }
                return (length + stride - 1) / stride
            }
            return [[batch, length, filters]]
        case "MaxPooling1D", "AveragePooling1D", "MaxPool1D", "AvgPool1D":
            guard input.count == 3, let pool = intOrFirst(config["pool_size"]) ?? config["pool_length"]?.int else { return nil }
            let stride = intOrFirst(config["strides"]) ?? intOrFirst(config["stride"]) ?? pool
            let padding = config["padding"]?.string ?? config["border_mode"]?.string ?? "valid"
            let length = input[1].map { length -> Int in
                if padding == "valid" { return max(0, (length - pool) / stride + 1) }
                return (length + stride - 1) / stride
            }
            return [[batch, length, input[2]]]
        case "GlobalMaxPooling1D", "GlobalAveragePooling1D", "GlobalMaxPool1D", "GlobalAvgPool1D":
            guard input.count == 3 else { return nil }
            return config["keepdims"]?.bool == true ? [[batch, 1, input[2]]] : [[batch, input[2]]]
        case "Any", "All":
            guard let axis = config["axis"]?.int else { return nil }
            let resolved = axis < 0 ? input.count + axis : axis
            guard resolved >= 0, resolved < input.count else { return nil }
            var output = input
            if config["keepdims"]?.bool == true { output[resolved] = 1 } else { output.remove(at: resolved) }
            return [output]
        case "Masking", "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
             "Activation", "BatchNormalization", "LayerNormalization", "ActivityRegularization", "NotEqual",
             "LeakyReLU", "ReLU", "ELU", "Softmax", "PReLU":
            return [input]
        default:
            return nil
        }
    }

    static func recurrentShapes(className: String, config: JSONValue, input: Shape) -> [Shape]? {
        guard let units = units(config), input.count == 3 else { return nil }
        let batch = input[0]
        let output: Shape = (config["return_sequences"]?.bool ?? false) ? [batch, input[1], units] : [batch, units]
        guard config["return_state"]?.bool == true else { return [output] }
        let stateCount = className == "LSTM" ? 2 : 1
        return [output] + Array(repeating: [batch, units], count: stateCount)
    }

    private static func intOrFirst(_ value: JSONValue?) -> Int? {
        value?.int ?? value?.array?.first?.int
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
