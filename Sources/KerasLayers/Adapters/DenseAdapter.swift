import KerasCheckpoint
import ReplayEngine

/// Keras `Dense` on the last axis of any rank: `kernel (input_dim, units)`, `bias (units)`
/// (Keras 1: `output_dim`, `bias`). Engine layer: `Dense`.
struct DenseAdapter: LayerAdapter {
    let classNames = ["Dense"]

    func units(_ layer: LayerDescription, in context: LayerContext) throws -> Int {
        try context.config(of: layer).int("units", "output_dim", in: 1...RecurrentSettings.maxUnits)
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        // Read (and so type-check) every option inspect shows, not only the ones a shape needs.
        _ = try context.config(of: layer).activationName(["activation"])
        guard let input = inputs.first, !input.isEmpty else { return nil }
        return [Array(input.dropLast()) + [try units(layer, in: context)]]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        try context.config(of: layer).bool("use_bias", "bias", default: true) ? 2 : 1
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let units = try units(layer, in: context)
        let useBias = try context.config(of: layer).bool("use_bias", "bias", default: true)
        var bound = try WeightChecks.roles(entries, useBias ? [.kernel, .bias] : [.kernel], context)
        try WeightChecks.shape("kernel", bound[0].shape, [inputShapes?.first?.last ?? nil, units], context)
        bound[0].meaning = "\(bound[0].shape[0]) inputs x \(units) units"
        if useBias { try WeightChecks.shape("bias", bound[1].shape, [units], context) }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        do {
            return try Dense(name: context.engineName, kernel: context.required(.kernel), bias: context.tensor(.bias),
                             activation: context.activation("activation"))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}
