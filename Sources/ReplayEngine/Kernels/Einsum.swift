/// A two-operand einsum such as `abc,cde->abde` (Keras `EinsumDense`, the projections and score
/// products of `MultiHeadAttention`), computed as TensorFlow does: both operands transposed so
/// the letters line up as `(batch…, free…, contracted…)` and `(batch…, contracted…, free…)`,
/// then one matrix product per batch index, `(M, K) · (K, N)`, then the result transposed to
/// the output order. Letters:
/// - batch: in both operands and the output;
/// - contracted: in both operands, not the output (summed);
/// - free: in one operand and the output.
/// A leading `...` stands for the same leading axes in the left operand and the output (the
/// right operand, a kernel, has none).
public struct Einsum: Sendable, Equatable {
    public let left: [Character]
    public let right: [Character]
    public let output: [Character]
    /// How many leading axes `...` stands for is known only from the left operand's rank.
    public let leftEllipsis: Bool

    /// Parses `equation`; throws a message for forms it does not compute (a letter summed in
    /// one operand only, repeated letters, `...` in the right operand).
    public init(_ equation: String) throws {
        let compact = String(equation.filter { !$0.isWhitespace })
        let characters = Array(compact)
        guard let arrow = characters.indices.dropLast().first(where: { characters[$0] == "-" && characters[$0 + 1] == ">" }) else {
            throw EinsumError("einsum '\(equation)' has no '->'")
        }
        let sides = [String(characters[..<arrow]), String(characters[(arrow + 2)...])]
        let operands = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard operands.count == 2 else { throw EinsumError("einsum '\(equation)' needs exactly two operands") }
        leftEllipsis = operands[0].hasPrefix("...")
        guard !operands[1].contains("."), leftEllipsis == sides[1].hasPrefix("..."),
              !operands[0].dropFirst(leftEllipsis ? 3 : 0).contains("."), !sides[1].dropFirst(leftEllipsis ? 3 : 0).contains(".") else {
            throw EinsumError("einsum '\(equation)': '...' is supported only at the start of the first operand and the output")
        }
        left = Array(operands[0].dropFirst(leftEllipsis ? 3 : 0))
        right = Array(operands[1])
        output = Array(sides[1].dropFirst(leftEllipsis ? 3 : 0))
        for letters in [left, right, output] {
            guard letters.allSatisfy({ $0.isLetter }), Set(letters).count == letters.count else {
                throw EinsumError("einsum '\(equation)': each operand must name each axis once, with letters")
            }
        }
        for letter in left + right where !output.contains(letter) && !(left.contains(letter) && right.contains(letter)) {
            throw EinsumError("einsum '\(equation)': '\(letter)' is summed within one operand, which keras-replay does not compute")
        }
        for letter in output where !left.contains(letter) && !right.contains(letter) {
            throw EinsumError("einsum '\(equation)': output axis '\(letter)' comes from no operand")
        }
    }

    /// The output shape for operands of `leftShape` and `rightShape`; throws when they do not fit.
    public func outputShape(_ leftShape: [Int], _ rightShape: [Int]) throws -> [Int] {
        let plan = try Plan(self, leftShape, rightShape)
        return plan.outputShape
    }

    /// `left ⊗ right` per the equation.
    public func apply(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let plan = try Plan(self, a.shape, b.shape)
        return plan.run(a.scalars, b.scalars)
    }

    /// The equation's axes resolved for concrete shapes.
    struct Plan {
        var leftPermutation: [Int]
        var rightPermutation: [Int]
        var batch: Int, m: Int, k: Int, n: Int
        /// Shape of the product `(batch…, leftFree…, rightFree…)` and the permutation to the output.
        var productShape: [Int]
        var outputPermutation: [Int]
        var outputShape: [Int]
        var leftShape: [Int], rightShape: [Int]
        /// One free letter per operand and one contracted letter: the products run on views of
        /// the operands in place (``StridedProduct``), with no transposed copies.
        var strided: StridedProduct?

