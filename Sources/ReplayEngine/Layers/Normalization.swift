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

/// Layer normalization (Keras `LayerNormalization`) over `axes` (counted with the batch axis;
/// any axes, not only trailing ones).
///
/// Mean and (biased) variance over the axes, as `ops.moments` / `tf.nn.moments`:
/// `mean = Σx/n`, `variance = Σ(x - mean)²/n` (summed in Double), then as Keras 3 does:
/// ```
/// inv = gamma / √(variance + ε)
/// y   = x·inv + (beta - mean·inv)
/// ```
/// (tf-keras' fused path computes `((x - mean)/√(variance + ε))·gamma + beta`; on the sample
/// checkpoints the Keras 3 order is closer to both generations, so it is the only one.)
/// `gamma`/`beta` have the shape of the normalized axes, in axis order. With `rmsScaling`
/// (Keras 3 `rms_scaling=True`): `y = x/√(variance + ε)·gamma`. Passes the mask.
public final class LayerNormalization: Layer {
    public let name: String
    public var kindName: String { "LayerNormalization" }
    public let axes: [Int]
    public let epsilon: Float
    public let rmsScaling: Bool
    let gamma: [Float]?
    let beta: [Float]?

    public init(name: String, axes: [Int] = [-1], gamma: Tensor?, beta: Tensor?, epsilon: Float = 1e-3, rmsScaling: Bool = false) throws {
        self.name = name
        self.axes = axes
        self.epsilon = epsilon
        self.rmsScaling = rmsScaling
        if let gamma, let beta, gamma.count != beta.count {
            throw EngineError(layer: name, kind: "LayerNormalization", message: "expected gamma and beta of one shape, found \(gamma.shapeDescription) and \(beta.shapeDescription)")
        }
        self.gamma = gamma?.scalars
        self.beta = beta?.scalars
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved: [Int]
        do { resolved = try resolve(axes, rank: x.rank) } catch { throw self.error("axes \(axes) are out of range for input \(x.shapeDescription)") }
        guard !resolved.isEmpty, !resolved.contains(0) else { throw error("axes \(axes) must not include the batch axis, input \(x.shapeDescription)") }
        let n = resolved.reduce(1) { $0 * x.shape[$1] }
        if let gamma, gamma.count != n { throw error("expected gamma of \(n) values for input \(x.shapeDescription), found \(gamma.count)") }
        if let beta, beta.count != n { throw error("expected beta of \(n) values for input \(x.shapeDescription), found \(beta.count)") }
        let rest = (0..<x.rank).filter { !resolved.contains($0) }
        let permutation = rest + resolved
        var moved = x.transposedIfNeeded(permutation)
        let gamma = self.gamma, beta = self.beta, epsilon = self.epsilon, rmsScaling = self.rmsScaling
        let scale = gamma ?? [Float](repeating: 1, count: n), offset = beta ?? [Float](repeating: 0, count: n)
        moved.scalars.withUnsafeMutableBufferPointer { values in
            guard n > 0, values.count > 0 else { return }
            // Rows are independent: split them over the cores when there are many.
            let rows = values.count / n
            let threads = values.count >= 1 << 15 ? min(Parallelism.maximumThreads, rows) : 1
            let base = RowParallel.RowPointers(a: UnsafePointer(values.baseAddress!), c: values.baseAddress!)
            scale.withUnsafeBufferPointer { scale in
                offset.withUnsafeBufferPointer { offset in
                    let parameters = RowParallel.RowPointers(a: scale.baseAddress!, c: UnsafeMutablePointer(mutating: offset.baseAddress!))
                    Parallelism.run(threads) { slice in
                        let gamma = parameters.a, beta = UnsafePointer(parameters.c)
                        for r in (rows * slice / threads)..<(rows * (slice + 1) / threads) {
                            let x = base.c + r * n
                            let (mean, variance) = Moments.of(x, n)
                            let rstd = 1 / (variance + epsilon).squareRoot()
                            if rmsScaling {
                                for j in 0..<n { x[j] = x[j] * rstd * gamma[j] }
                            } else {
                                for j in 0..<n {
                                    let inv = rstd * gamma[j]
                                    x[j] = x[j] * inv + (beta[j] - mean * inv)
                                }
                            }
                        }
                    }
                }
            }
        }
        var inverse = [Int](repeating: 0, count: permutation.count)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return LayerOutput(moved.transposedIfNeeded(inverse), mask: masks.first ?? nil)
    }
}

/// Mean and biased variance of a row, summed in Double (TensorFlow's reductions are at least
/// that exact on the sizes a layer normalizes).
enum Moments {
    static func of(_ x: UnsafePointer<Float>, _ n: Int) -> (mean: Float, variance: Float) {
        var sum = 0.0
        for j in 0..<n { sum += Double(x[j]) }
        let mean = Float(sum / Double(n))
        var squares = 0.0
        for j in 0..<n { let d = Double(x[j] - mean); squares += d * d }
        return (mean, Float(squares / Double(n)))
    }
}

