import KerasCheckpoint
import ReplayEngine

/// Keras `Attention` (dot or concat scores, `use_scale`) and `AdditiveAttention`, called on
/// `[query, value]` or `[query, value, key]`, with the call options `use_causal_mask` and
/// `return_attention_scores`. Weights: `Attention` `scale ()` (use_scale) then
/// `concat_score_weight ()` (score_mode concat); `AdditiveAttention` `scale (dim,)`.
/// Engine layer: `ScoreAttention`.
struct ScoreAttentionAdapter: LayerAdapter {
    let classNames = ["Attention", "AdditiveAttention"]

    func roles(_ layer: LayerDescription, in context: LayerContext) throws -> [WeightRole] {
        let config = context.config(of: layer)
        let additive = layer.className == "AdditiveAttention"
        var roles: [WeightRole] = []
        if try config.bool("use_scale", default: additive) { roles.append(.other("scale")) }
        if !additive, try config.choice("score_mode", among: ["dot", "concat"], default: "dot") == "concat" {
            roles.append(.other("concat_score_weight"))
        }
        return roles
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard inputs.count >= 2, let query = inputs.first, let value = inputs[safe: 1], query.count == 3, value.count == 3 else { return nil }
        let output = Array(query.dropLast()) + [value.last!]
        let returnsScores = layer.inboundNodes.first?.options["return_attention_scores"]?.bool == true
        return returnsScores ? [output, [query[0], query[1], value[1]]] : [output]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool {
        ((try? roles(layer, in: context)) ?? []).isEmpty == false
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { try roles(layer, in: context).count }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        try WeightChecks.roles(entries, roles(layer, in: context), context)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let config = context.config
        let scale = try context.tensor(.other("scale"))
        let score: ScoreAttention.Score
        if layer.className == "AdditiveAttention" {
            score = .additive(scale: scale?.scalars)
        } else if try config.choice("score_mode", among: ["dot", "concat"], default: "dot") == "concat" {
            score = .concat(scale: scale?.scalars.first, weight: try context.required(.other("concat_score_weight")).scalars.first ?? 1)
        } else {
            score = .dot(scale: scale?.scalars.first)
        }
        // tf-keras before 2.11 wrote `causal` in the config; later Keras passes use_causal_mask to the call.
        let causal = try context.flag("use_causal_mask") || config.bool("causal", default: false)
        return ScoreAttention(name: context.engineName, kindName: layer.className, score: score, useCausalMask: causal,
                              returnScores: try context.flag("return_attention_scores"))
    }
}

/// Keras `MultiHeadAttention` (`num_heads`, `key_dim`, `value_dim`, `output_shape`, `use_bias`,
/// `attention_axes`, Keras 3 `use_gate`) and Keras 3 `GroupedQueryAttention` (`num_query_heads`,
/// `num_key_value_heads`, `head_dim`). Called as `(query, value[, key], attention_mask=...)`
/// with `use_causal_mask` and `return_attention_scores`. Weights, as four (five with the gate)
/// EinsumDense sublayers in build order: `query`, `key`, (`gate`), `value`, `attention_output`,
/// each a kernel and (with `use_bias`) a bias. Engine layer: `MultiHeadAttention`.
struct MultiHeadAttentionAdapter: LayerAdapter {
    let classNames = ["MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention"]
    // MultiHeadAttention's groups are `query_dense`, ...; GroupedQueryAttention's keep the underscore.
    func nativeSublayerOrder(of layer: LayerDescription, in context: LayerContext) -> [String] {
        ["query_dense", "_query_dense", "key_dense", "_key_dense", "gate_dense", "_gate_dense", "value_dense", "_value_dense",
         "output_dense", "_output_dense"]
    }

    struct Settings {
        var grouped: Bool
        var heads: Int
        var keyValueHeads: Int
        var keyDimension: Int
        var valueDimension: Int
        var useBias: Bool
        var useGate: Bool
        var dropout: Double
        var outputShape: [Int]?
        var attentionAxes: [Int]?

        var sublayers: [String] { useGate ? ["query", "key", "gate", "value", "attention_output"] : ["query", "key", "value", "attention_output"] }
    }

    func settings(_ layer: LayerDescription, in context: LayerContext) throws -> Settings {
        let config = context.config(of: layer)
        let limit = 1...ShapeArithmetic.maxDimension
        if layer.className != "MultiHeadAttention" {
            let heads = try config.int("num_query_heads", in: limit)
            let keyValueHeads = try config.int("num_key_value_heads", in: limit)
            guard heads % keyValueHeads == 0 else {
                throw context.fail("num_query_heads \(heads) is not a multiple of num_key_value_heads \(keyValueHeads)")
            }
            let headDimension = try config.int("head_dim", in: limit)
            return Settings(grouped: true, heads: heads, keyValueHeads: keyValueHeads, keyDimension: headDimension,
                            valueDimension: headDimension, useBias: try config.bool("use_bias", default: true),
                            useGate: try config.bool("use_gate", default: false), dropout: try config.number("dropout", default: 0),
                            outputShape: nil, attentionAxes: nil)
        }
        let heads = try config.int("num_heads", in: limit)
        let keyDimension = try config.int("key_dim", in: limit)
        if try config.int("sliding_window") != nil { throw context.fail("sliding_window is not replayed yet") }
        return Settings(grouped: false, heads: heads, keyValueHeads: heads, keyDimension: keyDimension,
                        valueDimension: try config.int("value_dim") ?? keyDimension, useBias: try config.bool("use_bias", default: true),
                        useGate: try config.bool("use_gate", default: false), dropout: try config.number("dropout", default: 0),
                        outputShape: try config.ints("output_shape"), attentionAxes: try config.ints("attention_axes"))
    }

