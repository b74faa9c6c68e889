import KerasCheckpoint
import ReplayEngine

/// Keras `Embedding`: ids `(batch, ...)` → `(batch, ..., output_dim)` rows of `embeddings
/// (input_dim, output_dim)`; with `mask_zero` id 0 masks its step. Engine layer: `Embedding`.
struct EmbeddingAdapter: LayerAdapter {
    let classNames = ["Embedding"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first else { return nil }
        let dimension = try context.config(of: layer).int("output_dim", in: 1...RecurrentSettings.maxUnits)
        return [input + [dimension]]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { 1 }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let config = context.config(of: layer)
        var bound = try WeightChecks.roles(entries, [.embeddings], context)
        try WeightChecks.shape("embeddings", bound[0].shape, [try config.int("input_dim"), try config.int("output_dim")], context)
        if bound[0].shape.count == 2 { bound[0].meaning = "\(bound[0].shape[0]) tokens x \(bound[0].shape[1]) dimensions" }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        do {
            return try Embedding(name: context.engineName, embeddings: context.required(.embeddings),
                                 maskZero: context.config.bool("mask_zero", default: false))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}
