import Testing
@testable import ReplayEngine

@Suite struct MatrixMultiplyTests {
    func naive(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { var s: Float = 0; for p in 0..<k { s += a[i * k + p] * b[p * n + j] }; c[i * n + j] = s } }
        return c
    }

    @Test(arguments: [(1, 1, 1), (1, 7, 33), (33, 7, 1), (5, 3, 16), (4, 300, 17), (13, 9, 40), (7, 260, 24), (64, 50, 200)])
    func matchesNaiveTripleLoop(_ size: (Int, Int, Int)) {
        let (m, k, n) = size
        var random = SeededValues(seed: UInt64(m * 10_000 + k * 100 + n))
        let a = random.tensor([m, k]).scalars, b = random.tensor([k, n]).scalars
        let fast = MatrixMultiply.multiply(a, b, m: m, k: k, n: n)
        // Both sum in k order; the only slack is fused vs unfused multiply-add on arm64.
        #expect(maxDifference(fast, naive(a, b, m: m, k: k, n: n)) <= 1e-5)
    }

    @Test func accumulateAddsToExistingValues() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [1, 0, 0, 1]
        var c: [Float] = [10, 20, 30, 40]
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
            MatrixMultiply.multiply(a.baseAddress!, b.baseAddress!, into: c.baseAddress!, m: 2, k: 2, n: 2, accumulate: true)
        } } }
        #expect(c == [11, 22, 33, 44])
    }

    @Test func rowResultsDoNotDependOnBatchSize() {
        var random = SeededValues(seed: 7)
        let a = random.tensor([9, 31]).scalars, b = random.tensor([31, 45]).scalars
        let all = MatrixMultiply.multiply(a, b, m: 9, k: 31, n: 45)
        let lastRow = MatrixMultiply.multiply(Array(a[(8 * 31)...]), b, m: 1, k: 31, n: 45)
        #expect(Array(all[(8 * 45)...]) == lastRow)
    }
}
