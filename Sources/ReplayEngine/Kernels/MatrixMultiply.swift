/// Single-precision matrix multiply, `C (m, n) = A (m, k) · B (k, n)` (or `C += A·B`), all row-major.
///
/// Register-blocked: 4 rows of A × 16 columns of B live in SIMD16 accumulators while k runs, so
/// every loaded B vector is used 4 times. Cache-blocked: a panel of `kBlock` rows × 16 columns of B
/// (≤ 16 KiB) stays in L1 while all rows of A stream past it. Each output element is summed in
/// plain k order (0, 1, 2, ...), whatever the blocking and wherever the element falls (vector lane
/// or scalar tail), so results do not depend on m (a batch of 1 gives the same numbers as 64).
///
/// Rounding, ``MultiplyAdd``: `.fused` (the default) rounds once per multiply-add like an FMA
/// instruction — that is what TensorFlow's CPU kernels do, and with it Dense and Conv1D outputs
/// match Keras bit for bit on the sample checkpoints (unfused: up to ~2e-7 off). On arm64 it is
/// the FMA instruction. The package builds x86-64 for the baseline CPU (no FMA), where Swift's
/// `addingProduct` becomes a `fmaf` library call per lane (~30× slower), so there it is
/// emulated in Double: `a·b` is exact in Double and the sum is rounded to Float (equal to a true
/// FMA except in vanishingly rare double-rounding ties), ~4.5× slower than `.separate`. Package.swift
/// builds ReplayEngine for `-target-cpu haswell` (AVX2 + FMA; `skylake-avx512` with AVX-512) and defines `REPLAY_HARDWARE_FMA`,
/// which makes `.fused` the `vfmadd` instruction: same numbers, and the fastest rule of all.
public enum MatrixMultiply {
    /// How each `c += a·b` is rounded.
    public enum MultiplyAdd: Sendable {
        /// One rounding per multiply-add (FMA semantics), as TensorFlow computes.
        case fused
        /// Multiply, round, add, round: fastest on x86-64 without FMA.
        case separate
    }

    /// Rows of B per cache block.
    @usableFromInline static let kBlock = 256

    /// `c = a·b` (or `c += a·b` with `accumulate`). `c` must not alias `a` or `b`.
    @inlinable
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>,
                                m: Int, k: Int, n: Int, accumulate: Bool = false, rounding: MultiplyAdd = .fused) {
        if !accumulate { c.initialize(repeating: 0, count: m * n) }
        multiply(a, lda: k, b, ldb: n, into: c, ldc: n, m: m, k: k, n: n, rounding: rounding)
    }

    /// `c += a·b` with rows `lda`, `ldb` and `ldc` apart (views into larger tensors: an einsum's
    /// per-head blocks multiply in place, without transposing the operands first).
    @inlinable
    public static func multiply(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, k: Int, n: Int, rounding: MultiplyAdd = .fused) {
        guard m > 0, n > 0, k > 0 else { return }
        var k0 = 0
        while k0 < k {
            let kCount = min(kBlock, k - k0)
            switch rounding {
            case .fused: panel(FusedMultiplyAdd.self, a + k0, lda: lda, b + k0 * ldb, ldb: ldb, c, ldc: ldc, m: m, k: kCount, n: n)
            case .separate: panel(SeparateMultiplyAdd.self, a + k0, lda: lda, b + k0 * ldb, ldb: ldb, c, ldc: ldc, m: m, k: kCount, n: n)
            }
            k0 += kCount
        }
    }

    /// Array convenience: returns `a·b` for row-major `a (m, k)` and `b (k, n)`.
    public static func multiply(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int, rounding: MultiplyAdd = .fused) -> [Float] {
        precondition(a.count == m * k && b.count == k * n)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    guard let ca = c.baseAddress, let aa = a.baseAddress, let ba = b.baseAddress else { return }
                    multiply(aa, ba, into: ca, m: m, k: k, n: n, accumulate: true, rounding: rounding)
                }
            }
        }
        return c
    }

    /// `c += a·b` for one k block; rows of `a`, `b` and `c` are `lda`, `ldb` and `ldc` apart.
    @inlinable
    static func panel<Rule: MultiplyAddRule>(_ rule: Rule.Type, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                             _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, k: Int, n: Int) {
        var j = 0
        while j + 16 <= n {
            var i = 0
            while i + 4 <= m {
                block4x16(rule, a + i * lda, lda: lda, b + j, ldb: ldb, c + i * ldc + j, ldc: ldc, k: k)
                i += 4
            }
            while i < m {
                block1x16(rule, a + i * lda, b + j, ldb: ldb, c + i * ldc + j, k: k)
                i += 1
            }
            j += 16
        }
        if j + 8 <= n {
            for i in 0..<m { block1x8(rule, a + i * lda, b + j, ldb: ldb, c + i * ldc + j, k: k) }
            j += 8
        }
        if j + 4 <= n {
            // Attention's 20-wide score rows: 16 + 4, not 16 + 4 scalar columns.
            for i in 0..<m { block1x4(rule, a + i * lda, b + j, ldb: ldb, c + i * ldc + j, k: k) }
            j += 4
        }
        if j < n {
            for i in 0..<m {
                let row = a + i * lda
                for column in j..<n {
                    var sum = c[i * ldc + column]
                    for p in 0..<k { sum = Rule.add(sum, row[p], b[p * ldb + column]) }
                    c[i * ldc + column] = sum
                }
            }
        }
    }

    @inlinable @inline(__always)
    static func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inlinable @inline(__always)
    static func store16(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    @inlinable @inline(__always)
    static func block4x16<Rule: MultiplyAddRule>(_ rule: Rule.Type, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                                                 _ c: UnsafeMutablePointer<Float>, ldc: Int, k: Int) {
        var c0 = load16(c), c1 = load16(c + ldc), c2 = load16(c + 2 * ldc), c3 = load16(c + 3 * ldc)
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda
        var bp = b
        for p in 0..<k {
            let bv = load16(bp)
            c0 = Rule.add(c0, a0[p], bv)
            c1 = Rule.add(c1, a1[p], bv)
            c2 = Rule.add(c2, a2[p], bv)
            c3 = Rule.add(c3, a3[p], bv)
            bp += ldb
        }
        store16(c0, c); store16(c1, c + ldc); store16(c2, c + 2 * ldc); store16(c3, c + 3 * ldc)
    }

    @inlinable @inline(__always)
    static func block1x16<Rule: MultiplyAddRule>(_ rule: Rule.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, ldb: Int,
                                                 _ c: UnsafeMutablePointer<Float>, k: Int) {
        var c0 = load16(c)
        var bp = b
        for p in 0..<k {
            c0 = Rule.add(c0, a[p], load16(bp))
            bp += ldb
        }
        store16(c0, c)
    }

    @inlinable @inline(__always)
    static func block1x8<Rule: MultiplyAddRule>(_ rule: Rule.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, ldb: Int,
                                                _ c: UnsafeMutablePointer<Float>, k: Int) {
        var c0 = UnsafeRawPointer(c).loadUnaligned(as: SIMD8<Float>.self)
        var bp = b
        for p in 0..<k {
            c0 = Rule.add(c0, a[p], UnsafeRawPointer(bp).loadUnaligned(as: SIMD8<Float>.self))
            bp += ldb
        }
        UnsafeMutableRawPointer(c).storeBytes(of: c0, as: SIMD8<Float>.self)
    }

    @inlinable @inline(__always)
    static func block1x4<Rule: MultiplyAddRule>(_ rule: Rule.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, ldb: Int,
                                                _ c: UnsafeMutablePointer<Float>, k: Int) {
        var c0 = UnsafeRawPointer(c).loadUnaligned(as: SIMD4<Float>.self)
        var bp = b
        for p in 0..<k {
            c0 = Rule.add(c0, a[p], UnsafeRawPointer(bp).loadUnaligned(as: SIMD4<Float>.self))
            bp += ldb
        }
        UnsafeMutableRawPointer(c).storeBytes(of: c0, as: SIMD4<Float>.self)
    }
}