    /// `[query, value, key?, attention_mask?]`: tf-keras passes all but the query by keyword,
    /// Keras 3 either way.
    func callArguments(_ call: InboundNode, of layer: LayerDescription, in context: LayerContext) throws -> [InboundArgument] {
        let positional = call.tensorArguments
        var arguments: [InboundArgument] = []
        for (index, name) in ["query", "value", "key"].enumerated() {
            if let reference = positional[safe: index] ?? call.keywordTensors[name] { arguments.append(.tensor(reference)) }
        }
        guard arguments.count >= 2 else { throw context.fail("expected a query and a value in the call, found \(arguments.count) tensors") }
        if let mask = call.keywordTensors["attention_mask"] ?? positional[safe: 3] { arguments.append(.tensor(mask)) }
        return arguments
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let settings = try settings(layer, in: context)
        guard let query = inputs.first, let value = inputs[safe: 1], query.count >= 3 else { return nil }
        let output = Array(query.dropLast()) + (settings.outputShape.map { $0.map { Optional($0) } } ?? [query.last!])
        guard layer.inboundNodes.first?.options["return_attention_scores"]?.bool == true else { return [output] }
        // Scores: (batch, other query axes, heads, query attention axes, key attention axes).
        let projected = query.count + 1
        let axes = (settings.attentionAxes.map { $0.map { $0 >= 0 ? $0 : projected - 1 + $0 } } ?? Array(1..<(projected - 2))).sorted()
        let batchAxes = (0..<(projected - 1)).filter { !axes.contains($0) }
        func size(_ shape: TensorShape, _ axis: Int) -> Int? { axis == projected - 2 ? settings.heads : shape[safe: axis] ?? nil }
        let scores = batchAxes.map { size(query, $0) } + axes.map { query[safe: $0] ?? nil } + axes.map { value[safe: $0] ?? nil }
        return [output, scores]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        let settings = try settings(layer, in: context)
        return settings.sublayers.count * (settings.useBias ? 2 : 1)
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let settings = try settings(layer, in: context)
        let roles = settings.sublayers.flatMap { sublayer -> [WeightRole] in
            settings.useBias ? [.other("\(sublayer)/kernel"), .other("\(sublayer)/bias")] : [.other("\(sublayer)/kernel")]
        }
        var bound = try WeightChecks.roles(entries, roles, context)
        let heads = settings.heads, keyValueHeads = settings.keyValueHeads
        for index in bound.indices {
            let shape = bound[index].shape
            guard case .other(let role) = bound[index].role, role.hasSuffix("/kernel") else { continue }
            let sublayer = String(role.dropLast("/kernel".count))
            let isKeyValue = sublayer == "key" || sublayer == "value"
            let headCount = isKeyValue ? keyValueHeads : heads
            let width = sublayer == "key" || sublayer == "query" ? settings.keyDimension : settings.valueDimension
            if sublayer == "attention_output" {
                try WeightChecks.shape("\(role)", Array(shape.prefix(2)), [heads, settings.valueDimension], context)
                bound[index].meaning = "\(heads) heads x \(settings.valueDimension) value_dim x " + shape.dropFirst(2).map(String.init).joined(separator: " x ") + " outputs"
            } else if shape.count >= 3 {
                try WeightChecks.shape("\(role)", Array(shape.suffix(2)), [headCount, width], context)
                let name = sublayer == "value" ? "value_dim" : (settings.grouped ? "head_dim" : "key_dim")
                bound[index].meaning = shape.dropLast(2).map(String.init).joined(separator: " x ") + " inputs x \(headCount) heads x \(width) \(name)"
            }
        }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let settings = try settings(layer, in: context.reading)
        let arguments = try callArguments(context.call ?? InboundNode(arguments: []), of: layer, in: context.reading)
        let hasKey = arguments.count >= 3 && (context.call?.tensorArguments.count ?? 0 >= 3 || context.call?.keywordTensors["key"] != nil)
        let hasAttentionMask = arguments.count == (hasKey ? 4 : 3)
        let queryRank = context.inputShapes.first??.count ?? 3
        func projection(_ sublayer: String, _ equation: String, activation: Activation = .linear) throws -> EinsumDense {
            try EinsumDense(name: "\(context.engineName)/\(sublayer)", equation: equation, kernel: context.required(.other("\(sublayer)/kernel")),
                            bias: settings.useBias ? context.required(.other("\(sublayer)/bias")) : nil, activation: activation)
        }
        let returnScores = try context.flag("return_attention_scores")
        let causal = try context.flag("use_causal_mask")
        let keras3 = context.version?.generation == .keras3
        // Keras 3.7 added the dot_product_attention fast path; 3.8 clears its inputs' masks.
        let fastPath = keras3 && (context.version?.isAtLeast(3, 7) ?? true)
        let clearsMasks = keras3 && (context.version?.isAtLeast(3, 8) ?? true)
        do {
            if settings.grouped {
                let dotProduct = try Einsum("bkuh,bquh->buqk"), combine = try Einsum("buqk,bkuh->bquh")
                guard !settings.useGate else { throw context.fail("use_gate is not replayed yet") }
                return MultiHeadAttention(name: context.engineName, kindName: layer.className,
                                          query: try projection("query", "bqm,muh->bquh"), key: try projection("key", "bkm,mvh->bkvh"),
                                          value: try projection("value", "bkm,mvh->bkvh"), output: try projection("attention_output", "bquh,uhm->bqm"),
                                          dotProduct: dotProduct, combine: combine, softmaxAxes: [-1], keyDimension: settings.keyDimension,
                                          keyValueRepeats: settings.heads / settings.keyValueHeads, useCausalMask: causal, returnScores: returnScores,
                                          fusedPath: fastPath && settings.dropout == 0 && !returnScores,
                                          maskStyle: fastPath && settings.dropout == 0 && !returnScores ? .largeNegative : .keras3,
                                          hasKey: hasKey, hasAttentionMask: hasAttentionMask)
            }
            guard !settings.useGate else { throw context.fail("use_gate is not replayed yet") }
            let projected = queryRank + 1
            let projectionEquation = Self.projectionEquation(free: queryRank - 1, bound: 1, output: 2)
            let outputEquation = Self.projectionEquation(free: queryRank - 1, bound: 2, output: settings.outputShape?.count ?? 1)
            var axes = settings.attentionAxes.map { $0.map { $0 >= 0 ? $0 : projected - 1 + $0 } } ?? Array(1..<(projected - 2))
            axes.sort()
            guard axes.allSatisfy({ $0 >= 1 && $0 < projected - 2 }) else {
                throw context.fail("attention_axes \(settings.attentionAxes ?? []) are out of range for a query of rank \(queryRank)")
            }
            let (dot, combine, scoresRank) = Self.attentionEquations(rank: projected, attentionAxes: axes)
            let fused = fastPath && settings.dropout == 0 && !returnScores && projected == 4
            return MultiHeadAttention(name: context.engineName, kindName: layer.className,
                                      query: try projection("query", projectionEquation), key: try projection("key", projectionEquation),
                                      value: try projection("value", projectionEquation), output: try projection("attention_output", outputEquation),
                                      dotProduct: try Einsum(dot), combine: try Einsum(combine),
                                      softmaxAxes: Array((scoresRank - axes.count)..<scoresRank), keyDimension: settings.keyDimension,
                                      useCausalMask: causal, returnScores: returnScores, fusedPath: fused,
                                      maskStyle: fused ? .largeNegative : (keras3 ? .keras3 : .addLargeNegative),
                                      hasKey: hasKey, hasAttentionMask: hasAttentionMask, clearsInputMasks: clearsMasks)
        } catch let error as EngineError {
            throw context.fail(error.message)
        } catch let error as EinsumError {
            throw context.fail(error.description)
        }
    }

