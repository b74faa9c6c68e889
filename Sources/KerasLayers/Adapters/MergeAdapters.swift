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
        guard layer.className == "Concatenate" else {
            // Lower ranks are expanded at axis 1, then size-1 axes broadcast.
            let rank = inputs.map(\.count).max() ?? 0
            var output = TensorShape(repeating: 1, count: rank)
            for shape in inputs {
                let expanded = shape.count < rank && !shape.isEmpty
                    ? [shape[0]] + TensorShape(repeating: 1, count: rank - shape.count) + shape.dropFirst() : shape
                for axis in 0..<rank {
                    switch (output[axis], expanded[axis]) {
                    case (1?, let other): output[axis] = other
                    case (_, 1?): break
                    case (nil, let other): output[axis] = other
                    default: break
                    }
                }
            }
            output[0] = input[0]
            return [output]
        }
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

/// Keras 1's `Merge` layer (`merge([a, b], mode=...)`): `sum`, `mul`, `ave`, `max`,
/// `concat` (`concat_axis`), `dot` and `cos` (`dot_axes`). A mode given as Python code (a
/// lambda) is refused. Engine layers: `Merge`, `DotProduct`, `Keras1CosineMerge`.
struct Keras1MergeAdapter: LayerAdapter {
    let classNames = ["Merge"]

    func mode(_ layer: LayerDescription, in context: LayerContext) throws -> String {
        let config = context.config(of: layer)
        if try config.string("mode_type") == "lambda" || config.string("mode_type") == "function" {
            throw context.fail("merges with a Python function (mode_type '\(try config.string("mode_type") ?? "")'); keras-replay never runs code from a file")
        }
        return try config.choice("mode", among: ["sum", "mul", "ave", "max", "concat", "dot", "cos"], default: "sum")
    }

    func dotAxes(_ layer: LayerDescription, inputs: [TensorShape]?, in context: LayerContext) throws -> (Int, Int) {
        let axes = try context.config(of: layer).ints("dot_axes") ?? [-1]
        if axes.count == 2 { return (axes[0], axes[1]) }
        return (axes[0], axes[0])
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let first = inputs.first else { return nil }
        switch try mode(layer, in: context) {
        case "concat":
            let axis = try context.config(of: layer).int("concat_axis") ?? -1
            let resolved = axis < 0 ? axis + first.count : axis
            guard resolved >= 0, resolved < first.count else { return nil }
            var output = first
            output[resolved] = inputs.reduce(0) { total, shape in
                guard let total, let dimension = shape[safe: resolved] ?? nil else { return nil }
                return total + dimension
            }
            return [output]
        case "dot", "cos":
            guard inputs.count == 2 else { return nil }
            let (a, b) = try dotAxes(layer, inputs: inputs, in: context)
            let x = inputs[0], y = inputs[1]
            let ax = a < 0 ? a + x.count : a, ay = b < 0 ? b + y.count : b
            var output = x.enumerated().filter { $0.offset != ax }.map(\.element)
            output += y.enumerated().filter { $0.offset != ay && $0.offset != 0 }.map(\.element)
            if output.count == 1 { output.append(1) }
            if try mode(layer, in: context) == "cos" { output.insert(1, at: 1) }
            return [output]
        default:
            return [first]
        }
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let name = context.engineName
        switch try mode(layer, in: context.reading) {
        case "sum": return Merge(name: name, operation: .add)
        case "mul": return Merge(name: name, operation: .multiply)
        case "ave": return Merge(name: name, operation: .average)
        case "max": return Merge(name: name, operation: .maximum)
        case "concat": return Merge(name: name, operation: .concatenate(axis: try context.config.int("concat_axis") ?? -1))
        case "dot": return DotProduct(name: name, axes: try dotAxes(layer, inputs: nil, in: context.reading))
        default: return Keras1CosineMerge(name: name, axes: try dotAxes(layer, inputs: nil, in: context.reading))
        }
    }
}
