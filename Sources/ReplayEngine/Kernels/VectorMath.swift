/// Vectorised `exp`, `sigmoid` and `tanh` for the recurrent gates, 8 lanes at a time.
///
/// `exp` is Cephes' `expf` (Cody–Waite range reduction, degree-6 polynomial, about 1 ulp);
/// `sigmoid = 1/(1 + exp(-x))` as the scalar path computes it; `tanh` is Cephes' `tanhf`
/// (odd polynomial below |x| 0.625, `1 - 2/(exp(2|x|) + 1)` above), a few ulp at most. These
/// replace one libm call per gate value in the time loop.
enum VectorMath {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func exp(_ input: V) -> V {
        let low = V(repeating: -87.3365478515625), high = V(repeating: 88.0)
        var x = input.replacing(with: low, where: input .< low)
        x = x.replacing(with: high, where: x .> high)
        // n = round(x·log2 e) with the 1.5·2^23 trick: the sum's low mantissa bits hold n.
        let magic = V(repeating: 12582912.0)
        let shifted = x * 1.44269504088896341 + magic
        let fx = shifted - magic
        x = x - fx * 0.693359375
        x = x - fx * -2.12194440e-4
        let z = x * x
        var y = V(repeating: 1.9875691500e-4)
        y = y * x + 1.3981999507e-3
        y = y * x + 8.3334519073e-3
        y = y * x + 4.1665795894e-2
        y = y * x + 1.6666665459e-1
        y = y * x + 5.0000001201e-1
        y = y * z + x + 1
        // 2^n: n + 127 in the exponent field (n = bits(shifted) - bits(magic)).
        let n = unsafeBitCast(shifted, to: SIMD8<UInt32>.self) &- 0x4B40_0000
        return y * unsafeBitCast((n &+ 127) &<< 23, to: V.self)
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    /// Cephes `tanhf`: odd polynomial below |x| 0.625, `1 - 2/(exp(2|x|) + 1)` above (≤ 1 ulp from
    /// glibc's `tanhf` in a sweep of [-12, 12]). A Double-evaluated variant was tried: slower (the
    /// float↔double lane conversions) and no closer to Keras.
    @inline(__always)
    static func tanh(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let magnitude = unsafeBitCast(bits & 0x7FFF_FFFF, to: V.self)
        let large = 1 - 2 / (exp(magnitude + magnitude) + 1)
        let signed = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & 0x8000_0000), to: V.self)
        let z = x * x
        var p = V(repeating: -5.70498872745e-3)
        p = p * z + 2.06390887954e-2
        p = p * z - 5.37397155531e-2
        p = p * z + 1.33314422036e-1
        p = p * z - 3.33332819422e-1
        let small = p * z * x + x
        return signed.replacing(with: small, where: magnitude .< 0.625)
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
