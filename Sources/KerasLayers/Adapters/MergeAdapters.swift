import KerasCheckpoint
import ReplayEngine

/// Keras merge layers `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum` (elementwise,
/// broadcasting size-1 axes) and `Concatenate(axis)`. Engine layer: `Merge`.
struct MergeAdapter: LayerAdapter {
    static let operations: [String: Merge.Operation] = [
        "Add": .add, "Subtract": .subtract, "Multiply": .multiply, "Average": .average, "Maximum": .maximum, "Minimum": .minimum,
    ]
    let classNames = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first else { return nil }
        guard layer.className == "Concatenate" else { return [input] }
        let axis = try context.config(of: layer).int("axis") ?? -1
        let rank = input.count
        let resolved = axis < 0 ? rank + axis : axis
        guard resolved >= 0, resolved < rank, inputs.allSatisfy({ $0.count == rank }) else { return nil }
        var output = input
        output[resolved] = inputs.reduce(0) { total, shape in
            guard let total, let dimension = shape[resolved] else { return nil }
            return total + dimension
        }
        return [output]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        if layer.className == "Concatenate" {
            return Merge(name: context.engineName, operation: .concatenate(axis: try context.config.int("axis") ?? -1))
        }
        return Merge(name: context.engineName, operation: Self.operations[layer.className]!)
    }
}
