#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which `hard_sigmoid` a file means: the formula changed in Keras 3.
public enum HardSigmoidVariant: Sendable, Equatable {
    /// `clip(0.2·x + 0.5, 0, 1)`: Keras 1, Keras 2 and tf-keras.
    case keras2
    /// `clip(x/6 + 0.5, 0, 1)`: Keras 3 (computed as `relu6(x + 3)/6`, as its TensorFlow backend does).
    case keras3
}

/// Every built-in Keras activation (Keras 1/2, tf-keras, Keras 3), with the constants Keras uses.
///
/// Elementwise cases work on any shape. `softmax`, `logSoftmax`, `sparsemax` work along an axis,
/// and `glu` and `crelu` change the size of their axis (halve and double it): use
/// ``apply(_:)-(Tensor)`` for those.
public enum Activation: Sendable, Equatable {
    case linear
    /// `max(x, 0)`
    case relu
    /// `min(max(x, 0), 6)`
    case relu6
    /// `1 / (1 + exp(-x))`
    case sigmoid
    case tanh
    /// `log(1 + exp(x))`
    case softplus
    /// `x / (1 + |x|)`
    case softsign
    /// `scale·x` for x > 0, `scale·alpha·(exp(x) - 1)` otherwise (alpha 1.6732632, scale 1.0507010).
    case selu
    /// `x` for x > 0, `alpha·(exp(x) - 1)` otherwise, alpha 1.
    case elu
    /// `exp(x)`
    case exponential
    /// `x·sigmoid(x)` (Keras `swish` and `silu`).
    case swish
    /// `0.5·x·(1 + erf(x/√2))`, or with `approximate` `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
    case gelu(approximate: Bool)
    /// See ``HardSigmoidVariant``.
    case hardSigmoid(HardSigmoidVariant)
    /// Keras 3 `hard_silu` / `hard_swish`: `x·relu6(x + 3)/6` when nil; `x·hard_sigmoid(x)` of a variant otherwise.
    case hardSilu(HardSigmoidVariant?)
    /// `clip(x, -1, 1)`
    case hardTanh
    /// `x·tanh(softplus(x))`
    case mish
    /// `x` for x ≥ 0, `negativeSlope·x` otherwise (Keras 3 default 0.2, as tf.nn.leaky_relu).
    case leakyRelu(negativeSlope: Float)
    /// `exp(x - max) / Σ exp(x - max)` along `axis`.
    case softmax(axis: Int)
    /// `x - max - log Σ exp(x - max)` along `axis`.
    case logSoftmax(axis: Int)
    /// `x - tanh(x)`
    case tanhShrink
    /// 0 for x ≤ -1, x for x ≥ 1, `(x + 1)²/4` between.
    case sparsePlus
    /// 0 for x ≤ -1, 1 for x ≥ 1, `(x + 1)/2` between.
    case sparseSigmoid
    /// `(x + √(x² + b))/2`, b = 4.
    case squarePlus
    /// `max(0, x) + min(0, alpha·(exp(x/alpha) - 1))`, alpha 1.
    case celu
    /// Splits the last axis in halves a, b: `a·sigmoid(b)`.
    case glu
    /// `-softplus(-x)`
    case logSigmoid
    /// `x - 0.5` for x > 0.5, `x + 0.5` for x < -0.5, 0 between.
    case softShrink
    /// `x` where |x| > 0.5, 0 elsewhere.
    case hardShrink
    /// Sparsemax along `axis`, with Keras 3's own threshold formula (see `axisWise`).
    case sparsemax(axis: Int)
    /// `[relu(x), relu(-x)]` concatenated along the last axis.
    case crelu

