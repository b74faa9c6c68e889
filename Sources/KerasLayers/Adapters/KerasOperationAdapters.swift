import KerasCheckpoint
import ReplayEngine

/// Keras 3 `NotEqual(x, value)`, the operation node a functional model writes for
/// `Masking`/`mask_zero` masks: 1 where `x != value`, else 0. Engine layer: `NotEqual`.
struct NotEqualAdapter: LayerAdapter {
    let classNames = ["ops.NotEqual"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let constant = context.constantArguments.first.flatMap(\.number) ?? 0
        return NotEqual(name: context.engineName, value: Float(constant))
    }
}

/// Keras 3 `Any(x, axis, keepdims)` operation node: true where any value along `axis` is
/// nonzero. Engine layer: `AnyReduce`.
struct AnyAdapter: LayerAdapter {
    let classNames = ["ops.Any"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let config = context.config(of: layer)
        guard let input = inputs.first, let axis = try config.int("axis") else { return nil }
        let resolved = axis < 0 ? input.count + axis : axis
        guard resolved >= 0, resolved < input.count else { return nil }
        var output = input
        if try config.bool("keepdims", default: false) { output[resolved] = 1 } else { output.remove(at: resolved) }
        return [output]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        AnyReduce(name: context.engineName, axis: try context.config.int("axis") ?? -1,
                  keepdims: try context.config.bool("keepdims", default: false))
    }
}
