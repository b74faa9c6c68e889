/// A constant right-hand matrix `B (k, n)` packed for ``MatrixMultiply/multiply(_:lda:_:into:ldc:m:)``:
/// panels of 16 columns, each panel `k × 16` contiguous (the last one zero-padded), so the
/// micro-kernel streams B with unit stride. Packed once, when a layer is built.
public struct PackedMatrix: Sendable {
    public let k: Int
    public let n: Int
    let panels: Int
    let storage: [Float]

    public init(_ b: [Float], k: Int, n: Int) {
        precondition(b.count == k * n)
        self.k = k
        self.n = n
        panels = (n + 15) / 16
        var packed = [Float](repeating: 0, count: max(panels * k * 16, 1))
        for panel in 0..<panels {
            for p in 0..<k {
                for lane in 0..<16 where panel * 16 + lane < n {
                    packed[(panel * k + p) * 16 + lane] = b[p * n + panel * 16 + lane]
                }
            }
        }
        storage = packed
    }
}

extension MatrixMultiply {
    /// `c = a·b` for `a (m, k)` with row stride `lda` and `c (m, n)` with row stride `ldc`.
    ///
    /// Every element is summed in plain k order from zero with one rounding per multiply-add
    /// (``FusedMultiplyAdd``), so the numbers equal ``multiply(_:_:into:m:k:n:accumulate:rounding:)``
    /// with `.fused` and do not depend on m. Register-blocked: up to 6 rows × 16 columns of
    /// accumulators (12 AVX registers); a single row walks 4 panels at once (8 independent chains).
    public static func multiply(_ a: UnsafePointer<Float>, lda: Int, _ b: PackedMatrix,
                                into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int) {
        multiply(a, lda: lda, b, panels: 0..<b.panels, into: c, ldc: ldc, m: m)
    }

    /// The columns of `panels` (16 each, panel `p` = columns `16p ..< 16p + 16`) of `c = a·b`,
    /// written at their own columns of `c`; the rest of `c` is untouched. Same numbers as the
    /// whole product: each column's sum does not depend on which others are computed. Lets
    /// threads share one step's product by columns (see `RecurrentDriver.unitSplitTimeLoop`).
    static func multiply(_ a: UnsafePointer<Float>, lda: Int, _ b: PackedMatrix, panels: Range<Int>,
                         into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int) {
        let k = b.k, n = b.n
        guard m > 0, n > 0, !panels.isEmpty else { return }
        guard k > 0 else {
            for i in 0..<m {
                for panel in panels { (c + i * ldc + panel * 16).initialize(repeating: 0, count: min(16, n - panel * 16)) }
            }
            return
        }
        b.storage.withUnsafeBufferPointer { storage in
            let packed = storage.baseAddress!
            if m == 1 {
                var panel = panels.lowerBound
                while panel + 4 <= panels.upperBound {
                    row1x64(a, packed + panel * k * 16, k: k, c + panel * 16, columns: n - panel * 16)
                    panel += 4
                }
                while panel < panels.upperBound {
                    micro(1, a, lda: lda, packed + panel * k * 16, k: k, c + panel * 16, ldc: ldc, columns: n - panel * 16)
                    panel += 1
                }
                return
            }
            // Row blocks of (nearly) equal height: 32 rows as 6+6+5+5+5+5, not 6+6+6+6+6+2. A block
            // of 1-3 rows has too few accumulator chains (2 per row) to hide the FMA latency.
            let blocks = (m + 5) / 6
            for panel in panels {
                let bp = packed + panel * k * 16, cp = c + panel * 16, columns = n - panel * 16
                var i = 0
                for block in 0..<blocks {
                    let rows = (m - i) / (blocks - block)
                    switch rows {
                    case 6: micro(6, a + i * lda, lda: lda, bp, k: k, cp + i * ldc, ldc: ldc, columns: columns)
                    case 5: micro(5, a + i * lda, lda: lda, bp, k: k, cp + i * ldc, ldc: ldc, columns: columns)
                    case 4: micro(4, a + i * lda, lda: lda, bp, k: k, cp + i * ldc, ldc: ldc, columns: columns)
                    case 3: micro(3, a + i * lda, lda: lda, bp, k: k, cp + i * ldc, ldc: ldc, columns: columns)
                    case 2: micro(2, a + i * lda, lda: lda, bp, k: k, cp + i * ldc, ldc: ldc, columns: columns)
                    default: micro(1, a + i * lda, lda: lda, bp, k: k, cp + i * ldc, ldc: ldc, columns: columns)
                    }
                    i += rows
                }
            }
        }
    }

    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ c: UnsafeMutablePointer<Float>, columns: Int) {
        if columns >= 16 {
            store16(v, c)
        } else {
            for lane in 0..<columns { c[lane] = v[lane] }
        }
    }

    /// `rows` (1...6, a constant at every call site) rows × one 16-column panel. `@_transparent`:
    /// `@inline(__always)` was not always honoured once the multiply had several callers, and an
    /// outlined copy tests `rows` inside the k loop (50 % slower).
    @_transparent
    static func micro(_ rows: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, k: Int,
                      _ c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int) {
        var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>()
        var c3 = SIMD16<Float>(), c4 = SIMD16<Float>(), c5 = SIMD16<Float>()
        let a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda
        var bp = b
        for p in 0..<k {
            let bv = load16(bp)
            c0 = FusedMultiplyAdd.add(c0, a0[p], bv)
            if rows > 1 { c1 = FusedMultiplyAdd.add(c1, a1[p], bv) }
            if rows > 2 { c2 = FusedMultiplyAdd.add(c2, a2[p], bv) }
            if rows > 3 { c3 = FusedMultiplyAdd.add(c3, a3[p], bv) }
            if rows > 4 { c4 = FusedMultiplyAdd.add(c4, a4[p], bv) }
            if rows > 5 { c5 = FusedMultiplyAdd.add(c5, a5[p], bv) }
            bp += 16
        }
        store(c0, c, columns: columns)
        if rows > 1 { store(c1, c + ldc, columns: columns) }
        if rows > 2 { store(c2, c + 2 * ldc, columns: columns) }
        if rows > 3 { store(c3, c + 3 * ldc, columns: columns) }
        if rows > 4 { store(c4, c + 4 * ldc, columns: columns) }
        if rows > 5 { store(c5, c + 5 * ldc, columns: columns) }
    }

    /// One row × four consecutive panels (64 columns): the matrix-vector case (batch 1).
    @inline(__always)
    static func row1x64(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, k: Int, _ c: UnsafeMutablePointer<Float>, columns: Int) {
        var c0 = SIMD16<Float>(), c1 = SIMD16<Float>(), c2 = SIMD16<Float>(), c3 = SIMD16<Float>()
        let stride = k * 16
        var bp = b
        for p in 0..<k {
            let s = a[p]
            c0 = FusedMultiplyAdd.add(c0, s, load16(bp))
            c1 = FusedMultiplyAdd.add(c1, s, load16(bp + stride))
            c2 = FusedMultiplyAdd.add(c2, s, load16(bp + 2 * stride))
            c3 = FusedMultiplyAdd.add(c3, s, load16(bp + 3 * stride))
            bp += 16
        }
        store(c0, c, columns: columns)
        store(c1, c + 16, columns: columns - 16)
        store(c2, c + 32, columns: columns - 32)
        store(c3, c + 48, columns: columns - 48)
    }
}
