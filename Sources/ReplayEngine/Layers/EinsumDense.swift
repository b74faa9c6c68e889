/// A dense projection given by an einsum equation (Keras `EinsumDense`):
/// `y = activation(einsum(equation, x, kernel) + bias)`, e.g. `abc,cde->abde` projects
/// `(batch, T, features)` to `(batch, T, heads, key_dim)` with `kernel (features, heads, key_dim)`.
/// `bias` has the shape of the output's trailing axes from the first bias axis on (1 on the
/// others), broadcast as NumPy does. When the kernel has no batch letters (every Keras use), it
/// is transposed to a `(contracted, free)` matrix and packed once, and each call is one packed
/// product over all rows. Passes the mask of its input.
public final class EinsumDense: Layer {
    public let name: String
    public var kindName: String { "EinsumDense" }
    public let einsum: Einsum
    public let kernelShape: [Int]
    let kernel: [Float]
    let bias: Tensor?
    public let activation: Activation
    /// The kernel as a `(k, n)` matrix in the product's column order, packed; nil when the
    /// equation keeps a letter of the kernel as a batch axis.
    let packed: PackedMatrix?

    public init(name: String, equation: String, kernel: Tensor, bias: Tensor?, activation: Activation = .linear) throws {
        self.name = name
        do { einsum = try Einsum(equation) } catch let failure as EinsumError {
            throw EngineError(layer: name, kind: "EinsumDense", message: failure.description)
        }
        guard kernel.rank == einsum.right.count else {
            throw EngineError(layer: name, kind: "EinsumDense", message: "expected a kernel of rank \(einsum.right.count) for '\(equation)', found \(kernel.shapeDescription)")
        }
        kernelShape = kernel.shape
        self.kernel = kernel.scalars
        self.bias = bias
        self.activation = activation
        // A stand-in input with the kernel's sizes (1 elsewhere) resolves the kernel's side of the plan.
        let parsed = einsum
        let standIn = parsed.left.map { letter in parsed.right.firstIndex(of: letter).map { kernel.shape[$0] } ?? 1 }
        if let plan = try? Einsum.Plan(parsed, standIn, kernel.shape), plan.batch == 1, plan.k > 0, plan.n > 0 {
            let matrix = kernel.transposedIfNeeded(plan.rightPermutation)
            packed = PackedMatrix(matrix.scalars, k: plan.k, n: plan.n)
        } else {
            packed = nil
        }
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let plan: Einsum.Plan
        do { plan = try Einsum.Plan(einsum, x.shape, kernelShape) } catch let failure as EinsumError {
            throw error(failure.description)
        }
        var y: Tensor
        if let packed, plan.batch == 1 {
            let left = x.transposedIfNeeded(plan.leftPermutation)
            var product = [Float](repeating: 0, count: plan.m * plan.n)
            left.scalars.withUnsafeBufferPointer { a in
                product.withUnsafeMutableBufferPointer { c in
                    guard plan.m > 0, plan.n > 0 else { return }
                    RowParallel.multiply(a.baseAddress!, lda: plan.k, packed, into: c.baseAddress!, ldc: plan.n, m: plan.m)
                }
            }
            y = Tensor(shape: plan.productShape, scalars: product).transposedIfNeeded(plan.outputPermutation)
        } else {
            y = plan.run(x.scalars, kernel)
        }
        if let bias {
            guard bias.rank <= y.rank, zip(bias.shape.reversed(), y.shape.reversed()).allSatisfy({ $0 == 1 || $0 == $1 }) else {
                throw error("bias \(bias.shapeDescription) does not broadcast to the output \(y.shapeDescription)")
            }
            // Usually the bias spans the output's trailing axes (`(heads, key_dim)` of a query
            // projection): one add per row. Otherwise an index per element.
            let trimmed = Array(bias.shape.drop(while: { $0 == 1 }))
            if trimmed.count <= y.rank, Array(y.shape.suffix(trimmed.count)) == trimmed, bias.count > 0 {
                let width = bias.count, rows = y.count / width
                y.scalars.withUnsafeMutableBufferPointer { values in
                    bias.scalars.withUnsafeBufferPointer { addBias(values.baseAddress!, $0.baseAddress!, rows: rows, width: width) }
                }
            } else {
                let index = BroadcastIndex(from: bias.shape, to: y.shape)
                y.scalars.withUnsafeMutableBufferPointer { values in
                    for position in values.indices { values[position] += bias.scalars[index[position]] }
                }
            }
        }
        return LayerOutput(activation.apply(y), mask: masks.first ?? nil)
    }
}

/// Packed products split by rows over the engine's threads (rows never interact, so the
/// numbers do not depend on the split).
enum RowParallel {
    /// Below this many multiply-adds one thread is faster than waking another.
    static let minimumWork = 1 << 18

    static func multiply(_ a: UnsafePointer<Float>, lda: Int, _ b: PackedMatrix, into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int) {
        let threads = min(Parallelism.maximumThreads, m / 6)
        guard threads > 1, m * b.k * b.n >= minimumWork else {
            MatrixMultiply.multiply(a, lda: lda, b, into: c, ldc: ldc, m: m)
            return
        }
        let pointers = RowPointers(a: a, c: c)
        Parallelism.run(threads) { slice in
            let first = m * slice / threads, last = m * (slice + 1) / threads
            MatrixMultiply.multiply(pointers.a + first * lda, lda: lda, b, into: pointers.c + first * ldc, ldc: ldc, m: last - first)
        }
    }

    struct RowPointers: @unchecked Sendable {
        var a: UnsafePointer<Float>
        var c: UnsafeMutablePointer<Float>
    }
}
