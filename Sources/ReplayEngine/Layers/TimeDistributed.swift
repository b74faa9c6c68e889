/// Applies `inner` to every timestep (Keras `TimeDistributed`).
///
/// `(batch, T, ...) → inner on (batch·T, ...) → (batch, T, ...inner output)`; the mask passes through.
public final class TimeDistributed: Layer {
    public let name: String
    public var kindName: String { "TimeDistributed" }
    public let inner: any Layer

    public init(name: String, inner: any Layer) {
        self.name = name
        self.inner = inner
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank >= 3 else { throw error("expected input (batch, timesteps, ...), found \(x.shapeDescription)") }
        let batch = x.shape[0], time = x.shape[1]
        let folded = Tensor(shape: [batch * time] + x.shape.dropFirst(2), scalars: x.scalars)
        let result = try inner.call([folded], masks: [nil])
        guard let output = result.tensors.first, result.tensors.count == 1, output.shape.first == batch * time else {
            throw error("expected the wrapped layer '\(inner.name)' to give one output per timestep")
        }
        let unfolded = Tensor(shape: [batch, time] + output.shape.dropFirst(), scalars: output.scalars)
        return LayerOutput(unfolded, mask: masks.first ?? nil)
    }

    public func resetStates() { inner.resetStates() }
    public var isStateful: Bool { inner.isStateful }
}
