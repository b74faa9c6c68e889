import KerasCheckpoint
import ReplayEngine

/// A `Sequential` or `Functional` model (Keras 1/2 `Model`) used as a layer of another model.
/// Its stored arrays are its layers' arrays, one after another in its layer order; each is
/// bound by that layer's own adapter and marked with the layer's name (`sublayer`). Calling it
/// twice shares its weights, as in Keras. Engine layer: `SubModel` around its own graph.
struct NestedModelAdapter: LayerAdapter {
    let classNames = ["Sequential", "Functional", "Model"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let model = try layer.nestedModel()
        let shapes = try ShapeInference.outputShapes(of: model, version: context.version, catalog: context.catalog)
        let outputs = model.outputs.map { shapes[$0.layer]?[safe: $0.tensor] }
        guard outputs.allSatisfy({ $0 != nil }) else { return nil }
        let batch = inputs.first?.first ?? nil
        return outputs.map { [batch] + $0!.dropFirst() }
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool {
        guard let model = try? layer.nestedModel() else { return false }
        return model.layers.contains { inner in context.catalog.reading(inner.className)?.storesWeights(inner, in: context) == true }
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        var total = 0
        for inner in try layer.nestedModel().layers where inner.className != "InputLayer" {
            guard let count = try context.catalog.reading(inner.className)?.weightCount(of: inner, in: context) else { return nil }
            total += count
        }
        return total
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        guard let model = try? layer.nestedModel() else { return LayerDetails() }
        let inner = model.layers.filter { $0.className != "InputLayer" }
        return LayerDetails(settings: ["layers": .string(inner.map { "\($0.name) (\($0.className))" }.joined(separator: ", "))])
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let model = try layer.nestedModel()
        let shapes = try ShapeInference.outputShapes(of: model, version: context.version, catalog: context.catalog)
        var bound: [BoundWeight] = []
        var next = 0
        for inner in model.layers where inner.className != "InputLayer" {
            let reading = context.catalog.reading(inner.className)
            guard let count = try reading?.weightCount(of: inner, in: context) else {
                throw context.fail("nested layer '\(inner.name)' (\(inner.className)): cannot tell how many of the \(entries.count) stored arrays are its own")
            }
            guard next + count <= entries.count else {
                throw context.fail("expected at least \(next + count) weight arrays for its layers up to '\(inner.name)', found \(entries.count)")
            }
            let own = Array(entries[next..<(next + count)])
            next += count
            guard let reading, count > 0 else { continue }
            let innerInputs = inner.inboundNodes.first.map { node in node.tensorArguments.compactMap { shapes[$0.layer]?[safe: $0.tensor] } }
            let innerContext = LayerContext(version: context.version, catalog: context.catalog, layer: inner)
            for var weight in try reading.bindWeights(own, of: inner, inputShapes: innerInputs, in: innerContext) {
                weight.sublayer = weight.sublayer.map { "\(inner.name)/\($0)" } ?? inner.name
                bound.append(weight)
            }
        }
        guard next == entries.count else {
            throw context.fail("expected \(next) weight arrays for its layers, found \(entries.count)")
        }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let model = try layer.nestedModel()
        let shapes = try ShapeInference.outputShapes(of: model, version: context.version, catalog: context.catalog)
        let assembler = ModelAssembler(model: model, version: context.version, catalog: context.catalog, shapes: shapes) { inner in
            context.weights.child(inner.name)
        }
        do {
            return SubModel(name: context.engineName, graph: try assembler.assemble().graph)
        } catch let error as ModelError {
            throw context.fail("nested model: \(error.description)")
        } catch let error as LayerError {
            throw context.fail("nested \(error.description)")
        }
    }
}
