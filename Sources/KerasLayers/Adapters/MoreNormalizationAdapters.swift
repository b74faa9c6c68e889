import KerasCheckpoint
import ReplayEngine

/// Keras 3 `RMSNormalization(axis, epsilon)`: `scale` shaped like the normalized axes.
/// Engine layer: `RMSNormalization`.
struct RMSNormalizationAdapter: LayerAdapter {
    let classNames = ["RMSNormalization"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { 1 }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        try WeightChecks.roles(entries, [.other("scale")], context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        RMSNormalization(name: context.engineName, axes: try context.config.ints("axis") ?? [-1],
                         scale: try context.tensor(.other("scale")), epsilon: Float(try context.config.number("epsilon", default: 1e-6)))
    }
}

/// Keras `GroupNormalization(groups, axis)`: `gamma` (when `scale`) and `beta` (when `center`)
/// per channel. Engine layer: `GroupNormalization`.
struct GroupNormalizationAdapter: LayerAdapter {
    let classNames = ["GroupNormalization"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool {
        let config = LayerConfig(layer)
        return ((try? config.bool("scale", default: true)) ?? true) || ((try? config.bool("center", default: true)) ?? true)
    }

    func roles(_ layer: LayerDescription, in context: LayerContext) throws -> [WeightRole] {
        let config = context.config(of: layer)
        var roles: [WeightRole] = []
        if try config.bool("scale", default: true) { roles.append(.gamma) }
        if try config.bool("center", default: true) { roles.append(.beta) }
        return roles
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { try roles(layer, in: context).count }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        try WeightChecks.roles(entries, roles(layer, in: context), context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let config = context.config
        var groups = try config.int("groups", in: -1...ShapeArithmetic.maxDimension, default: 32)
        let axis = try config.int("axis", in: -64...64, default: -1)
        if groups == -1, let gamma = try context.tensor(.gamma) ?? context.tensor(.beta) { groups = gamma.count }
        guard groups >= 1 else { throw context.fail("config 'groups' expected a positive integer (or -1 with gamma or beta), found \(groups)") }
        do {
            return try GroupNormalization(name: context.engineName, groups: groups, axis: axis, gamma: context.tensor(.gamma),
                                          beta: context.tensor(.beta), epsilon: Float(config.number("epsilon", default: 1e-3)))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}

/// Keras `UnitNormalization(axis)`: L2 normalization, no weights. Engine layer: `UnitNormalization`.
struct UnitNormalizationAdapter: LayerAdapter {
    let classNames = ["UnitNormalization"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        UnitNormalization(name: context.engineName, axes: try context.config.ints("axis") ?? [-1])
    }
}

/// Keras preprocessing `Normalization`: adapted `mean`, `variance` (and `count`) stored as
/// weights, or given in the config; `invert` in Keras 3. Engine layer: `FeatureNormalization`.
struct FeatureNormalizationAdapter: LayerAdapter {
    let classNames = ["Normalization"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        // Adapted (stored) statistics, unless given in the config.
        layer.config["mean"].map { $0.isNull } ?? true ? 3 : 0
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        guard !entries.isEmpty else { return [] }
        return try WeightChecks.roles(entries, [.movingMean, .movingVariance, .other("count")], context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let config = context.config
        var mean = try context.tensor(.movingMean), variance = try context.tensor(.movingVariance)
        if mean == nil, let given = config.value(["mean"])?.value, let spread = config.value(["variance"])?.value {
            mean = try Self.constant(given, "mean", context)
            variance = try Self.constant(spread, "variance", context)
        }
        guard var mean, var variance else { throw context.fail("expected a mean and variance (weights or config), found none") }
        // Keras reshapes them to the input's rank, 1 on the axes not kept; a flat vector of the
        // kept (last) axis broadcasts the same way.
        let axes = try config.ints("axis") ?? [-1]
        if axes.count > 1 || axes.first.map({ $0 >= 1 }) == true {
            if let rank = try config.int("input_rank") ?? (layer.config["input_shape"]?.array?.count) {
                var shape = [Int](repeating: 1, count: rank - 1)
                let kept = axes.map { $0 < 0 ? $0 + rank : $0 }
                var remaining = mean.shape
                for axis in kept.sorted() where axis >= 1 && !remaining.isEmpty { shape[axis - 1] = remaining.removeFirst() }
                if shape.reduce(1, *) == mean.count { mean = mean.reshaped(shape); variance = variance.reshaped(shape) }
            }
        }
        do {
            return try FeatureNormalization(name: context.engineName, mean: mean, variance: variance,
                                            invert: config.bool("invert", default: false))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }

    /// A number or nested list of numbers from the config, as a tensor.
    static func constant(_ value: JSONValue, _ key: String, _ context: BuildContext) throws -> Tensor {
        if let number = value.number { return Tensor(shape: [1], scalars: [Float(number)]) }
        func flatten(_ value: JSONValue) -> (shape: [Int], scalars: [Float])? {
            if let number = value.number { return ([], [Float(number)]) }
            guard let list = value.array, !list.isEmpty else { return nil }
            let parts = list.compactMap(flatten)
            guard parts.count == list.count, Set(parts.map { $0.shape }).count == 1 else { return nil }
            return ([list.count] + parts[0].shape, parts.flatMap { $0.scalars })
        }
        guard let (shape, scalars) = flatten(value) else { throw context.fail("config '\(key)' expected numbers, found \(value.jsonText.prefix(60))") }
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// Keras `Rescaling(scale, offset)`: `x·scale + offset`. Engine layer: `Rescaling`.
struct RescalingAdapter: LayerAdapter {
    let classNames = ["Rescaling"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let config = context.config
        let scale = try config.value(["scale"]).map { try FeatureNormalizationAdapter.constant($0.value, "scale", context) } ?? Tensor(shape: [1], scalars: [1])
        let offset = try config.value(["offset"]).map { try FeatureNormalizationAdapter.constant($0.value, "offset", context) } ?? Tensor(shape: [1], scalars: [0])
        return Rescaling(name: context.engineName, scale: scale.rank == 1 && scale.count == 1 ? scale.reshaped([]) : scale,
                         offset: offset.rank == 1 && offset.count == 1 ? offset.reshaped([]) : offset)
    }
}
