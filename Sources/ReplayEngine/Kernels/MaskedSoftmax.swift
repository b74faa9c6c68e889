/// Softmax over a set of axes with an optional boolean mask, the way each Keras generation
/// applies the mask (they differ only where a whole row is masked, and in the last bits).
public enum MaskedSoftmax {
    public enum Style: Sendable {
        /// Keras 3 `Softmax`: masked logits become -1e9, masked outputs are set to 0 (a fully
        /// masked row gives zeros).
        case keras3
        /// tf-keras `Softmax`: `x += (1 - mask)·(-1e9)` (a fully masked row gives the softmax of
        /// `x - 1e9`, nearly uniform).
        case addLargeNegative
        /// `Attention`/`AdditiveAttention` of both generations: masked scores become `x - 1e9`.
        case subtractLarge
        /// Keras 3 `dot_product_attention`: masked logits become a large negative number, and a
        /// fully masked row stays uniform.
        case largeNegative
    }

    /// `x` with softmax taken over `axes` (resolved, sorted); `mask` (1 = keep) broadcasts to
    /// `x` from the trailing axes.
    public static func apply(_ x: Tensor, axes: [Int], mask: Tensor?, style: Style) -> Tensor {
        var result = x
        applyInPlace(&result, axes: axes, mask: mask, style: style)
        return result
    }

    /// ``apply(_:axes:mask:style:)`` on `x` itself, with the scores first multiplied by `scale`
    /// when given (attention's `(q·k)·scale`, rounded before masking as Keras rounds it): no copy
    /// of the scores when the axes are the trailing ones.
    public static func applyInPlace(_ x: inout Tensor, axes: [Int], mask: Tensor?, style: Style, scale: Float? = nil) {
        let shape = x.shape, rank = x.rank
        // With a mask the scale comes first, in its own pass; without one each row applies it.
        let rowScale = mask == nil ? scale : nil
        if let mask {
            if let scale {
                x.scalars.withUnsafeMutableBufferPointer { values in
                    for position in values.indices { values[position] *= scale }
                }
            }
            let index = BroadcastIndex(from: mask.shape, to: shape)
            x.scalars.withUnsafeMutableBufferPointer { values in
                for position in values.indices where mask.scalars[index[position]] == 0 {
                    switch style {
                    case .keras3, .largeNegative: values[position] = -1e9
                    case .addLargeNegative, .subtractLarge: values[position] = values[position] - 1e9
                    }
                }
            }
        }
        // Put the softmax axes last, take each row, put them back.
        let rest = (0..<rank).filter { !axes.contains($0) }
        let permutation = rest + axes
        let moves = permutation != Array(0..<rank)
        if moves { x = x.transposed(permutation) }
        let row = axes.reduce(1) { $0 * shape[$1] }
        x.scalars.withUnsafeMutableBufferPointer { values in
            guard row > 0, values.count > 0 else { return }
            // Rows are independent: split them over the cores when there are many.
            let rows = values.count / row, single = axes.count == 1
            let threads = values.count >= 1 << 15 ? min(Parallelism.maximumThreads, rows) : 1
            let base = RowParallel.RowPointers(a: UnsafePointer(values.baseAddress!), c: values.baseAddress!)
            Parallelism.run(threads) { slice in
                for r in (rows * slice / threads)..<(rows * (slice + 1) / threads) {
                    if single {
                        VectorMath.softmaxRow(base.c + r * row, count: row, scale: rowScale)
                    } else {
                        logSumExpForm(base.c + r * row, row, scale: rowScale)
                    }
                }
            }
        }
        if moves {
            var inverse = [Int](repeating: 0, count: permutation.count)
            for (position, axis) in permutation.enumerated() { inverse[axis] = position }
            x = x.transposed(inverse)
        }
        if let mask, style == .keras3 {
            let index = BroadcastIndex(from: mask.shape, to: shape)
            x.scalars.withUnsafeMutableBufferPointer { values in
                for position in values.indices where mask.scalars[index[position]] == 0 { values[position] = 0 }
            }
        }
    }

    /// Keras' softmax over several axes: `exp(x - logsumexp(x))`, with TensorFlow's
    /// `reduce_logsumexp` (`max + log(Σ exp(x - max))`).
    static func logSumExpForm(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float?) {
        if let scale { for i in 0..<n { x[i] *= scale } }
        var largest = -Float.infinity
        for i in 0..<n { largest = max(largest, x[i]) }
        if !largest.isFinite { largest = 0 }
        var sum: Float = 0
        for i in 0..<n { sum += expf(x[i] - largest) }
        let logSum = logf(sum) + largest
        for i in 0..<n { x[i] = expf(x[i] - logSum) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
