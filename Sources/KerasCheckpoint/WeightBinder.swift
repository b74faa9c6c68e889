/// Gives every dataset of a layer its role, its Keras 2/3 shape and its gate blocks, by the
/// order of `weight_names` (paths vary too much between generations to be guessed), and checks
/// the shapes against what the layer's config implies.
enum WeightBinder {
    struct Failure: Error { var message: String }

    /// - Parameters:
    ///   - className: the layer class from the config, or nil when there is no architecture.
    ///   - inputShape: the layer's input shape when shape inference knows it (checks kernel rows).
    static func bind(layerName: String, className: String?, config: JSONValue?, entries: [WeightEntry],
                     inputShape: [Int?]?, version: KerasVersion?) throws -> [BoundWeight] {
        guard let className, let config else {
            return entries.map { single($0, role: roleFromName($0.storedName)) }
        }
        let context = "layer '\(layerName)' (\(className))"
        switch className {
        case "Bidirectional":
            guard entries.count % 2 == 0, let inner = config["layer"], let innerClass = inner["class_name"]?.string else {
                throw Failure(message: "\(context): expected an even number of weights (forward then backward), found \(entries.count)")
            }
            let half = entries.count / 2
            let innerConfig = inner["config"] ?? .object([:])
            let backwardConfig = config["backward_layer"]?["config"] ?? innerConfig
            var bound = try bindRecurrent(context: context, className: innerClass, config: innerConfig, entries: Array(entries[..<half]), inputShape: inputShape)
            bound = bound.map { var weight = $0; weight.direction = .forward; return weight }
            let backward = try bindRecurrent(context: context, className: innerClass, config: backwardConfig, entries: Array(entries[half...]), inputShape: inputShape)
            return bound + backward.map { var weight = $0; weight.direction = .backward; return weight }
        case "TimeDistributed":
            guard let inner = config["layer"], let innerClass = inner["class_name"]?.string else {
                throw Failure(message: "\(context): config has no wrapped layer")
            }
            let innerInput = inputShape.map { [$0.first ?? nil] + Array($0.dropFirst(2)) }
            return try bind(layerName: layerName, className: innerClass, config: inner["config"], entries: entries, inputShape: innerInput, version: version)
        case "LSTM", "GRU", "SimpleRNN":
            return try bindRecurrent(context: context, className: className, config: config, entries: entries, inputShape: inputShape)
        case "Dense":
            let units = ShapeInference.units(config)
            let useBias = config["use_bias"]?.bool ?? config["bias"]?.bool ?? true
            try expectCount(context, entries, useBias ? [2] : [1])
            var bound = [single(entries[0], role: .kernel)]
            try expectShape(context, "kernel", bound[0].shape, [inputShape?.last ?? nil, units])
            if useBias {
                bound.append(single(entries[1], role: .bias))
                try expectShape(context, "bias", bound[1].shape, [units])
            }
            return bound
        case "Embedding":
            try expectCount(context, entries, [1])
            let weight = single(entries[0], role: .embeddings)
            try expectShape(context, "embeddings", weight.shape, [config["input_dim"]?.int, config["output_dim"]?.int])
            return [weight]
        case "Conv1D", "Convolution1D":
            let useBias = config["use_bias"]?.bool ?? config["bias"]?.bool ?? true
            try expectCount(context, entries, useBias ? [2] : [1])
            let filters = config["filters"]?.int ?? config["nb_filter"]?.int
            var bound = [single(entries[0], role: .kernel)]
            if bound[0].shape.count == 3 {
                try expectShape(context, "kernel", bound[0].shape, [nil, inputShape?.last ?? nil, filters])
            }
            if useBias {
                bound.append(single(entries[1], role: .bias))
                try expectShape(context, "bias", bound[1].shape, [filters])
            }
            return bound
        case "BatchNormalization":
            var roles: [WeightRole] = []
            if config["scale"]?.bool ?? true { roles.append(.gamma) }
            if config["center"]?.bool ?? true { roles.append(.beta) }
            roles += [.movingMean, .movingVariance]
            try expectCount(context, entries, [roles.count])
            return zip(entries, roles).map { single($0, role: $1) }
        case "LayerNormalization":
            var roles: [WeightRole] = []
            if config["scale"]?.bool ?? true { roles.append(.gamma) }
            if config["center"]?.bool ?? true { roles.append(.beta) }
            try expectCount(context, entries, [roles.count])
            return zip(entries, roles).map { single($0, role: $1) }
        default:
            return entries.map { single($0, role: roleFromName($0.storedName)) }
        }
    }

