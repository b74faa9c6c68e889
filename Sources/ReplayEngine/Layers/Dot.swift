/// The batchwise dot product of two tensors along one axis each (Keras `Dot(axes, normalize)`):
/// `output = Σ_k x1[b, …, k, …] · x2[b, …, k, …]`, the result shaped as `x1` without its axis
/// followed by `x2` without the batch axis and its axis, `(batch, 1)` when that leaves one axis.
/// With `normalize`, each input is first L2-normalized along its axis (`x/√max(Σx², 1e-12)`),
/// giving the cosine proximity. Drops the mask.
public final class DotProduct: Layer {
    public let name: String
    public var kindName: String { "Dot" }
    /// One axis per input, counted with the batch axis (negative from the end).
    public let axes: (Int, Int)
    public let normalize: Bool

    public init(name: String, axes: (Int, Int), normalize: Bool = false) {
        self.name = name
        self.axes = axes
        self.normalize = normalize
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        guard inputs.count == 2 else { throw error("expected 2 inputs, found \(inputs.count)") }
        var x = inputs[0], y = inputs[1]
        guard x.rank >= 2, y.rank >= 2, x.shape[0] == y.shape[0] else {
            throw error("expected two inputs (batch, ...) of one batch size and rank ≥ 2, found \(x.shapeDescription) and \(y.shapeDescription)")
        }
        let ax = axes.0 < 0 ? axes.0 + x.rank : axes.0, ay = axes.1 < 0 ? axes.1 + y.rank : axes.1
        guard ax >= 1, ax < x.rank, ay >= 1, ay < y.rank, x.shape[ax] == y.shape[ay] else {
            throw error("cannot take the dot product of axis \(axes.0) of \(x.shapeDescription) with axis \(axes.1) of \(y.shapeDescription)")
        }
        if normalize {
            x = try UnitNormalization(name: name, axes: [ax]).call([x], masks: [nil]).tensors[0]
            y = try UnitNormalization(name: name, axes: [ay]).call([y], masks: [nil]).tensors[0]
        }
        // Letters: 'a' batch, 'z' the contracted axis, others free.
        var next = Array("bcdefghijklmnopqrstuvwxy")
        func letters(_ rank: Int, axis: Int) -> [Character] {
            (0..<rank).map { index in index == 0 ? "a" : (index == axis ? "z" : next.removeFirst()) }
        }
        let left = letters(x.rank, axis: ax), right = letters(y.rank, axis: ay)
        let output = left.filter { $0 != "z" } + right.filter { $0 != "z" && $0 != "a" }
        var result = try Einsum("\(String(left)),\(String(right))->\(String(output))").apply(x, y)
        if result.rank == 1 { result = result.reshaped([result.shape[0], 1]) }
        return LayerOutput(result)
    }
}

/// Keras 1's `merge(mode='cos')`: `dot(x1, x2) / max(√(dot(x1, x1)·dot(x2, x2)), 1e-7)` (NaN roots
/// count as below 1e-7, as Theano's maximum has it) with
/// the same batchwise dot along `axes`, then a new axis 1 (Keras 1 expands it after declaring
/// the shape without it). Drops the mask.
public final class Keras1CosineMerge: Layer {
    public let name: String
    public var kindName: String { "Merge" }
    let dot: DotProduct

    public init(name: String, axes: (Int, Int)) {
        self.name = name
        dot = DotProduct(name: name, axes: axes)
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        guard inputs.count == 2 else { throw error("expected 2 inputs, found \(inputs.count)") }
        let numerator = try dot.call(inputs, masks: [nil, nil]).tensors[0]
        let left = try dot.call([inputs[0], inputs[0]], masks: [nil, nil]).tensors[0]
        let right = try dot.call([inputs[1], inputs[1]], masks: [nil, nil]).tensors[0]
        var values = numerator.scalars
        for index in values.indices {
            // Theano's maximum is `a > b ? a : b`: a NaN root (the product is negative off the
            // diagonal for dot_axes [2, 2]) becomes the epsilon.
            let root = (left.scalars[index] * right.scalars[index]).squareRoot()
            values[index] = values[index] / (root > 1e-7 ? root : 1e-7)
        }
        let shape = numerator.shape
        return LayerOutput(Tensor(shape: [shape[0], 1] + shape.dropFirst(), scalars: values))
    }
}