/// Root-mean-square normalization (Keras 3 `RMSNormalization`) over `axes`:
/// `y = x · 1/√(mean(x²) + ε) · scale`, `scale` shaped like the normalized axes. Passes the mask.
public final class RMSNormalization: Layer {
    public let name: String
    public var kindName: String { "RMSNormalization" }
    public let axes: [Int]
    public let epsilon: Float
    let scale: [Float]?

    public init(name: String, axes: [Int] = [-1], scale: Tensor?, epsilon: Float = 1e-6) {
        self.name = name
        self.axes = axes
        self.epsilon = epsilon
        self.scale = scale?.scalars
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved = try resolve(axes, rank: x.rank)
        let n = resolved.reduce(1) { $0 * x.shape[$1] }
        if let scale, scale.count != n { throw error("expected scale of \(n) values for input \(x.shapeDescription), found \(scale.count)") }
        let rest = (0..<x.rank).filter { !resolved.contains($0) }
        let permutation = rest + resolved
        var moved = x.transposedIfNeeded(permutation)
        let scale = self.scale, epsilon = self.epsilon
        moved.scalars.withUnsafeMutableBufferPointer { values in
            guard n > 0 else { return }
            var base = 0
            while base < values.count {
                var squares = 0.0
                for j in 0..<n { let v = Double(values[base + j]); squares += v * v }
                let rrms = 1 / (Float(squares / Double(n)) + epsilon).squareRoot()
                for j in 0..<n { values[base + j] = values[base + j] * rrms * (scale?[j] ?? 1) }
                base += n
            }
        }
        var inverse = [Int](repeating: 0, count: permutation.count)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return LayerOutput(moved.transposedIfNeeded(inverse), mask: masks.first ?? nil)
    }
}

/// Group normalization (Keras `GroupNormalization`): the channels of `axis` split into `groups`;
/// each sample's group (its channels and every other non-batch axis) normalized by its mean and
/// variance, then `gamma`/`beta` per channel:
/// `inv = gamma/√(variance + ε)`, `y = x·inv + (beta - mean·inv)`. Passes the mask.
public final class GroupNormalization: Layer {
    public let name: String
    public var kindName: String { "GroupNormalization" }
    public let groups: Int
    public let axis: Int
    public let epsilon: Float
    let gamma: [Float]?
    let beta: [Float]?

    public init(name: String, groups: Int, axis: Int = -1, gamma: Tensor?, beta: Tensor?, epsilon: Float = 1e-3) throws {
        self.name = name
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.gamma = gamma?.scalars
        self.beta = beta?.scalars
        guard groups >= 1 else { throw EngineError(layer: name, kind: "GroupNormalization", message: "expected groups ≥ 1, found \(groups)") }
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank >= 2 else { throw error("expected input (batch, ..., channels), found \(x.shapeDescription)") }
        let channelAxis = axis < 0 ? axis + x.rank : axis
        guard channelAxis >= 1, channelAxis < x.rank, x.shape[channelAxis] % groups == 0 else {
            throw error("expected \(groups) groups to divide the channels of axis \(axis), found input \(x.shapeDescription)")
        }
        let channels = x.shape[channelAxis], perGroup = channels / groups
        if let gamma, gamma.count != channels { throw error("expected gamma of \(channels) values, found \(gamma.count)") }
        if let beta, beta.count != channels { throw error("expected beta of \(channels) values, found \(beta.count)") }
        // Move the channel axis last: each sample is then (positions, channels).
        let permutation = (0..<x.rank).filter { $0 != channelAxis } + [channelAxis]
        var moved = x.transposedIfNeeded(permutation)
        let positions = x.shape.enumerated().filter { $0.offset != 0 && $0.offset != channelAxis }.reduce(1) { $0 * $1.element }
        let gamma = self.gamma, beta = self.beta, epsilon = self.epsilon, groups = self.groups
        moved.scalars.withUnsafeMutableBufferPointer { values in
            let sampleSize = positions * channels
            guard sampleSize > 0 else { return }
            for sample in 0..<(values.count / sampleSize) {
                let base = sample * sampleSize
                for group in 0..<groups {
                    var sum = 0.0
                    for p in 0..<positions { for c in 0..<perGroup { sum += Double(values[base + p * channels + group * perGroup + c]) } }
                    let count = Double(positions * perGroup)
                    let mean = Float(sum / count)
                    var squares = 0.0
                    for p in 0..<positions {
                        for c in 0..<perGroup { let d = Double(values[base + p * channels + group * perGroup + c] - mean); squares += d * d }
                    }
                    let rstd = 1 / (Float(squares / count) + epsilon).squareRoot()
                    for p in 0..<positions {
                        for c in 0..<perGroup {
                            let channel = group * perGroup + c, at = base + p * channels + channel
                            let inv = rstd * (gamma?[channel] ?? 1)
                            values[at] = values[at] * inv + (-mean * inv + (beta?[channel] ?? 0))
                        }
                    }
                }
            }
        }
        var inverse = [Int](repeating: 0, count: permutation.count)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return LayerOutput(moved.transposedIfNeeded(inverse), mask: masks.first ?? nil)
    }
}