    static func bindRecurrent(context: String, className: String, config: JSONValue, entries: [WeightEntry], inputShape: [Int?]?) throws -> [BoundWeight] {
        guard let units = ShapeInference.units(config) else {
            throw Failure(message: "\(context): config gives no usable units (expected a positive integer up to \(ShapeInference.maxUnits))")
        }
        let gateOrder: [Gate]
        switch className {
        case "LSTM": gateOrder = Gate.lstmOrder
        case "GRU": gateOrder = Gate.gruOrder
        case "SimpleRNN": gateOrder = []
        default: throw Failure(message: "\(context): wraps \(className), which is not a recurrent layer this tool knows")
        }
        let blocks = max(gateOrder.count, 1)
        let gates = gateOrder.enumerated().map { GateBlock(gate: $0.element, columns: ($0.offset * units)..<(($0.offset + 1) * units)) }
        let inputDim = inputShape?.last ?? nil

        // Keras 1 (consume_less='cpu'): one array per gate and matrix, W_x U_x b_x per gate.
        let perGateCount = blocks * 3
        if gateOrder.count > 1, entries.count == perGateCount || entries.count == blocks * 2 {
            let stride = entries.count / blocks
            // Stored gate order: LSTM i, c, f, o; GRU z, r, h. Keras 2 order: LSTM i, f, c, o.
            let storedOrder: [Gate] = className == "LSTM" ? [.inputGate, .cellCandidate, .forgetGate, .outputGate] : Gate.gruOrder
            func pieces(_ offset: Int) -> [WeightEntry] {
                gateOrder.map { gate in entries[storedOrder.firstIndex(of: gate)! * stride + offset] }
            }
            var bound: [BoundWeight] = []
            for (offset, role) in [WeightRole.kernel, .recurrentKernel, .bias].prefix(stride).enumerated() {
                let sources = pieces(offset)
                let first = sources[0].shape
                guard sources.allSatisfy({ $0.shape == first }), let last = first.last else {
                    throw Failure(message: "\(context): Keras 1 per-gate \(role) arrays have different shapes \(sources.map(\.shape))")
                }
                bound.append(BoundWeight(role: role, direction: nil, shape: Array(first.dropLast()) + [last * blocks],
                                         elementType: sources[0].elementType, sources: sources, assembly: .concatenateLastAxis, gates: gates))
            }
            try checkRecurrentShapes(context, bound, units: units, blocks: blocks, inputDim: inputDim, className: className, config: config)
            return bound
        }

        let useBias = config["use_bias"]?.bool ?? config["bias"]?.bool ?? true
        try expectCount(context, entries, useBias ? [3] : [2])
        var bound = [
            BoundWeight(role: .kernel, direction: nil, shape: entries[0].shape, elementType: entries[0].elementType, sources: [entries[0]], assembly: .single, gates: gates),
            BoundWeight(role: .recurrentKernel, direction: nil, shape: entries[1].shape, elementType: entries[1].elementType, sources: [entries[1]], assembly: .single, gates: gates),
        ]
        if useBias {
            bound.append(BoundWeight(role: .bias, direction: nil, shape: entries[2].shape, elementType: entries[2].elementType, sources: [entries[2]], assembly: .single, gates: gates))
        }
        try checkRecurrentShapes(context, bound, units: units, blocks: blocks, inputDim: inputDim, className: className, config: config)
        return bound
    }

    private static func checkRecurrentShapes(_ context: String, _ bound: [BoundWeight], units: Int, blocks: Int, inputDim: Int?, className: String, config: JSONValue) throws {
        let width = units * blocks
        let explain = blocks > 1 ? " from units=\(units) x \(blocks) gates" : " from units=\(units)"
        for weight in bound {
            switch weight.role {
            case .kernel: try expectShape(context, "kernel", weight.shape, [inputDim, width], explain)
            case .recurrentKernel: try expectShape(context, "recurrent_kernel", weight.shape, [units, width], explain)
            case .bias:
                if className == "GRU", weight.shape.count == 2 {
                    try expectShape(context, "bias", weight.shape, [2, width], explain + " (reset_after)")
                } else {
                    try expectShape(context, "bias", weight.shape, [width], explain)
                }
            default: break
            }
        }
    }

    static func single(_ entry: WeightEntry, role: WeightRole) -> BoundWeight {
        BoundWeight(role: role, direction: nil, shape: entry.shape, elementType: entry.elementType, sources: [entry], assembly: .single, gates: [])
    }

    /// `lstm_1/kernel:0` → kernel; `dense_1_W` → kernel (Keras 1).
    static func roleFromName(_ storedName: String) -> WeightRole {
        var tail = String(storedName.split(separator: "/").last ?? Substring(storedName))
        if let colon = tail.lastIndex(of: ":") { tail = String(tail[..<colon]) }
        switch tail {
        case "kernel", "W": return .kernel
        case "recurrent_kernel", "U": return .recurrentKernel
        case "bias", "b": return .bias
        case "embeddings": return .embeddings
        case "gamma": return .gamma
        case "beta": return .beta
        case "moving_mean": return .movingMean
        case "moving_variance": return .movingVariance
        default:
            if tail.hasSuffix("_W") { return .kernel }
            if tail.hasSuffix("_U") { return .recurrentKernel }
            if tail.hasSuffix("_b") { return .bias }
            return .other(tail)
        }
    }

    private static func expectCount(_ context: String, _ entries: [WeightEntry], _ counts: [Int]) throws {
        guard counts.contains(entries.count) else {
            let expected = counts.map(String.init).joined(separator: " or ")
            throw Failure(message: "\(context): expected \(expected) weight arrays, found \(entries.count)")
        }
    }

    /// `expected` entries that are nil are not checked.
    private static func expectShape(_ context: String, _ what: String, _ found: [Int], _ expected: [Int?], _ explain: String = "") throws {
        let matches = found.count == expected.count && zip(found, expected).allSatisfy { $1 == nil || $0 == $1 }
        guard matches else {
            let text = "(" + expected.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + (expected.count == 1 ? ",)" : ")")
            throw Failure(message: "\(context): \(what) expected shape \(text)\(explain), found \(formatShape(found))")
        }
    }
}

/// `(100, 80)`, `(80,)`, `()`: shapes as NumPy prints them.
public func formatShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// Shapes with unknown dimensions: `(None, 45, 100)`.
public func formatShape(_ shape: [Int?]) -> String {
    let parts = shape.map { $0.map(String.init) ?? "None" }
    return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
}
