import KerasCheckpoint
import ReplayEngine

/// Keras `TimeDistributed`: its inner layer applied to every timestep, `(batch, time, ...)` →
/// `(batch, time, ...)`; the weights are the inner layer's. Engine layer: `TimeDistributed`.
struct TimeDistributedAdapter: LayerAdapter {
    let classNames = ["TimeDistributed"]

    func inner(_ layer: LayerDescription, in context: LayerContext) throws -> LayerDescription {
        guard let inner = layer.wrappedLayer else { throw context.fail("config has no wrapped layer") }
        return inner
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let inner = try inner(layer, in: context)
        guard let input = inputs.first, input.count >= 2 else { return nil }
        let batch = input[0]
        let step: TensorShape = [batch] + Array(input.dropFirst(2))
        guard let shapes = try context.reading(for: inner).outputShapes(of: inner, inputs: [step], in: context) else { return nil }
        return shapes.map { [batch, input[1]] + Array($0.dropFirst()) }
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool {
        guard let inner = layer.wrappedLayer, let reading = context.catalog.reading(inner.className) else { return false }
        return reading.storesWeights(inner, in: context)
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        let inner = try inner(layer, in: context)
        return try context.reading(for: inner).weightCount(of: inner, in: context)
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        guard let inner = layer.wrappedLayer, let reading = context.catalog.reading(inner.className) else {
            return LayerDetails(settings: ConfigSettings.shown(layer.config))
        }
        var details = reading.details(of: inner, in: context)
        details.settings["layer"] = .string(inner.className)
        return details
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let inner = try inner(layer, in: context)
        let stepShapes = inputShapes?.map { [$0.first ?? nil] + Array($0.dropFirst(2)) }
        return try context.reading(for: inner).bindWeights(entries, of: inner, inputShapes: stepShapes, in: context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let inner = try inner(layer, in: context.reading)
        return TimeDistributed(name: context.engineName, inner: try context.build(inner: inner))
    }
}
