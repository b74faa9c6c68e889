/// Keras 3 operation `NotEqual(x, value)` as serialized in configs that compute masks:
/// `1` where `x != value`, else `0`, same shape.
public final class NotEqual: Layer {
    public let name: String
    public var kindName: String { "NotEqual" }
    public let value: Float

    public init(name: String, value: Float) {
        self.name = name
        self.value = value
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        guard let x = inputs.first else { throw error("expected 1 input, found none") }
        return LayerOutput(Tensor(shape: x.shape, scalars: x.scalars.map { $0 != value ? 1 : 0 }))
    }
}

/// Keras 3 operation `Any(x, axis, keepdims)`: `1` where any value along `axis` is nonzero, else `0`.
public final class AnyReduce: Layer {
    public let name: String
    public var kindName: String { "Any" }
    public let axis: Int
    public let keepdims: Bool

    public init(name: String, axis: Int = -1, keepdims: Bool = false) {
        self.name = name
        self.axis = axis
        self.keepdims = keepdims
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved = axis < 0 ? axis + x.rank : axis
        guard resolved >= 0, resolved < x.rank else { throw error("axis \(axis) is out of range for input \(x.shapeDescription)") }
        let length = x.shape[resolved], inner = x.shape[(resolved + 1)...].reduce(1, *), outer = x.shape[..<resolved].reduce(1, *)
        var out = [Float](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                for k in 0..<length where x.scalars[(o * length + k) * inner + i] != 0 { out[o * inner + i] = 1; break }
            }
        }
        var shape = x.shape
        if keepdims { shape[resolved] = 1 } else { shape.remove(at: resolved) }
        return LayerOutput(Tensor(shape: shape, scalars: out))
    }
}
