import Testing
@testable import ReplayEngine

/// Einsum's in-place strided products (one free letter per operand, one contracted) against a
/// naive sum over the equation's letters, for the equations Keras' attention layers use and
/// layouts that take the transposed and packed paths. Both sum the contracted axis in order with
/// one rounding per multiply-add, so they agree to the last bit on hardware FMA.
@Suite struct EinsumTests {
    /// `equation` computed letter by letter in Double-free Float FMA, contracted letters in order.
    func naive(_ equation: String, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let einsum = try Einsum(equation)
        let shape = try einsum.outputShape(a.shape, b.shape)
        var size: [Character: Int] = [:]
        for (letter, dimension) in zip(einsum.left + einsum.right, a.shape + b.shape) { size[letter] = dimension }
        let summed = einsum.left.filter { einsum.right.contains($0) && !einsum.output.contains($0) }
        func offset(_ letters: [Character], _ value: [Character: Int]) -> Int {
            letters.reduce(0) { $0 * size[$1]! + value[$1]! }
        }
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        for position in out.indices {
            var value: [Character: Int] = [:]
            var rest = position
            for letter in einsum.output.reversed() { value[letter] = rest % size[letter]!; rest /= size[letter]! }
            var sum: Float = 0
            let terms = summed.reduce(1) { $0 * size[$1]! }
            for term in 0..<terms {
                var remaining = term
                for letter in summed.reversed() { value[letter] = remaining % size[letter]!; remaining /= size[letter]! }
                #if arch(arm64) || REPLAY_HARDWARE_FMA
                sum = sum.addingProduct(a.scalars[offset(einsum.left, value)], b.scalars[offset(einsum.right, value)])
                #else
                sum = Float(Double(sum) + Double(a.scalars[offset(einsum.left, value)]) * Double(b.scalars[offset(einsum.right, value)]))
                #endif
            }
            out[position] = sum
        }
        return Tensor(shape: shape, scalars: out)
    }

    @Test(arguments: [
        // MultiHeadAttention (Keras 3): key·query -> scores (transposed, key packed), weights·value.
        ("aecd,abcd->acbe", [3, 7, 2, 5], [3, 6, 2, 5]),
        ("acbe,aecd->abcd", [3, 2, 6, 7], [3, 7, 2, 5]),
        // Attention: query·keyᵀ and weights·value.
        ("bqd,bkd->bqk", [4, 20, 16], [4, 21, 16]),
        ("bqk,bkd->bqd", [4, 20, 21], [4, 21, 16]),
        // Output with the batch letter innermost: the transposing path.
        ("bij,bjk->ikb", [3, 4, 5], [3, 5, 6]),
        // Plain and transposed-output products without batch letters.
        ("ij,jk->ki", [9, 17], [17, 33]),
        ("ij,kj->ik", [9, 17], [33, 17]),
    ])
    func matchesTheNaiveSum(_ example: (String, [Int], [Int])) throws {
        let (equation, leftShape, rightShape) = example
        var random = SeededValues(seed: UInt64(equation.unicodeScalars.reduce(0) { $0 &* 31 &+ UInt64($1.value) }))
        let a = random.tensor(leftShape), b = random.tensor(rightShape)
        let fast = try Einsum(equation).apply(a, b)
        let expected = try naive(equation, a, b)
        #expect(fast.shape == expected.shape)
        #expect(fast.scalars == expected.scalars, "\(equation): max difference \(maxDifference(fast.scalars, expected.scalars))")
    }
}