/// L2 normalization (Keras `UnitNormalization`) over `axes`: `y = x / √max(Σx², 1e-12)`, as
/// `tf.linalg.l2_normalize` and Keras 3's `normalize` compute it (`x·rsqrt(max(Σx², ε))`).
public final class UnitNormalization: Layer {
    public let name: String
    public var kindName: String { "UnitNormalization" }
    public let axes: [Int]

    public init(name: String, axes: [Int] = [-1]) {
        self.name = name
        self.axes = axes
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved = try resolve(axes, rank: x.rank)
        let n = resolved.reduce(1) { $0 * x.shape[$1] }
        let rest = (0..<x.rank).filter { !resolved.contains($0) }
        let permutation = rest + resolved
        var moved = x.transposedIfNeeded(permutation)
        moved.scalars.withUnsafeMutableBufferPointer { values in
            guard n > 0 else { return }
            var base = 0
            while base < values.count {
                var squares: Float = 0
                for j in 0..<n { squares += values[base + j] * values[base + j] }
                let inverse = 1 / max(squares, 1e-12).squareRoot()
                for j in 0..<n { values[base + j] *= inverse }
                base += n
            }
        }
        var inverse = [Int](repeating: 0, count: permutation.count)
        for (position, axis) in permutation.enumerated() { inverse[axis] = position }
        return LayerOutput(moved.transposedIfNeeded(inverse), mask: masks.first ?? nil)
    }
}

/// Keras preprocessing `Normalization` with its stored (adapted) mean and variance, broadcast
/// over the kept axes: `y = (x - mean) / max(√variance, 1e-7)`, or with `invert`
/// `y = mean + x·max(√variance, 1e-7)`. Passes the mask.
public final class FeatureNormalization: Layer {
    public let name: String
    public var kindName: String { "Normalization" }
    /// Broadcastable to one sample (batch axis excluded) or to the whole input.
    public let mean: Tensor
    public let variance: Tensor
    public let invert: Bool

    public init(name: String, mean: Tensor, variance: Tensor, invert: Bool = false) throws {
        self.name = name
        guard mean.shape == variance.shape else {
            throw EngineError(layer: name, kind: "Normalization", message: "expected mean and variance of one shape, found \(mean.shapeDescription) and \(variance.shapeDescription)")
        }
        self.mean = mean
        self.variance = variance
        self.invert = invert
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        guard mean.rank <= x.rank, zip(mean.shape.reversed(), x.shape.reversed()).allSatisfy({ $0 == 1 || $0 == $1 }) else {
            throw error("mean \(mean.shapeDescription) does not broadcast to the input \(x.shapeDescription)")
        }
        let index = BroadcastIndex(from: mean.shape, to: x.shape)
        let invert = self.invert, mean = self.mean.scalars, variance = self.variance.scalars
        x.scalars.withUnsafeMutableBufferPointer { values in
            for position in values.indices {
                let at = index[position]
                let spread = max(variance[at].squareRoot(), 1e-7)
                values[position] = invert ? mean[at] + values[position] * spread : (values[position] - mean[at]) / spread
            }
        }
        return LayerOutput(x, mask: masks.first ?? nil)
    }
}

/// Keras `Rescaling`: `y = x·scale + offset` (scalars, or arrays broadcast over the trailing axes).
public final class Rescaling: Layer {
    public let name: String
    public var kindName: String { "Rescaling" }
    public let scale: Tensor
    public let offset: Tensor

    public init(name: String, scale: Tensor, offset: Tensor) {
        self.name = name
        self.scale = scale
        self.offset = offset
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        for parameter in [scale, offset] where !(parameter.rank <= x.rank && zip(parameter.shape.reversed(), x.shape.reversed()).allSatisfy({ $0 == 1 || $0 == $1 })) {
            throw error("\(parameter.shapeDescription) does not broadcast to the input \(x.shapeDescription)")
        }
        let scaleIndex = BroadcastIndex(from: scale.shape, to: x.shape), offsetIndex = BroadcastIndex(from: offset.shape, to: x.shape)
        let scale = self.scale.scalars, offset = self.offset.scalars
        x.scalars.withUnsafeMutableBufferPointer { values in
            for position in values.indices { values[position] = values[position] * scale[scaleIndex[position]] + offset[offsetIndex[position]] }
        }
        return LayerOutput(x, mask: masks.first ?? nil)
    }
}
