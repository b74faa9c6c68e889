/// Single-head attention with a score function (Keras `Attention`, Luong-style, and
/// `AdditiveAttention`, Bahdanau-style), for `query (batch, Tq, dim)`, `value (batch, Tv, dim)`
/// and `key (batch, Tv, dim)` (the value when not given):
/// ```
/// dot:      scores = (query · keyᵀ) · scale                          (scale when use_scale)
/// concat:   scores = weight · Σ_d tanh(scale · (query_i + key_j))   (Attention score_mode="concat")
/// additive: scores = Σ_d scale_d · tanh(query_i + key_j)             (AdditiveAttention; scale (dim,))
/// scores[b, i, j] -= 1e9  where value_mask[b, j] = 0, or j > i with use_causal_mask
/// weights = softmax(scores) over j;  output = weights · value;  output[b, i] = 0 where query_mask[b, i] = 0
/// ```
/// Outputs: `output (batch, Tq, dim)`, and with `returnScores` the weights `(batch, Tq, Tv)`.
/// The output carries the query's mask. Dropout is the identity at inference.
public final class ScoreAttention: Layer {
    public enum Score: Sendable, Equatable {
        case dot(scale: Float?)
        case concat(scale: Float?, weight: Float)
        case additive(scale: [Float]?)
    }

    public let name: String
    public let kindName: String
    public let score: Score
    public let useCausalMask: Bool
    public let returnScores: Bool

    /// Parsed once: parsing per call was 6 % of a small model's batch-1 time.
    static let scoreProduct = try! Einsum("bqd,bkd->bqk")
    static let weightedSum = try! Einsum("bqk,bkd->bqd")

    public init(name: String, kindName: String = "Attention", score: Score, useCausalMask: Bool = false, returnScores: Bool = false) {
        self.name = name
        self.kindName = kindName
        self.score = score
        self.useCausalMask = useCausalMask
        self.returnScores = returnScores
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        guard inputs.count == 2 || inputs.count == 3 else { throw error("expected [query, value] or [query, value, key], found \(inputs.count) inputs") }
        let query = inputs[0], value = inputs[1], key = inputs.count > 2 ? inputs[2] : inputs[1]
        guard query.rank == 3, value.rank == 3, key.rank == 3, query.shape[0] == value.shape[0], key.shape[0] == value.shape[0],
              key.shape[1] == value.shape[1], query.shape[2] == key.shape[2] else {
            throw error("expected query (batch, Tq, dim), value (batch, Tv, dim_v) and key (batch, Tv, dim), found \(query.shapeDescription), \(value.shapeDescription), \(key.shapeDescription)")
        }
        let batch = query.shape[0], tq = query.shape[1], tv = value.shape[1], dim = query.shape[2]
        if case .additive(let scale?) = score, scale.count != dim { throw error("expected scale of \(dim) values, found \(scale.count)") }
        var scores: Tensor
        var dotScale: Float?  // multiplied into the scores by the softmax
        switch score {
        case .dot(let scale):
            scores = try Self.scoreProduct.apply(query, key)
            dotScale = scale
        case .concat, .additive:
            var values = [Float](repeating: 0, count: batch * tq * tv)
            var terms = [Float](repeating: 0, count: dim)
            for b in 0..<batch {
                for i in 0..<tq {
                    for j in 0..<tv {
                        let q = (b * tq + i) * dim, k = (b * tv + j) * dim
                        switch score {
                        case .concat(let scale, _):
                            for d in 0..<dim {
                                let sum = query.scalars[q + d] + key.scalars[k + d]
                                terms[d] = tanhf(scale.map { $0 * sum } ?? sum)
                            }
                        case .additive(let scale):
                            for d in 0..<dim { terms[d] = (scale?[d] ?? 1) * tanhf(query.scalars[q + d] + key.scalars[k + d]) }
                        case .dot: break
                        }
                        var total: Float = 0
                        for d in 0..<dim { total += terms[d] }
                        if case .concat(_, let weight) = score { total = weight * total }
                        values[(b * tq + i) * tv + j] = total
                    }
                }
            }
            scores = Tensor(shape: [batch, tq, tv], scalars: values)
        }
        let queryMask = masks.first ?? nil, valueMask = masks.count > 1 ? masks[1] : nil
        var scoresMask: Tensor?
        if let valueMask {
            guard valueMask.shape == [batch, tv] else { throw error("expected value mask (\(batch), \(tv)), found \(valueMask.shapeDescription)") }
            scoresMask = valueMask.reshaped([batch, 1, tv])
        }
        if useCausalMask {
            var causal = [Float](repeating: 0, count: batch * tq * tv)
            for b in 0..<batch {
                for i in 0..<tq {
                    for j in 0...min(i, tv - 1) where tv > 0 {
                        causal[(b * tq + i) * tv + j] = scoresMask.map { $0.scalars[b * tv + j] } ?? 1
                    }
                }
            }
            scoresMask = Tensor(shape: [batch, tq, tv], scalars: causal)
        }
        MaskedSoftmax.applyInPlace(&scores, axes: [2], mask: scoresMask, style: .subtractLarge, scale: dotScale)
        let weights = scores
        var output = try Self.weightedSum.apply(weights, value)
        if let queryMask {
            guard queryMask.shape == [batch, tq] else { throw error("expected query mask (\(batch), \(tq)), found \(queryMask.shapeDescription)") }
            let width = value.shape[2]
            for b in 0..<batch {
                for i in 0..<tq where queryMask.scalars[b * tq + i] == 0 {
                    for d in 0..<width { output.scalars[(b * tq + i) * width + d] = 0 }
                }
            }
        }
        if returnScores { return LayerOutput(tensors: [output, weights], masks: [queryMask, nil]) }
        return LayerOutput(output, mask: queryMask)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
