/// Masks timesteps whose features all equal `maskValue` (Keras `Masking`).
///
/// `mask (batch, T) = any(x != maskValue, axis: -1)`, `output = x · mask` (masked steps become 0).
public final class Masking: Layer {
    public let name: String
    public var kindName: String { "Masking" }
    public let maskValue: Float

    public init(name: String, maskValue: Float = 0) {
        self.name = name
        self.maskValue = maskValue
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank >= 2 else { throw error("expected input (batch, ..., features), found \(x.shapeDescription)") }
        let features = x.lastDimension, rows = x.count / max(features, 1)
        var mask = [Float](repeating: 0, count: rows)
        var out = x.scalars
        for r in 0..<rows {
            var keep = false
            for j in 0..<features where x.scalars[r * features + j] != maskValue { keep = true; break }
            mask[r] = keep ? 1 : 0
            if !keep { for j in 0..<features { out[r * features + j] = out[r * features + j] * 0 } }
        }
        return LayerOutput(Tensor(shape: x.shape, scalars: out), mask: Tensor(shape: Array(x.shape.dropLast()), scalars: mask))
    }
}
