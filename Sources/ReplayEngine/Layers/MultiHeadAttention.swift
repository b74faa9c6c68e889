/// Multi-head attention (Keras `MultiHeadAttention`, and `GroupedQueryAttention` with
/// `keyValueRepeats` > 1), for `query (batch, T, dim)`, `value (batch, S, dim_v)` and `key`
/// (the value when not given), or inputs of higher rank attending over `attention_axes`:
/// ```
/// q = queryProjection(query)    (batch, T, heads, key_dim)        EinsumDense "abc,cde->abde"
/// k = keyProjection(key)        (batch, S, heads, key_dim)
/// v = valueProjection(value)    (batch, S, heads, value_dim)
/// (GQA: k and v have fewer heads, each repeated keyValueRepeats times)
/// scores  = einsum(dotProduct, k, q · 1/√key_dim)   (batch, heads, T, S)
/// weights = softmax(scores) over the key axes, masked where the mask is 0
/// output  = outputProjection(einsum(combine, weights, v))   (batch, T, dim or output_shape)
/// ```
/// The mask is the AND of `attention_mask (batch, T, S)`, the query's mask `(batch, T, 1)`, the
/// value's and key's `(batch, 1, S)` and, with `useCausalMask`, the lower triangle. Keras 3's
/// own fast path (3-D inputs, no dropout, scores not returned) scales the product instead of
/// the query and leaves fully masked rows uniform; its einsum path and tf-keras differ only
/// there (``MaskedSoftmax/Style``). Outputs: the output, then with `returnScores` the weights.
public final class MultiHeadAttention: Layer {
    public let name: String
    public let kindName: String
    public let queryProjection: EinsumDense
    public let keyProjection: EinsumDense
    public let valueProjection: EinsumDense
    public let outputProjection: EinsumDense
    /// `key, query -> scores` and `weights, value -> output`.
    public let dotProduct: Einsum
    public let combine: Einsum
    /// The softmax axes of the scores (the key's attention axes).
    public let softmaxAxes: [Int]
    public let keyDimension: Int
    /// GroupedQueryAttention: key/value heads are repeated this many times (1 for MultiHeadAttention).
    public let keyValueRepeats: Int
    public let useCausalMask: Bool
    public let returnScores: Bool
    /// Keras 3's `dot_product_attention` path: `(q·k)·scale`, fully masked rows uniform.
    public let fusedPath: Bool
    public let maskStyle: MaskedSoftmax.Style
    /// Which optional inputs follow `[query, value]`: the key, then the attention mask.
    public let hasKey: Bool
    public let hasAttentionMask: Bool
    /// Keras 3.8+ clears the masks of the query, value and key tensors once it has read them.
    public let clearsInputMasks: Bool

