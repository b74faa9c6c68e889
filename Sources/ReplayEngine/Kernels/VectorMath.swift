/// Vectorised `exp`, `sigmoid` and `tanh` for the recurrent gates, 8 lanes at a time.
///
/// `exp` is Cephes' `expf` (Cody–Waite range reduction, degree-6 polynomial, about 1 ulp);
/// `sigmoid = 1/(1 + exp(-x))` as the scalar path computes it; `tanh` is Eigen's rational
/// function (what TensorFlow's CPU kernels compute). These replace one libm call per gate value
/// in the time loop. With hardware FMA (`REPLAY_HARDWARE_FMA`) the polynomials and the range
/// reduction use fused multiply-adds. Worst case against Double (VectorMathAccuracyTests): exp
/// 0.9, sigmoid 2.0, tanh 4.3 ulp. The functions are `@_transparent` so the LSTM chunk gets them
/// inlined and their chains overlap.
enum VectorMath {
    typealias V = SIMD8<Float>

    /// `a·b + c`: one rounding (`vfmadd`) in a hardware-FMA build, multiply then add otherwise.
    @_transparent
    static func fma(_ a: V, _ b: V, _ c: V) -> V {
        #if arch(arm64) || REPLAY_HARDWARE_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    @_transparent
    static func exp(_ input: V) -> V {
        let low = V(repeating: -87.3365478515625), high = V(repeating: 88.0)
        var x = input.replacing(with: low, where: input .< low)
        x = x.replacing(with: high, where: x .> high)
        // n = round(x·log2 e) with the 1.5·2^23 trick: the sum's low mantissa bits hold n.
        let magic = V(repeating: 12582912.0)
        let shifted = fma(x, V(repeating: 1.44269504088896341), magic)
        let fx = shifted - magic
        x = fma(fx, V(repeating: -0.693359375), x)
        x = fma(fx, V(repeating: 2.12194440e-4), x)
        let z = x * x
        var y = V(repeating: 1.9875691500e-4)
        y = fma(y, x, V(repeating: 1.3981999507e-3))
        y = fma(y, x, V(repeating: 8.3334519073e-3))
        y = fma(y, x, V(repeating: 4.1665795894e-2))
        y = fma(y, x, V(repeating: 1.6666665459e-1))
        y = fma(y, x, V(repeating: 5.0000001201e-1))
        y = fma(y, z, x) + 1
        // 2^n: n + 127 in the exponent field (n = bits(shifted) - bits(magic)).
        let n = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000
        return y * unsafeBitCast((n &+ 127) &<< 23, to: V.self)
    }

    @_transparent
    static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    /// tanh as Eigen computes it for float (TensorFlow's CPU kernels use it): a 13/6-degree odd/even
    /// rational function of the input clamped to ±7.90531110763549805 (where it reaches ±1), and
    /// the input itself below 0.0004. No exp, one division: half the work of Cephes' `tanhf`
    /// (exp-based, used here before; ~5 % of the seed autoencoder's time), at ≤ 4.3 ulp instead
    /// of ≤ 1.2 (VectorMathAccuracyTests); replays stay within 2.4e-7 of Keras either way.
    @_transparent
    static func tanh(_ input: V) -> V {
        let limit = V(repeating: 7.90531110763549805)
        var x = input.replacing(with: limit, where: input .> limit)
        x = x.replacing(with: -limit, where: x .< -limit)
        let x2 = x * x
        var p = fma(x2, V(repeating: -2.76076847742355e-16), V(repeating: 2.00018790482477e-13))
        p = fma(x2, p, V(repeating: -8.60467152213735e-11))
        p = fma(x2, p, V(repeating: 5.12229709037114e-08))
        p = fma(x2, p, V(repeating: 1.48572235717979e-05))
        p = fma(x2, p, V(repeating: 6.37261928875436e-04))
        p = fma(x2, p, V(repeating: 4.89352455891786e-03))
        p = x * p
        var q = fma(x2, V(repeating: 1.19825839466702e-06), V(repeating: 1.18534705686654e-04))
        q = fma(x2, q, V(repeating: 2.26843463243900e-03))
        q = fma(x2, q, V(repeating: 4.89352518554385e-03))
        let magnitude = unsafeBitCast(unsafeBitCast(input, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
        return (p / q).replacing(with: input, where: magnitude .< 0.0004)
    }

    /// The four LSTM gates at once: sigmoid of `zi`, `zf`, `zo` and tanh of `zg`, value for value
    /// what ``sigmoid(_:)`` and ``tanh(_:)`` return, in one block so the latency-bound
    /// exp/division chains overlap.
    @_transparent
    static func lstmGates(_ zi: V, _ zf: V, _ zg: V, _ zo: V) -> (i: V, f: V, g: V, o: V) {
        let ei = exp(-zi), ef = exp(-zf), eo = exp(-zo)
        let i = 1 / (1 + ei), f = 1 / (1 + ef), o = 1 / (1 + eo)
        return (i, f, tanh(zg), o)
    }

    /// Softmax of one row in place, as TensorFlow's kernel computes it: `e = exp(x - max(x))`,
    /// then `e / Σ e` (the sum in 8 partial sums, as Eigen's vectorised reduction keeps it).
    /// `scale`, when given, multiplies each value first (attention's `(q·k)·scale`, rounded as
    /// Keras rounds the scaled scores before the softmax). Replaces a libm `expf` per value: 30 %
    /// of an attention model's time.
    static func softmaxRow(_ x: UnsafeMutablePointer<Float>, count n: Int, scale: Float? = nil) {
        guard n > 0 else { return }
        let full = n & ~7
        if let scale {
            var i = 0
            while i < full { store(load(x + i) * scale, x + i); i += 8 }
            for j in full..<n { x[j] *= scale }
        }
        var largest8 = V(repeating: -.infinity)
        var i = 0
        while i < full { largest8 = pointwiseMax(largest8, load(x + i)); i += 8 }
        var largest = largest8.max()
        for j in full..<n { largest = max(largest, x[j]) }
        let shift = V(repeating: largest)
        var sum8 = V()
        i = 0
        while i < full {
            let e = exp(load(x + i) - shift)
            store(e, x + i)
            sum8 += e
            i += 8
        }
        var sum = sum8.sum()
        if full < n {
            var tail = V(repeating: largest)
            for j in full..<n { tail[j - full] = x[j] }
            let e = exp(tail - shift)
            for j in full..<n { x[j] = e[j - full]; sum += e[j - full] }
        }
        let total = V(repeating: sum)
        i = 0
        while i < full { store(load(x + i) / total, x + i); i += 8 }
        for j in full..<n { x[j] /= sum }
    }

    @_transparent
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @_transparent
    static func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    @_transparent
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// Applies `activation` in place to `count` values; sigmoid and tanh vectorised, others as ``Activation/apply(_:count:rowLength:)`` (axis-wise ones over rows of `rowLength`, default all `count`).
    @inline(__always)
    static func apply(_ activation: GateFunction, _ x: UnsafeMutablePointer<Float>, count: Int, rowLength: Int? = nil) {
        switch activation {
        case .sigmoid: map(x, count: count, sigmoid)
        case .tanh: map(x, count: count, tanh)
        case .other(let other): other.apply(x, count: count, rowLength: rowLength ?? count)
        }
    }

    @inline(__always)
    static func map(_ x: UnsafeMutablePointer<Float>, count: Int, _ f: (V) -> V) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: f(v), as: V.self)
            i += 8
        }
        if i < count {
            var v = V()
            for lane in 0..<(count - i) { v[lane] = x[i + lane] }
            let r = f(v)
            for lane in 0..<(count - i) { x[i + lane] = r[lane] }
        }
    }
}

/// An elementwise activation as the time loop dispatches it: the vectorised cases without payloads.
enum GateFunction: Sendable {
    case sigmoid, tanh
    case other(Activation)

    init(_ activation: Activation) {
        switch activation {
        case .sigmoid: self = .sigmoid
        case .tanh: self = .tanh
        default: self = .other(activation)
        }
    }
}
