import KerasCheckpoint
import ReplayEngine

/// Keras `EinsumDense(equation, output_shape, bias_axes, activation)`: `kernel` shaped by the
/// equation's second operand, `bias` (when `bias_axes`) shaped like the output's trailing axes
/// from the first bias axis. Engine layer: `EinsumDense`.
struct EinsumDenseAdapter: LayerAdapter {
    let classNames = ["EinsumDense"]

    func equation(_ layer: LayerDescription, in context: LayerContext) throws -> Einsum {
        guard let text = try context.config(of: layer).string("equation") else { throw context.fail("config has no 'equation'") }
        do { return try Einsum(text) } catch let error as EinsumError { throw context.fail(error.description) }
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let einsum = try equation(layer, in: context)
        guard let input = inputs.first, let batch = input.first else { return nil }
        let partial = try context.config(of: layer).shape("output_shape") ?? []
        let ellipsis = einsum.leftEllipsis ? input.count - einsum.left.count : 0
        // Output letters from the input keep its sizes; the others come from output_shape, which
        // lists the output's trailing sizes (without the batch).
        var shape: TensorShape = Array(input.prefix(ellipsis))
        for (index, letter) in einsum.output.enumerated() {
            if let position = einsum.left.firstIndex(of: letter) {
                shape.append(input[ellipsis + position])
            } else {
                let fromEnd = einsum.output.count - index
                shape.append(fromEnd <= partial.count ? partial[partial.count - fromEnd] : nil)
            }
        }
        if shape.isEmpty { return [[batch]] }
        return [shape]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        try context.config(of: layer).string("bias_axes").map { $0.isEmpty ? 1 : 2 } ?? 1
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let einsum = try equation(layer, in: context)
        let hasBias = try context.config(of: layer).string("bias_axes").map { !$0.isEmpty } ?? false
        var bound = try WeightChecks.roles(entries, hasBias ? [.kernel, .bias] : [.kernel], context)
        guard bound[0].shape.count == einsum.right.count else {
            throw context.fail("kernel expected rank \(einsum.right.count) from '\(String(einsum.left)),\(String(einsum.right))', found \(formatShape(bound[0].shape))")
        }
        bound[0].meaning = zip(einsum.right, bound[0].shape).map { "\($0)=\($1)" }.joined(separator: " x ")
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        guard let equation = try context.config.string("equation") else { throw context.fail("config has no 'equation'") }
        do {
            return try EinsumDense(name: context.engineName, equation: equation, kernel: context.required(.kernel),
                                   bias: context.tensor(.bias), activation: context.activation("activation"))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}

/// Keras `Dot(axes, normalize)`: the batchwise dot product of two inputs. Engine layer: `DotProduct`.
struct DotAdapter: LayerAdapter {
    let classNames = ["Dot"]

    func axes(_ layer: LayerDescription, in context: LayerContext) throws -> (Int, Int) {
        guard let axes = try context.config(of: layer).ints("axes"), axes.count == 1 || axes.count == 2 else {
            throw context.fail("config 'axes' expected one axis or two, found \(layer.config["axes"]?.jsonText ?? "none")")
        }
        return (axes[0], axes.count == 2 ? axes[1] : axes[0])
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let (a, b) = try axes(layer, in: context)
        guard inputs.count == 2 else { return nil }
        let x = inputs[0], y = inputs[1]
        let ax = a < 0 ? a + x.count : a, ay = b < 0 ? b + y.count : b
        guard ax >= 1, ax < x.count, ay >= 1, ay < y.count else { return nil }
        var output = x.enumerated().filter { $0.offset != ax }.map(\.element)
        output += y.enumerated().filter { $0.offset != ay && $0.offset != 0 }.map(\.element)
        return [output.count == 1 ? output + [1] : output]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        DotProduct(name: context.engineName, axes: try axes(layer, in: context.reading),
                   normalize: try context.config.bool("normalize", default: false))
    }
}