    static func letter(_ index: Int) -> Character { Character(UnicodeScalar(UInt8(97 + index))) }

    /// Keras' `_build_proj_equation`: `free` axes kept, `bound` contracted, `output` new axes.
    static func projectionEquation(free: Int, bound: Int, output: Int) -> String {
        var input = "", kernel = "", result = ""
        for i in 0..<free { input.append(letter(i)); result.append(letter(i)) }
        for i in 0..<bound { input.append(letter(free + i)); kernel.append(letter(free + i)) }
        for i in 0..<output { kernel.append(letter(free + bound + i)); result.append(letter(free + bound + i)) }
        return "\(input),\(kernel)->\(result)"
    }

    /// Keras' `_build_attention_equation` for projected tensors of `rank`
    /// `(batch, <other axes>, <attention axes>, heads, channels)`: the key·query equation, the
    /// weights·value equation and the rank of the scores.
    static func attentionEquations(rank: Int, attentionAxes: [Int]) -> (String, String, Int) {
        let target = (0..<rank).map(letter)
        let batchAxes = (0..<rank).filter { !attentionAxes.contains($0) && $0 != rank - 1 }
        var source: [Character] = []
        var offset = rank
        for i in 0..<rank {
            if batchAxes.contains(i) || i == rank - 1 { source.append(target[i]) } else { source.append(letter(offset)); offset += 1 }
        }
        let product = batchAxes.map { target[$0] } + attentionAxes.map { target[$0] } + attentionAxes.map { source[$0] }
        let dot = "\(String(source)),\(String(target))->\(String(product))"
        let combine = "\(String(product)),\(String(source))->\(String(target))"
        return (dot, combine, product.count)
    }
}
