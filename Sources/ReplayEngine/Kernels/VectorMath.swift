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
        var x = input.clamped(lowerBound: V(repeating: -87.3365478515625), upperBound: V(repeating: 88.0))
        let fx = (x * 1.44269504088896341 + 0.5).rounded(.down)
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
        let exponent = (SIMD8<Int32>(fx) &+ 127) &<< 23
        return y * V(bitPattern: SIMD8<UInt32>(truncatingIfNeeded: exponent))
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V { 1 / (1 + exp(-x)) }

    @inline(__always)
    static func tanh(_ x: V) -> V {
        let magnitude = abs(x)
        // Large |x|: 1 - 2/(e^{2|x|} + 1), sign restored.
        let large = 1 - 2 / (exp(magnitude + magnitude) + 1)
        let signed = V(bitPattern: large.bitPattern | (x.bitPattern & 0x8000_0000))
        // Small |x|: Cephes polynomial.
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
    static func apply(_ activation: Activation, _ x: UnsafeMutablePointer<Float>, count: Int) {
        switch activation {
        case .sigmoid: map(x, count: count, sigmoid)
        case .tanh: map(x, count: count, tanh)
        default: activation.apply(x, count: count, rowLength: count)
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
