/// Vectorised `exp`, `sigmoid` and `tanh` for the recurrent gates, 8 lanes at a time.
///
/// `sigmoid` and `tanh` are TensorFlow 2.21's own (Eigen's packet functions as TensorFlow's PyPI
/// build compiles them: no FMA), so a recurrent layer of a tf-keras 2.21 or Keras 3.15 file
/// replays bit for bit — LSTM, GRU and SimpleRNN outputs of the zoo models equal
/// `model.predict`'s exactly. `exp` (softmax) is Cephes' `expf` (Cody–Waite range reduction,
/// degree-6 polynomial, about 1 ulp; with hardware FMA, `REPLAY_HARDWARE_FMA`, its polynomial
/// uses fused multiply-adds). Worst case against Double (VectorMathAccuracyTests): exp 0.9,
/// sigmoid and tanh a few ulp. The functions are `@_transparent` so the LSTM chunk gets them
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

    /// sigmoid as TensorFlow 2.21's CPU kernels compute it, bit for bit (Eigen's
    /// `scalar_logistic_op<float>` packet path, each multiply and add rounded separately as in
    /// TensorFlow's PyPI build): `e = exp(x/2)²` from a Cephes range reduction and a degree-5
    /// polynomial, then `e / (1 + e)`; 0 below -104 and where `e` is a denormal (TensorFlow flushes
    /// them to zero), x clamped at 16.6355324 (where it reaches 1).
    @_transparent
    static func sigmoid(_ input: V) -> V {
        // Below -104 Eigen returns 0; clamped there, e below underflows to 0 (flushed) all the same.
        let high = V(repeating: 16.6355324), low = V(repeating: -104), half = V(repeating: 0.5)
        var x = input.replacing(with: high, where: input .> high)
        x = x.replacing(with: low, where: x .< low) * half
        // floor without a per-lane call: round to nearest with the 1.5·2^23 trick, then step
        // down where that rounded up (exact for these |v| < 2^22).
        let v = x * V(repeating: 1.44269504088896341) + half
        let magic = V(repeating: 12582912.0)
        let nearest = (v + magic) - magic
        let m = nearest - V(repeating: 1).replacing(with: 0, where: nearest .<= v)
        x = m * V(repeating: -0.693359375) + x
        let r = m * V(repeating: 2.12194440e-4) + x
        let r2 = r * r
        let even = r2 * V(repeating: 4.1898667812347412109375e-2) + V(repeating: 0.49999141693115234375)
        let odd = r2 * V(repeating: 8.33471305668354034423828125e-3) + V(repeating: 0.16666877269744873046875)
        var p = r * odd + even
        p = r2 * p + (r + 1)
        // 2^m (m in -53...12 here): the integer m + 127 sits in the low mantissa bits of
        // m + 127 + 2^23; moved to the exponent field. No float-to-integer conversion, which
        // would trap on NaN.
        let biased = unsafeBitCast(m + V(repeating: 127 + 8388608.0), to: SIMD8<UInt32>.self) &- 0x4B00_0000
        var e = p * unsafeBitCast(biased &<< 23, to: V.self)
        e = e * e
        // TensorFlow runs its kernels with denormals flushed to zero: sigmoid(-90) is 0 there.
        e = e.replacing(with: 0, where: e .< Float.leastNormalMagnitude)
        return e / (1 + e)
    }

    /// tanh as TensorFlow 2.21's CPU kernels compute it, bit for bit (checked on 200,000 values
    /// against `tf.tanh` of the TensorFlow that writes tf-keras 2.21 and Keras 3.15 files): Eigen's
    /// 9/8-degree odd/even rational function of the input clamped to ±7.90738964080810547 (where
    /// it reaches ±1), with each multiply and add rounded separately — TensorFlow's PyPI build has
    /// no FMA, and with one the last bit differs in 30 % of values. The 13/6-degree function of
    /// older Eigen, used here before, differed from it by up to 6 ulp, enough to move a 100-step
    /// SimpleRNN 1.1e-6 away from Keras. ≤ 2 ulp from the true tanh (VectorMathAccuracyTests);
    /// Theano-era files, whose tanh was libm's, stay well within 1e-6 too.
    @_transparent
    static func tanh(_ input: V) -> V {
        let limit = V(repeating: 7.90738964080810547)
        var x = input.replacing(with: limit, where: input .> limit)
        x = x.replacing(with: -limit, where: x .< -limit)
        let x2 = x * x, x3 = x2 * x
        var p = V(repeating: 1.394553628e-8) * x2 + V(repeating: 2.102733560e-5)
        p = p * x2 + V(repeating: 3.520756727e-3)
        p = p * x2 + V(repeating: 1.340216100e-1)
        var q = V(repeating: 8.015776984e-7) * x2 + V(repeating: 3.326951409e-4)
        q = q * x2 + V(repeating: 2.597254514e-2)
        q = q * x2 + V(repeating: 4.673548340e-1)
        q = q * x2 + V(repeating: 1)
        return (x3 * p + x) / q
    }

    /// The four LSTM gates at once: sigmoid of `zi`, `zf`, `zo` and tanh of `zg`, value for value
    /// what ``sigmoid(_:)`` and ``tanh(_:)`` return, in one block so the latency-bound
    /// exp/division chains overlap.
    @_transparent
    static func lstmGates(_ zi: V, _ zf: V, _ zg: V, _ zo: V) -> (i: V, f: V, g: V, o: V) {
        (sigmoid(zi), sigmoid(zf), tanh(zg), sigmoid(zo))
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
