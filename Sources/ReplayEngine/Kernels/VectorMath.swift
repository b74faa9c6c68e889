/// Vectorised `exp`, `sigmoid` and `tanh` for the recurrent gates, 8 lanes at a time.
///
/// `exp` is Cephes' `expf` (Cody–Waite range reduction, degree-6 polynomial, about 1 ulp);
/// `sigmoid = 1/(1 + exp(-x))` as the scalar path computes it; `tanh` is Cephes' `tanhf`
/// (odd polynomial below |x| 0.625, `1 - 2/(exp(2|x|) + 1)` above), a few ulp at most. These
/// replace one libm call per gate value in the time loop. With hardware FMA (`REPLAY_HARDWARE_FMA`)
/// the polynomials and the range reduction use fused multiply-adds (worst case against Double over
/// every 7th float up to magnitude 20: exp 1.0, sigmoid 2.4, tanh 1.3 ulp, as without FMA); the
/// functions are `@_transparent` so the LSTM chunk gets them inlined and their chains overlap.
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

    /// Cephes `tanhf`: odd polynomial below |x| 0.625, `1 - 2/(exp(2|x|) + 1)` above (≤ 1 ulp from
    /// glibc's `tanhf` in a sweep of [-12, 12]). A Double-evaluated variant was tried: slower (the
    /// float↔double lane conversions) and no closer to Keras.
    @_transparent
    static func tanh(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: V.self)
        let large = 1 - 2 / (exp(magnitude + magnitude) + 1)
        let signed = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & 0x8000_0000), to: V.self)
        let z = x * x
        var p = V(repeating: -5.70498872745e-3)
        p = fma(p, z, V(repeating: 2.06390887954e-2))
        p = fma(p, z, V(repeating: -5.37397155531e-2))
        p = fma(p, z, V(repeating: 1.33314422036e-1))
        p = fma(p, z, V(repeating: -3.33332819422e-1))
        let small = fma(p * z, x, x)
        return signed.replacing(with: small, where: magnitude .< 0.625)
    }

    /// ``tanh(_:)`` of two vectors, written out in one block so the two chains overlap.
    @_transparent
    static func tanh(_ a: V, _ b: V) -> (V, V) {
        let bitsA = unsafeBitCast(a, to: SIMD8<UInt32>.self), bitsB = unsafeBitCast(b, to: SIMD8<UInt32>.self)
        let magnitudeA = unsafeBitCast(bitsA & 0x7FFF_FFFF, to: V.self), magnitudeB = unsafeBitCast(bitsB & 0x7FFF_FFFF, to: V.self)
        let ea = exp(magnitudeA + magnitudeA), eb = exp(magnitudeB + magnitudeB)
        let largeA = 1 - 2 / (ea + 1), largeB = 1 - 2 / (eb + 1)
        let signedA = unsafeBitCast(unsafeBitCast(largeA, to: SIMD8<UInt32>.self) | (bitsA & 0x8000_0000), to: V.self)
        let signedB = unsafeBitCast(unsafeBitCast(largeB, to: SIMD8<UInt32>.self) | (bitsB & 0x8000_0000), to: V.self)
        let za = a * a, zb = b * b
        var pa = V(repeating: -5.70498872745e-3), pb = pa
        pa = fma(pa, za, V(repeating: 2.06390887954e-2)); pb = fma(pb, zb, V(repeating: 2.06390887954e-2))
        pa = fma(pa, za, V(repeating: -5.37397155531e-2)); pb = fma(pb, zb, V(repeating: -5.37397155531e-2))
        pa = fma(pa, za, V(repeating: 1.33314422036e-1)); pb = fma(pb, zb, V(repeating: 1.33314422036e-1))
        pa = fma(pa, za, V(repeating: -3.33332819422e-1)); pb = fma(pb, zb, V(repeating: -3.33332819422e-1))
        let smallA = fma(pa * za, a, a), smallB = fma(pb * zb, b, b)
        return (signedA.replacing(with: smallA, where: magnitudeA .< 0.625), signedB.replacing(with: smallB, where: magnitudeB .< 0.625))
    }

    /// The four LSTM gates at once: sigmoid of `zi`, `zf`, `zo` and tanh of `zg`, value for value
    /// what ``sigmoid(_:)`` and ``tanh(_:)`` return, written out in one block so the four
    /// latency-bound exp/division chains overlap (a call per tanh serialised them).
    @_transparent
    static func lstmGates(_ zi: V, _ zf: V, _ zg: V, _ zo: V) -> (i: V, f: V, g: V, o: V) {
        let bits = unsafeBitCast(zg, to: SIMD8<UInt32>.self)
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: V.self)
        // Four independent exp chains in one block, which the CPU overlaps.
        let ei = exp(-zi), ef = exp(-zf), eo = exp(-zo), eg = exp(magnitude + magnitude)
        let i = 1 / (1 + ei), f = 1 / (1 + ef), o = 1 / (1 + eo)
        let large = 1 - 2 / (eg + 1)
        let signed = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & 0x8000_0000), to: V.self)
        let z = zg * zg
        var p = V(repeating: -5.70498872745e-3)
        p = fma(p, z, V(repeating: 2.06390887954e-2))
        p = fma(p, z, V(repeating: -5.37397155531e-2))
        p = fma(p, z, V(repeating: 1.33314422036e-1))
        p = fma(p, z, V(repeating: -3.33332819422e-1))
        let small = fma(p * z, zg, zg)
        let g = signed.replacing(with: small, where: magnitude .< 0.625)
        return (i, f, g, o)
    }

    /// Applies `activation` in place to `count` values; sigmoid and tanh vectorised, others as ``Activation/apply(_:count:rowLength:)``.
    @inline(__always)
    static func apply(_ activation: GateFunction, _ x: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case .sigmoid: map(x, count: count, sigmoid)
        case .tanh: map(x, count: count, tanh)
        case .other(let other): other.apply(x, count: count, rowLength: count)
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
