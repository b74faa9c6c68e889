/// Batch normalization at inference (Keras `BatchNormalization`), with the moving statistics.
///
/// Along `axis` (channels), computed as TensorFlow's `tf.nn.batch_normalization` does:
/// ```
/// inv = gamma / √(movingVariance + epsilon)        // gamma = 1 when absent
/// y   = x·inv + (beta - movingMean·inv)            // beta = 0 when absent
/// ```
/// Passes the mask.
public final class BatchNormalization: Layer {
    public let name: String
    public var kindName: String { "BatchNormalization" }
    public let axis: Int
    public let epsilon: Float
    /// Folded per-channel scale and shift.
    let scale: [Float]
    let shift: [Float]

    public init(name: String, axis: Int = -1, gamma: Tensor?, beta: Tensor?, movingMean: Tensor, movingVariance: Tensor,
                epsilon: Float = 1e-3) throws {
        self.name = name
        self.axis = axis
        self.epsilon = epsilon
        let channels = movingMean.count
        guard movingMean.rank == 1 else {
            throw EngineError(layer: name, kind: "BatchNormalization", message: "expected moving mean (channels,), found \(movingMean.shapeDescription)")
        }
        for (role, tensor) in [("moving variance", movingVariance), ("gamma", gamma), ("beta", beta)] {
            if let tensor { try expectShape(tensor, [channels], role, layer: name, kind: "BatchNormalization") }
        }
        var scale = [Float](repeating: 0, count: channels), shift = scale
        for c in 0..<channels {
            var inv = 1 / (movingVariance.scalars[c] + epsilon).squareRoot()
            if let gamma { inv *= gamma.scalars[c] }
            scale[c] = inv
            shift[c] = (beta?.scalars[c] ?? 0) - movingMean.scalars[c] * inv
        }
        self.scale = scale
        self.shift = shift
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved = axis < 0 ? axis + x.rank : axis
        guard resolved >= 1, resolved < x.rank, x.shape[resolved] == scale.count else {
            throw error("expected input with \(scale.count) channels on axis \(axis), found \(x.shapeDescription)")
        }
        let channels = scale.count, inner = x.shape[(resolved + 1)...].reduce(1, *)
        var out = x.scalars
        for index in out.indices {
            let c = (index / inner) % channels
            out[index] = out[index] * scale[c] + shift[c]
        }
        return LayerOutput(Tensor(shape: x.shape, scalars: out), mask: masks.first ?? nil)
    }
}

/// Layer normalization (Keras `LayerNormalization`) over `axes` (counted with the batch axis).
///
/// Mean and (biased) variance over the axes, as `ops.moments` / `tf.nn.moments`:
/// `mean = Σx/n`, `variance = Σ(x - mean)²/n` (summed in Double), then as Keras 3 does:
/// ```
/// inv = gamma / √(variance + ε)
/// y   = x·inv + (beta - mean·inv)
/// ```
/// (tf-keras' fused path computes `((x - mean)/√(variance + ε))·gamma + beta`; on the sample
/// checkpoints the Keras 3 order is closer to both generations, so it is the only one.)
/// `gamma`/`beta` have the shape of the normalized axes. Passes the mask.
public final class LayerNormalization: Layer {
    public let name: String
    public var kindName: String { "LayerNormalization" }
    public let axes: [Int]
    public let epsilon: Float
    let gamma: [Float]?
    let beta: [Float]?

    public init(name: String, axes: [Int] = [-1], gamma: Tensor?, beta: Tensor?, epsilon: Float = 1e-3) throws {
        self.name = name
        self.axes = axes
        self.epsilon = epsilon
        if let gamma, let beta, gamma.count != beta.count {
            throw EngineError(layer: name, kind: "LayerNormalization", message: "expected gamma and beta of one shape, found \(gamma.shapeDescription) and \(beta.shapeDescription)")
        }
        self.gamma = gamma?.scalars
        self.beta = beta?.scalars
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved = Set(axes.map { $0 < 0 ? $0 + x.rank : $0 })
        guard !resolved.isEmpty, resolved.allSatisfy({ $0 >= 1 && $0 < x.rank }) else {
            throw error("axes \(axes) are out of range for input \(x.shapeDescription)")
        }
        // Normalized axes must be the trailing ones (the Keras default and the common case).
        let first = resolved.min()!
        guard resolved == Set(first..<x.rank) else { throw error("only trailing axes are supported, found axes \(axes) for input \(x.shapeDescription)") }
        let n = x.shape[first...].reduce(1, *), rows = x.count / max(n, 1)
        if let gamma, gamma.count != n { throw error("expected gamma of \(n) values for input \(x.shapeDescription), found \(gamma.count)") }
        if let beta, beta.count != n { throw error("expected beta of \(n) values for input \(x.shapeDescription), found \(beta.count)") }
        var out = x.scalars
        for r in 0..<rows {
            let base = r * n
            var sum = 0.0
            for j in 0..<n { sum += Double(x.scalars[base + j]) }
            let mean = Float(sum / Double(n))
            var squares = 0.0
            for j in 0..<n { let d = Double(x.scalars[base + j] - mean); squares += d * d }
            let variance = Float(squares / Double(n))
            let rstd = 1 / (variance + epsilon).squareRoot()
            for j in 0..<n {
                let g = gamma?[j] ?? 1, b = beta?[j] ?? 0
                let inv = rstd * g
                out[base + j] = x.scalars[base + j] * inv + (b - mean * inv)
            }
        }
        return LayerOutput(Tensor(shape: x.shape, scalars: out), mask: masks.first ?? nil)
    }
}