        init(_ einsum: Einsum, _ leftShape: [Int], _ rightShape: [Int]) throws {
            let ellipsisRank = einsum.leftEllipsis ? leftShape.count - einsum.left.count : 0
            guard ellipsisRank >= 0, leftShape.count == ellipsisRank + einsum.left.count, rightShape.count == einsum.right.count else {
                throw EinsumError("einsum operands of shape \(Tensor.describe(leftShape)) and \(Tensor.describe(rightShape)) do not fit its \(einsum.left.count) and \(einsum.right.count) letters")
            }
            // Name the ellipsis axes with private characters so every axis is a letter.
            let ellipsis = (0..<ellipsisRank).map { Character(UnicodeScalar(0xE000 + $0)!) }
            let left = ellipsis + einsum.left, output = ellipsis + einsum.output, right = einsum.right
            // A handful of letters: a linear list, not a hashed dictionary (built on every call).
            var letters: [Character] = [], sizes: [Int] = []
            for (letter, dimension) in zip(left + right, leftShape + rightShape) {
                if let known = letters.firstIndex(of: letter) {
                    guard sizes[known] == dimension else {
                        throw EinsumError("einsum axis '\(letter)' is \(sizes[known]) in one operand and \(dimension) in the other")
                    }
                } else {
                    letters.append(letter)
                    sizes.append(dimension)
                }
            }
            func size(_ letter: Character) -> Int { sizes[letters.firstIndex(of: letter)!] }
            let batchLetters = output.filter { left.contains($0) && right.contains($0) }
            let contracted = left.filter { right.contains($0) && !output.contains($0) }
            let leftFree = left.filter { !right.contains($0) }
            let rightFree = right.filter { !left.contains($0) }
            leftPermutation = (batchLetters + leftFree + contracted).map { left.firstIndex(of: $0)! }
            rightPermutation = (batchLetters + contracted + rightFree).map { right.firstIndex(of: $0)! }
            func product(_ group: [Character]) -> Int { group.reduce(1) { $0 * size($1) } }
            batch = product(batchLetters); m = product(leftFree); k = product(contracted); n = product(rightFree)
            let productLetters = batchLetters + leftFree + rightFree
            productShape = productLetters.map(size)
            outputPermutation = output.map { productLetters.firstIndex(of: $0)! }
            outputShape = output.map(size)
            self.leftShape = leftShape
            self.rightShape = rightShape
            if leftFree.count == 1, contracted.count == 1, rightFree.count == 1 {
                func stride(_ letter: Character, in axes: [Character]) -> Int {
                    guard let axis = axes.firstIndex(of: letter) else { return 0 }
                    return axes[(axis + 1)...].reduce(1) { $0 * size($1) }
                }
                let product = StridedProduct(
                    m: m, k: k, n: n,
                    a: (row: stride(leftFree[0], in: left), column: stride(contracted[0], in: left)),
                    b: (row: stride(contracted[0], in: right), column: stride(rightFree[0], in: right)),
                    c: (row: stride(leftFree[0], in: output), column: stride(rightFree[0], in: output)),
                    batchSizes: batchLetters.map(size),
                    batchStrides: batchLetters.map { (stride($0, in: left), stride($0, in: right), stride($0, in: output)) })
                // The kernel writes rows of contiguous columns: one of the output's two axes must be innermost.
                if product.c.column == 1 || product.c.row == 1 { strided = product }
            }
        }

        func run(_ a: [Float], _ b: [Float]) -> Tensor {
            if let strided, batch * m * n > 0 {
                var out = [Float](repeating: 0, count: batch * m * n)
                a.withUnsafeBufferPointer { lp in
                    b.withUnsafeBufferPointer { rp in
                        out.withUnsafeMutableBufferPointer { cp in
                            strided.run(lp.baseAddress!, rp.baseAddress!, cp.baseAddress!)
                        }
                    }
                }
                return Tensor(shape: outputShape, scalars: out)
            }
            let left = Tensor(shape: leftShape, scalars: a).transposedIfNeeded(leftPermutation)
            let right = Tensor(shape: rightShape, scalars: b).transposedIfNeeded(rightPermutation)
            var product = [Float](repeating: 0, count: batch * m * n)
            left.scalars.withUnsafeBufferPointer { lp in
                right.scalars.withUnsafeBufferPointer { rp in
                    product.withUnsafeMutableBufferPointer { cp in
                        guard m > 0, n > 0, k > 0 else { return }
                        let threads = Einsum.threads(batch: batch, multiplyAdds: batch * m * k * n)
                        let pointers = EinsumPointers(a: lp.baseAddress!, b: rp.baseAddress!, c: cp.baseAddress!)
                        Parallelism.run(threads) { slice in
                            for index in (batch * slice / threads)..<(batch * (slice + 1) / threads) {
                                MatrixMultiply.multiply(pointers.a + index * m * k, pointers.b + index * k * n,
                                                        into: pointers.c + index * m * n, m: m, k: k, n: n, accumulate: true)
                            }
                        }
                    }
                }
            }
            return Tensor(shape: productShape, scalars: product).transposedIfNeeded(outputPermutation)
        }
    }
}

extension Einsum {
    /// Many small products (attention scores: one per batch row and head) are split over the
    /// cores; one large one, or little work in all, stays on one thread.
    static func threads(batch: Int, multiplyAdds: Int) -> Int {
        batch > 1 && multiplyAdds >= RowParallel.minimumWork ? min(Parallelism.maximumThreads, batch) : 1
    }
}