    /// Maps a Keras activation name to a case; nil when the name is not a built-in.
    /// - Parameter hardSigmoid: which `hard_sigmoid` the file's Keras computed.
    public init?(kerasName: String, hardSigmoid: HardSigmoidVariant) {
        switch kerasName {
        case "linear", "None", "none": self = .linear
        case "relu": self = .relu
        case "relu6": self = .relu6
        case "sigmoid": self = .sigmoid
        case "tanh": self = .tanh
        case "softplus": self = .softplus
        case "softsign": self = .softsign
        case "selu": self = .selu
        case "elu": self = .elu
        case "exponential": self = .exponential
        case "swish", "silu": self = .swish
        case "gelu": self = .gelu(approximate: false)
        case "hard_sigmoid": self = .hardSigmoid(hardSigmoid)
        case "hard_silu", "hard_swish": self = .hardSilu(nil)
        case "hard_tanh": self = .hardTanh
        case "mish": self = .mish
        case "leaky_relu": self = .leakyRelu(negativeSlope: 0.2)
        case "softmax": self = .softmax(axis: -1)
        case "log_softmax": self = .logSoftmax(axis: -1)
        case "tanh_shrink": self = .tanhShrink
        case "sparse_plus": self = .sparsePlus
        case "sparse_sigmoid": self = .sparseSigmoid
        case "squareplus": self = .squarePlus
        case "celu": self = .celu
        case "glu": self = .glu
        case "log_sigmoid": self = .logSigmoid
        case "soft_shrink": self = .softShrink
        case "hard_shrink": self = .hardShrink
        case "sparsemax": self = .sparsemax(axis: -1)
        case "crelu": self = .crelu
        default: return nil
        }
    }

    /// True when the activation works value by value (so it can run on any buffer in place).
    public var isElementwise: Bool {
        switch self {
        case .softmax, .logSoftmax, .sparsemax, .glu, .crelu: return false
        default: return true
        }
    }

    /// True when the activation keeps the size of what it is given, so a recurrent cell can run it
    /// on each gate block (`softmax` then normalises over one block's units, as Keras does).
    public var worksOnGateBlocks: Bool {
        switch self {
        case .glu, .crelu: return false
        default: return true
        }
    }

    /// Applies the activation in place. Elementwise activations treat `x` as a flat buffer; the
    /// axis-wise ones (`softmax`, `logSoftmax`, `sparsemax`) treat it as ONE vector. `glu` and
    /// `crelu` change the size and cannot run here (precondition); use ``apply(_:)-(Tensor)``.
    public func apply(_ x: inout [Float]) {
        let count = x.count
        x.withUnsafeMutableBufferPointer { buffer in
            apply(buffer.baseAddress!, count: count, rowLength: count)
        }
    }

    /// Applies the activation to a tensor; axis-wise activations use their axis (negative counts from the end).
    public func apply(_ tensor: Tensor) -> Tensor {
        switch self {
        case .softmax(let axis), .logSoftmax(let axis), .sparsemax(let axis):
            guard tensor.rank > 0 else { return tensor }
            let resolved = axis < 0 ? axis + tensor.rank : axis
            precondition(resolved >= 0 && resolved < tensor.rank, "activation axis \(axis) out of range for rank \(tensor.rank)")
            let length = tensor.shape[resolved]
            let inner = tensor.shape[(resolved + 1)...].reduce(1, *)
            let outer = tensor.shape[..<resolved].reduce(1, *)
            var result = tensor
            var row = [Float](repeating: 0, count: length)
            result.scalars.withUnsafeMutableBufferPointer { values in
                row.withUnsafeMutableBufferPointer { row in
                    for o in 0..<outer {
                        for i in 0..<inner {
                            let base = o * length * inner + i
                            for k in 0..<length { row[k] = values[base + k * inner] }
                            Activation.axisWise(self, row.baseAddress!, length)
                            for k in 0..<length { values[base + k * inner] = row[k] }
                        }
                    }
                }
            }
            return result
        case .glu:
            let last = tensor.lastDimension
            precondition(last % 2 == 0, "glu needs an even last axis, found \(last)")
            let half = last / 2, rows = tensor.count / max(last, 1)
            var out = [Float](repeating: 0, count: rows * half)
            for r in 0..<rows {
                for k in 0..<half {
                    let a = tensor.scalars[r * last + k], b = tensor.scalars[r * last + half + k]
                    out[r * half + k] = a * Activation.sigmoidScalar(b)
                }
            }
            return Tensor(shape: Array(tensor.shape.dropLast()) + [half], scalars: out)
        case .crelu:
            let last = tensor.lastDimension, rows = tensor.count / max(last, 1)
            var out = [Float](repeating: 0, count: rows * last * 2)
            for r in 0..<rows {
                for k in 0..<last {
                    let v = tensor.scalars[r * last + k]
                    out[r * 2 * last + k] = max(v, 0)
                    out[r * 2 * last + last + k] = max(-v, 0)
                }
            }
            return Tensor(shape: Array(tensor.shape.dropLast()) + [last * 2], scalars: out)
        default:
            var result = tensor
            apply(&result.scalars)
            return result
        }
    }

