/// Repeats a vector along a new time axis (Keras `RepeatVector`): `(batch, n) → (batch, count, n)`.
/// Keras does not propagate a mask through it.
public final class RepeatVector: Layer {
    public let name: String
    public var kindName: String { "RepeatVector" }
    public let count: Int

    public init(name: String, count: Int) {
        self.name = name
        self.count = count
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank == 2 else { throw error("expected input (batch, features), found \(x.shapeDescription)") }
        guard count > 0 else { throw error("expected n ≥ 1, found \(count)") }
        let batch = x.shape[0], features = x.shape[1]
        var out = [Float](repeating: 0, count: batch * count * features)
        for b in 0..<batch {
            for t in 0..<count {
                for j in 0..<features { out[(b * count + t) * features + j] = x.scalars[b * features + j] }
            }
        }
        return LayerOutput(Tensor(shape: [batch, count, features], scalars: out))
    }
}