    public init(name: String, kindName: String = "MultiHeadAttention", query: EinsumDense, key: EinsumDense, value: EinsumDense,
                output: EinsumDense, dotProduct: Einsum, combine: Einsum, softmaxAxes: [Int], keyDimension: Int,
                keyValueRepeats: Int = 1, useCausalMask: Bool = false, returnScores: Bool = false, fusedPath: Bool,
                maskStyle: MaskedSoftmax.Style, hasKey: Bool = false, hasAttentionMask: Bool = false, clearsInputMasks: Bool = false) {
        self.name = name
        self.kindName = kindName
        queryProjection = query
        keyProjection = key
        valueProjection = value
        outputProjection = output
        self.dotProduct = dotProduct
        self.combine = combine
        self.softmaxAxes = softmaxAxes
        self.keyDimension = keyDimension
        self.keyValueRepeats = keyValueRepeats
        self.useCausalMask = useCausalMask
        self.returnScores = returnScores
        self.fusedPath = fusedPath
        self.maskStyle = maskStyle
        self.hasKey = hasKey
        self.hasAttentionMask = hasAttentionMask
        self.clearsInputMasks = clearsInputMasks
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let expected = 2 + (hasKey ? 1 : 0) + (hasAttentionMask ? 1 : 0)
        guard inputs.count == expected else { throw error("expected \(expected) inputs (query, value\(hasKey ? ", key" : "")\(hasAttentionMask ? ", attention_mask" : "")), found \(inputs.count)") }
        let queryInput = inputs[0], valueInput = inputs[1], keyInput = hasKey ? inputs[2] : inputs[1]
        let attentionInput = hasAttentionMask ? inputs[expected - 1] : nil
        func mask(_ index: Int) -> Tensor? { index < masks.count ? masks[index] : nil }
        let queryMask = mask(0), valueMask = mask(1), keyMask = hasKey ? mask(2) : nil

        var query = try queryProjection.call([queryInput], masks: [nil]).tensors[0]
        var key = try keyProjection.call([keyInput], masks: [nil]).tensors[0]
        var value = try valueProjection.call([valueInput], masks: [nil]).tensors[0]
        if keyValueRepeats > 1 {
            key = repeatHeads(key)
            value = repeatHeads(value)
        }
        let scale = 1 / Float(keyDimension).squareRoot()
        let rank = query.rank

        // The combined mask, (batch, T, S) for 3-D inputs, then broadcast over heads.
        var combined: Tensor?
        func and(_ next: Tensor) {
            guard let current = combined else { combined = next; return }
            combined = Self.logicalAnd(current, next)
        }
        if rank != 4, queryMask != nil || valueMask != nil || keyMask != nil || useCausalMask {
            throw error("masks and use_causal_mask are replayed for 3-D inputs only, found query \(queryInput.shapeDescription)")
        }
        let batch = queryInput.shape[0], targetLength = queryInput.shape[1], sourceLength = valueInput.shape[1]
        if let queryMask { and(queryMask.reshaped([batch, targetLength, 1])) }
        if let valueMask { and(valueMask.reshaped([batch, 1, sourceLength])) }
        if let keyMask { and(keyMask.reshaped([batch, 1, sourceLength])) }
        if useCausalMask {
            var lower = [Float](repeating: 0, count: targetLength * sourceLength)
            for i in 0..<targetLength { for j in 0..<sourceLength where j <= i { lower[i * sourceLength + j] = 1 } }
            and(Tensor(shape: [1, targetLength, sourceLength], scalars: lower))
        }
        if let attentionInput {
            let binary = Tensor(shape: attentionInput.shape, scalars: attentionInput.scalars.map { $0 != 0 ? 1 : 0 })
            and(binary)
        }
        // Keras expands the mask at axis -2·(attention axes)-1 until it has the scores' rank.
        let scoresRank = rank - 1 + softmaxAxes.count
        var scoresMask = combined
        if var expanded = scoresMask {
            while expanded.rank < scoresRank {
                var shape = expanded.shape
                shape.insert(1, at: shape.count - 2 * softmaxAxes.count)
                expanded = expanded.reshaped(shape)
            }
            scoresMask = expanded
        }

        var scores: Tensor
        if !fusedPath {
            query.scalars.withUnsafeMutableBufferPointer { values in
                for position in values.indices { values[position] *= scale }
            }
        }
        scores = try dotProduct.apply(key, query)
        if let scoresMask, !(scoresMask.rank == scores.rank && zip(scoresMask.shape, scores.shape).allSatisfy({ $0 == 1 || $0 == $1 })) {
            throw error("attention mask \(scoresMask.shapeDescription) does not broadcast to the scores \(scores.shapeDescription)")
        }
        // The fused path scales the product; the softmax does it on each row as it reads it.
        MaskedSoftmax.applyInPlace(&scores, axes: softmaxAxes.map { $0 < 0 ? $0 + scores.rank : $0 }, mask: scoresMask,
                                   style: maskStyle, scale: fusedPath ? scale : nil)
        let weights = scores
        let attended = try combine.apply(weights, value)
        let output = try outputProjection.call([attended], masks: [nil]).tensors[0]
        if returnScores { return LayerOutput(tensors: [output, weights], masks: [queryMask, nil]) }
        return LayerOutput(output, mask: queryMask)
    }

    /// `(batch, S, heads, dim)` with each head repeated `keyValueRepeats` times in place (`ops.repeat` on axis 2).
    func repeatHeads(_ x: Tensor) -> Tensor {
        let outer = x.shape[0] * x.shape[1], heads = x.shape[2], width = x.shape[3]
        var out = [Float]()
        out.reserveCapacity(x.count * keyValueRepeats)
        for o in 0..<outer {
            for h in 0..<heads {
                let start = (o * heads + h) * width
                for _ in 0..<keyValueRepeats { out += x.scalars[start..<(start + width)] }
            }
        }
        return Tensor(shape: [x.shape[0], x.shape[1], heads * keyValueRepeats, width], scalars: out)
    }

    /// Elementwise AND of two 0/1 tensors of equal rank, broadcasting size-1 axes.
    static func logicalAnd(_ a: Tensor, _ b: Tensor) -> Tensor {
        let shape = zip(a.shape, b.shape).map { max($0, $1) }
        let ia = BroadcastIndex(from: a.shape, to: shape), ib = BroadcastIndex(from: b.shape, to: shape)
        let total = shape.reduce(1, *)
        return Tensor(shape: shape, scalars: (0..<total).map { a.scalars[ia[$0]] != 0 && b.scalars[ib[$0]] != 0 ? 1 : 0 })
    }
}