    /// The hot-loop form: applies in place to `count` values at `x`. Axis-wise activations treat
    /// the buffer as rows of `rowLength` values (their axis must be the last one).
    @inlinable
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int, rowLength: Int) {
        switch self {
        case .linear: return
        case .relu: for i in 0..<count { x[i] = x[i] > 0 ? x[i] : 0 }
        case .relu6: for i in 0..<count { x[i] = min(max(x[i], 0), 6) }
        case .sigmoid: Activation.sigmoidInPlace(x, count: count)
        case .tanh: Activation.tanhInPlace(x, count: count)
        case .hardSigmoid(let variant): for i in 0..<count { x[i] = Activation.hardSigmoidScalar(x[i], variant) }
        default:
            if isElementwise {
                for i in 0..<count { x[i] = scalar(x[i]) }
            } else {
                precondition(rowLength > 0 && count % rowLength == 0, "\(self) needs whole rows")
                switch self {
                case .softmax, .logSoftmax, .sparsemax:
                    var start = 0
                    while start < count { Activation.axisWise(self, x + start, rowLength); start += rowLength }
                default:
                    preconditionFailure("\(self) changes the shape; apply it to a Tensor")
                }
            }
        }
    }

    /// One value through an elementwise activation.
    @inlinable
    public func scalar(_ x: Float) -> Float {
        switch self {
        case .linear: return x
        case .relu: return x > 0 ? x : 0
        case .relu6: return min(max(x, 0), 6)
        case .sigmoid: return Activation.sigmoidScalar(x)
        case .tanh: return tanhf(x)
        case .softplus: return Activation.softplusScalar(x)
        case .softsign: return x / (1 + abs(x))
        case .selu:
            let alpha: Float = 1.6732632423543772848170429916717
            let scale: Float = 1.0507009873554804934193349852946
            return x > 0 ? scale * x : scale * (alpha * expm1f(x))
        case .elu: return x > 0 ? x : expm1f(x)
        case .exponential: return expf(x)
        case .swish: return x * Activation.sigmoidScalar(x)
        case .gelu(let approximate):
            if approximate {
                let c: Float = 0.7978845608028654  // √(2/π)
                return 0.5 * x * (1 + tanhf(c * (x + 0.044715 * x * x * x)))
            }
            return 0.5 * x * (1 + erff(x * 0.7071067811865476))
        case .hardSigmoid(let variant): return Activation.hardSigmoidScalar(x, variant)
        case .hardSilu(let variant):
            guard let variant else { return x * (min(max(x + 3, 0), 6) / 6) }
            return x * Activation.hardSigmoidScalar(x, variant)
        case .hardTanh: return min(max(x, -1), 1)
        case .mish: return x * tanhf(Activation.softplusScalar(x))
        case .leakyRelu(let slope): return x >= 0 ? x : slope * x
        case .tanhShrink: return x - tanhf(x)
        case .sparsePlus: return x <= -1 ? 0 : (x >= 1 ? x : 0.25 * (x + 1) * (x + 1))
        case .sparseSigmoid: return x <= -1 ? 0 : (x >= 1 ? 1 : 0.5 * (x + 1))
        case .squarePlus: return (x + (x * x + 4).squareRoot()) / 2
        case .celu: return max(0, x) + min(0, expm1f(x))
        case .logSigmoid: return -Activation.softplusScalar(-x)
        case .softShrink: return x > 0.5 ? x - 0.5 : (x < -0.5 ? x + 0.5 : 0)
        case .hardShrink: return abs(x) > 0.5 ? x : 0
        case .softmax, .logSoftmax, .sparsemax, .glu, .crelu:
            preconditionFailure("\(self) is not elementwise")
        }
    }

    @inlinable
    static func sigmoidScalar(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    @inlinable
    static func hardSigmoidScalar(_ x: Float, _ variant: HardSigmoidVariant) -> Float {
        switch variant {
        case .keras2: return min(max(0.2 * x + 0.5, 0), 1)
        // Keras 3's TensorFlow backend computes clip(x/6 + 0.5) as relu6(x + 3)/6; same value, its rounding.
        case .keras3: return min(max(x + 3, 0), 6) / 6
        }
    }

    /// Stable softplus as TensorFlow computes it: large x → x, very negative x → exp(x).
    @inlinable
    static func softplusScalar(_ x: Float) -> Float {
        let threshold: Float = -(log(Float.ulpOfOne)) + 2  // ≈ 17.9
        if x > threshold { return x }
        if x < -threshold { return expf(x) }
        return log1pf(expf(x))
    }

    /// sigmoid of `count` values in place, as TensorFlow computes a tensor of `count` values: 8 at
    /// a time with Eigen's packet function (``VectorMath/sigmoid(_:)``), and the last `count % 8`
    /// with its scalar one, `e / (1 + e)` for `e = expf(min(x, 16.6355324))`.
    @usableFromInline
    static func sigmoidInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let whole = count & ~7
        VectorMath.map(x, count: whole, VectorMath.sigmoid)
        for i in whole..<count {
            let e = expf(min(x[i], 16.6355324))
            x[i] = e < Float.leastNormalMagnitude ? 0 : e / (1 + e)  // denormals flushed, as TensorFlow runs
        }
    }

    /// tanh of `count` values in place: TensorFlow's own tanh, bit for bit (``VectorMath/tanh(_:)``).
    @usableFromInline
    static func tanhInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
        VectorMath.map(x, count: count, VectorMath.tanh)
    }

    /// softmax / logSoftmax / sparsemax of one contiguous vector.
    @usableFromInline
    static func axisWise(_ activation: Activation, _ x: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n > 0 else { return }
        switch activation {
        case .softmax:
            // Subtract the max so exp never overflows (as Keras/TF do).
            VectorMath.softmaxRow(x, count: n)
        case .logSoftmax:
            var largest = -Float.infinity
            for i in 0..<n { largest = max(largest, x[i]) }
            var sum: Float = 0
            for i in 0..<n { sum += expf(x[i] - largest) }
            let logSum = logf(sum)
            for i in 0..<n { x[i] = x[i] - largest - logSum }
        case .sparsemax:
            // Exactly as Keras 3 computes it (keras/src/backend/*/nn.py): support where
            // sorted_j - (cumsum_j - 1)/j > 0, and tau = (Σ_support cumsum_j - 1)/k — Keras sums the
            // cumulative sums over the support, not the one at k, and we replay what Keras computes.
            var sorted = (0..<n).map { x[$0] }
            sorted.sort(by: >)
            var cumulative: Float = 0, support: Float = 0, cumulativeSum: Float = 0
            for j in 0..<n {
                cumulative += sorted[j]
                if sorted[j] - (cumulative - 1) / Float(j + 1) > 0 { support += 1; cumulativeSum += cumulative }
            }
            let tau = (cumulativeSum - 1) / support
            for i in 0..<n { x[i] = max(x[i] - tau, 0) }
        default:
            preconditionFailure()
        }
    }
}