/// `C = A·B` for every batch index, each matrix a strided view: element `(i, p)` of A at
/// `i·a.row + p·a.column` from the batch index's offset, and so on. A product whose output
/// columns are not contiguous runs transposed (`Cᵀ = Bᵀ·Aᵀ`: the same products and sums); an
/// operand whose inner axis is not contiguous is first copied into a small contiguous block.
/// Every element is summed in contracted order from zero with one rounding per multiply-add,
/// exactly as the transposing path computes it, so the numbers are the same.
struct StridedProduct {
    typealias Strides = (row: Int, column: Int)
    let m: Int, k: Int, n: Int
    let a: Strides, b: Strides, c: Strides
    let batchSizes: [Int]
    /// Per batch letter: its stride in the left operand, the right operand and the output.
    let batchStrides: [(Int, Int, Int)]

    func run(_ left: UnsafePointer<Float>, _ right: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        // Transposed when the output's contiguous axis is the left operand's free one.
        guard k > 0 else { return }  // the output stays zero
        let transposed = c.column != 1 && c.row == 1
        let (rows, columns) = transposed ? (n, m) : (m, n)
        let first: Strides = transposed ? (b.column, b.row) : a       // (rows × k)
        let second: Strides = transposed ? (a.column, a.row) : b      // (k × columns)
        let target: Strides = transposed ? (c.column, c.row) : c
        let (firstBase, secondBase) = transposed ? (right, left) : (left, right)
        let batch = batchSizes.reduce(1, *)
        // Offsets of each batch index in (left, right, output).
        var offsets = [(Int, Int, Int)](repeating: (0, 0, 0), count: batch)
        var index = [Int](repeating: 0, count: batchSizes.count)
        for position in 0..<batch {
            var offset = (0, 0, 0)
            for axis in batchSizes.indices {
                offset.0 += index[axis] * batchStrides[axis].0
                offset.1 += index[axis] * batchStrides[axis].1
                offset.2 += index[axis] * batchStrides[axis].2
            }
            offsets[position] = offset
            var axis = batchSizes.count - 1
            while axis >= 0 { index[axis] += 1; if index[axis] < batchSizes[axis] { break }; index[axis] = 0; axis -= 1 }
        }
        let packFirst = first.column != 1, packSecond = second.column != 1
        let threads = Einsum.threads(batch: batch, multiplyAdds: batch * m * k * n)
        let pointers = EinsumPointers(a: firstBase, b: secondBase, c: out)
        offsets.withUnsafeBufferPointer { offsetBuffer in
            let offsetsPointer = OffsetsPointer(base: offsetBuffer.baseAddress!)
            Parallelism.run(threads) { slice in
                let firstBlock = UnsafeMutablePointer<Float>.allocate(capacity: packFirst ? rows * k : 1)
                let secondBlock = UnsafeMutablePointer<Float>.allocate(capacity: packSecond ? k * columns : 1)
                defer { firstBlock.deallocate(); secondBlock.deallocate() }
                for position in (batch * slice / threads)..<(batch * (slice + 1) / threads) {
                    let offset = offsetsPointer.base[position]
                    var x = pointers.a + (transposed ? offset.1 : offset.0), lda = first.row
                    var y = pointers.b + (transposed ? offset.0 : offset.1), ldb = second.row
                    if packFirst {
                        for i in 0..<rows { for p in 0..<k { firstBlock[i * k + p] = x[i * first.row + p * first.column] } }
                        x = UnsafePointer(firstBlock); lda = k
                    }
                    if packSecond {
                        for p in 0..<k { for j in 0..<columns { secondBlock[p * columns + j] = y[p * second.row + j * second.column] } }
                        y = UnsafePointer(secondBlock); ldb = columns
                    }
                    MatrixMultiply.multiply(x, lda: lda, y, ldb: ldb, into: pointers.c + offset.2, ldc: target.row, m: rows, k: k, n: columns)
                }
            }
        }
    }
}

private struct OffsetsPointer: @unchecked Sendable {
    let base: UnsafePointer<(Int, Int, Int)>
}

/// The operands and product of one einsum, shared by the threads of one call.
private struct EinsumPointers: @unchecked Sendable {
    var a: UnsafePointer<Float>
    var b: UnsafePointer<Float>
    var c: UnsafeMutablePointer<Float>
}

public struct EinsumError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension Tensor {
    /// `transposed(permutation)`, or self when the permutation keeps the order.
    func transposedIfNeeded(_ permutation: [Int]) -> Tensor {
        permutation == Array(0..<rank) ? self : transposed(permutation)
    }
}
