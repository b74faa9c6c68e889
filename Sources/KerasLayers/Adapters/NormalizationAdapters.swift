import KerasCheckpoint
import ReplayEngine

/// Keras `BatchNormalization` at inference: `gamma` (when `scale`), `beta` (when `center`),
/// `moving_mean`, `moving_variance`, per channel of `axis`. Engine layer: `BatchNormalization`.
struct BatchNormalizationAdapter: LayerAdapter {
    let classNames = ["BatchNormalization"]

    func roles(_ layer: LayerDescription, in context: LayerContext) throws -> [WeightRole] {
        let config = context.config(of: layer)
        var roles: [WeightRole] = []
        if try config.bool("scale", default: true) { roles.append(.gamma) }
        if try config.bool("center", default: true) { roles.append(.beta) }
        return roles + [.movingMean, .movingVariance]
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { try roles(layer, in: context).count }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        try WeightChecks.roles(entries, roles(layer, in: context), context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let axis = try context.config.firstInt("axis", in: -64...64) ?? -1
        do {
            return try BatchNormalization(name: context.engineName, axis: axis, gamma: context.tensor(.gamma), beta: context.tensor(.beta),
                                          movingMean: context.required(.movingMean), movingVariance: context.required(.movingVariance),
                                          epsilon: Float(context.config.number("epsilon", default: 1e-3)))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}

/// Keras `LayerNormalization` over `axis` (one axis or a list): `gamma` (when `scale`) and
/// `beta` (when `center`) shaped like the normalized axes. Engine layer: `LayerNormalization`.
struct LayerNormalizationAdapter: LayerAdapter {
    let classNames = ["LayerNormalization"]

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
        // Keras 3 with rms_scaling makes no beta.
        if try config.bool("center", default: true), !(try config.bool("rms_scaling", default: false)) { roles.append(.beta) }
        return roles
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { try roles(layer, in: context).count }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        try WeightChecks.roles(entries, roles(layer, in: context), context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let axes = try context.config.ints("axis") ?? [-1]
        do {
            return try LayerNormalization(name: context.engineName, axes: axes, gamma: context.tensor(.gamma), beta: context.tensor(.beta),
                                          epsilon: Float(context.config.number("epsilon", default: 1e-3)),
                                          rmsScaling: context.config.bool("rms_scaling", default: false))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}