/// `sum + s·v` with a given rounding; chosen once per multiply so the loops specialize.
@usableFromInline
protocol MultiplyAddRule {
    static func add(_ sum: Float, _ a: Float, _ b: Float) -> Float
    static func add(_ sum: SIMD4<Float>, _ s: Float, _ v: SIMD4<Float>) -> SIMD4<Float>
    static func add(_ sum: SIMD8<Float>, _ s: Float, _ v: SIMD8<Float>) -> SIMD8<Float>
    static func add(_ sum: SIMD16<Float>, _ s: Float, _ v: SIMD16<Float>) -> SIMD16<Float>
}

/// One rounding per multiply-add (see ``MatrixMultiply``).
@usableFromInline
enum FusedMultiplyAdd: MultiplyAddRule {
    @inlinable @inline(__always)
    static func add(_ sum: Float, _ a: Float, _ b: Float) -> Float {
        #if arch(arm64) || REPLAY_HARDWARE_FMA
        return sum.addingProduct(a, b)
        #else
        return Float(Double(sum) + Double(a) * Double(b))
        #endif
    }

    @inlinable @inline(__always)
    static func add(_ sum: SIMD4<Float>, _ s: Float, _ v: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(arm64) || REPLAY_HARDWARE_FMA
        return sum.addingProduct(s, v)
        #else
        return SIMD4<Float>(SIMD4<Double>(sum) + Double(s) * SIMD4<Double>(v))
        #endif
    }

    @inlinable @inline(__always)
    static func add(_ sum: SIMD8<Float>, _ s: Float, _ v: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(arm64) || REPLAY_HARDWARE_FMA
        return sum.addingProduct(s, v)
        #else
        return SIMD8<Float>(SIMD8<Double>(sum) + Double(s) * SIMD8<Double>(v))
        #endif
    }

    @inlinable @inline(__always)
    static func add(_ sum: SIMD16<Float>, _ s: Float, _ v: SIMD16<Float>) -> SIMD16<Float> {
        #if arch(arm64) || REPLAY_HARDWARE_FMA
        return sum.addingProduct(s, v)
        #else
        let scale = Double(s)
        let low = SIMD8<Double>(sum.lowHalf) + scale * SIMD8<Double>(v.lowHalf)
        let high = SIMD8<Double>(sum.highHalf) + scale * SIMD8<Double>(v.highHalf)
        return SIMD16<Float>(lowHalf: SIMD8<Float>(low), highHalf: SIMD8<Float>(high))
        #endif
    }
}

/// Multiply, round, add, round.
@usableFromInline
enum SeparateMultiplyAdd: MultiplyAddRule {
    @inlinable @inline(__always)
    static func add(_ sum: Float, _ a: Float, _ b: Float) -> Float { sum + a * b }
    @inlinable @inline(__always)
    static func add(_ sum: SIMD4<Float>, _ s: Float, _ v: SIMD4<Float>) -> SIMD4<Float> { sum + s * v }
    @inlinable @inline(__always)
    static func add(_ sum: SIMD8<Float>, _ s: Float, _ v: SIMD8<Float>) -> SIMD8<Float> { sum + s * v }
    @inlinable @inline(__always)
    static func add(_ sum: SIMD16<Float>, _ s: Float, _ v: SIMD16<Float>) -> SIMD16<Float> { sum + s * v }
}
