/// Where a tensor in a graph comes from: a model input, or output `output` of node `index`.
public enum TensorSource: Hashable, Sendable, CustomStringConvertible {
    case input(Int)
    case node(Int, output: Int)

    public var description: String {
        switch self {
        case .input(let index): return "input \(index)"
        case .node(let index, let output): return "node \(index) output \(output)"
        }
    }
}

/// One positional argument of a call: a tensor, or a plain number written in the config.
public enum NodeArgument: Sendable {
    case tensor(TensorSource)
    case constant(Float)
}

/// One call of a layer in the graph.
public struct GraphNode: Sendable {
    public var layer: any Layer
    /// Positional arguments. Only the tensors reach `Layer.call`, in order; constants were
    /// consumed when the layer was built (e.g. `NotEqual`'s value).
    public var arguments: [NodeArgument]
    /// Explicit `mask=` arguments (Keras 3 serializes op-computed masks this way), aligned with
    /// the tensor arguments: each given one replaces that input's mask. Missing or nil entries
    /// propagate from the inputs as Keras does.
    public var masks: [TensorSource?]

    public init(layer: any Layer, arguments: [NodeArgument], masks: [TensorSource?] = []) {
        self.layer = layer
        self.arguments = arguments
        self.masks = masks
    }

    /// A call with one explicit mask, for its first input.
    public init(layer: any Layer, arguments: [NodeArgument], mask: TensorSource?) {
        self.init(layer: layer, arguments: arguments, masks: [mask])
    }

    /// The tensor arguments, in order.
    public var tensorSources: [TensorSource] {
        arguments.compactMap { if case .tensor(let source) = $0 { return source } else { return nil } }
    }
}

/// A model input: its name and its shape without the batch axis (nil = any size).
public struct GraphInput: Sendable {
    public var name: String
    public var shape: [Int?]
    public var batchSize: Int?

    public init(name: String, shape: [Int?], batchSize: Int? = nil) {
        self.name = name
        self.shape = shape
        self.batchSize = batchSize
    }
}

/// Every tensor and mask a run produced.
public struct GraphEvaluation: Sendable {
    public var values: [TensorSource: Tensor]
    public var masks: [TensorSource: Tensor]
}

/// A model: layers called in topological order on the model inputs.
///
/// Stateless graphs may run `predict` from several tasks at once. A stateful graph's layers keep
/// one state each (behind a lock, so it never tears), which concurrent callers would interleave:
/// drive a stateful graph from one caller at a time, as Keras does.
public final class Graph: Sendable {
    public let inputs: [GraphInput]
    public let nodes: [GraphNode]
    public let outputs: [TensorSource]
    /// Set for stateful models: `predict` walks the batch in chunks of this size, carrying state.
    public let fixedBatchSize: Int?
    /// For each node, the last node (or `nodes.count` for model outputs) that reads one of its tensors.
    private let lastUse: [Int]
    /// For a node that starts a chain of two or more row-chunkable layers (each reading only the
    /// one before, which nothing else reads), the chain's last node; `predict` runs such a chain
    /// a block of rows at a time (see `RowChunkable`).
    private let chainEnd: [Int: Int]

    public init(inputs: [GraphInput], nodes: [GraphNode], outputs: [TensorSource], fixedBatchSize: Int? = nil) throws {
        func check(_ source: TensorSource, before position: Int, _ what: String) throws {
            switch source {
            case .input(let index):
                guard index >= 0, index < inputs.count else {
                    throw EngineError(message: "\(what) reads input \(index), but the model has \(counted(inputs.count, "input"))")
                }
            case .node(let index, let output):
                guard index >= 0, index < position, output >= 0 else {
                    throw EngineError(message: "\(what) reads \(source), which is not computed before it (nodes must be in topological order)")
                }
            }
        }
        var lastUse = [Int](repeating: -1, count: nodes.count)
        for (position, node) in nodes.enumerated() {
            let what = "node \(position) (layer '\(node.layer.name)')"
            for source in node.tensorSources + node.masks.compactMap({ $0 }) {
                try check(source, before: position, what)
                if case .node(let index, _) = source { lastUse[index] = position }
            }
        }
        for output in outputs {
            try check(output, before: nodes.count, "model output")
            if case .node(let index, _) = output { lastUse[index] = nodes.count }
        }
        if let fixedBatchSize, fixedBatchSize <= 0 {
            throw EngineError(message: "fixed batch size must be positive, found \(fixedBatchSize)")
        }
        guard !inputs.isEmpty else { throw EngineError(message: "a model needs at least one input") }
        self.inputs = inputs
        self.nodes = nodes
        self.outputs = outputs
        self.fixedBatchSize = fixedBatchSize
        self.lastUse = lastUse
        var chainEnd: [Int: Int] = [:]
        func chunkable(_ node: GraphNode) -> Bool {
            (node.layer as? any RowChunkable)?.chunksByRows == true && node.tensorSources.count == 1 && node.masks.allSatisfy { $0 == nil }
        }
        var position = 0
        while position < nodes.count {
            var end = position
            if chunkable(nodes[position]) {
                while end + 1 < nodes.count, chunkable(nodes[end + 1]), lastUse[end] == end + 1,
                      nodes[end + 1].tensorSources == [.node(end, output: 0)] { end += 1 }
            }
            if end > position { chainEnd[position] = end }
            position = end + 1
        }
        self.chainEnd = chainEnd
    }

    /// Like Keras `model.predict`: one tensor per input (batch first), one per output.
    /// With `fixedBatchSize`, walks the samples in chunks of that size, carrying state.
    public func predict(_ inputs: [Tensor]) throws -> [Tensor] {
        try validate(inputs)
        guard let size = fixedBatchSize else { return try run(inputs, keepAll: false).outputs }
        let samples = inputs[0].shape[0]
        guard samples % size == 0 else {
            throw EngineError(message: "this stateful model runs batches of exactly \(size) samples; found \(samples) samples, which is not a multiple of \(size)")
        }
        if samples == size { return try run(inputs, keepAll: false).outputs }
        var chunks: [[Tensor]] = []
        var start = 0
        while start < samples {
            let chunk = inputs.map { $0.rowSlice(start..<(start + size)) }
            chunks.append(try run(chunk, keepAll: false).outputs)
            start += size
        }
        return (0..<outputs.count).map { index in Tensor(stacking: chunks.map { $0[index] }) }
    }

    /// `predict`, also recording the per-step trace of `layer`'s first call (one trace per
    /// direction for Bidirectional), from the same loop that computes the outputs. Stateful
    /// models walk their fixed batch size as `predict` does; traces are stacked along the batch.
    public func predict(_ inputs: [Tensor], tracing layer: any TraceableLayer) throws -> (outputs: [Tensor], traces: [RecurrentTrace]) {
        try validate(inputs)
        guard nodes.contains(where: { $0.layer === layer }) else {
            throw EngineError(layer: layer.name, message: "is not a layer of this model")
        }
        let size = fixedBatchSize ?? inputs[0].shape[0]
        let samples = inputs[0].shape[0]
        guard size > 0, samples % size == 0 else {
            throw EngineError(message: "this stateful model runs batches of exactly \(size) samples; found \(samples) samples, which is not a multiple of \(size)")
        }
        var chunkOutputs: [[Tensor]] = []
        var chunkTraces: [[RecurrentTrace]] = []
        var start = 0
        repeat {
            let chunk = samples == size ? inputs : inputs.map { $0.rowSlice(start..<(start + size)) }
            let result = try run(chunk, keepAll: false, tracing: layer)
            chunkOutputs.append(result.outputs)
            chunkTraces.append(result.traces)
            start += size
        } while start < samples
        let outputs = (0..<self.outputs.count).map { index in chunkOutputs.count == 1 ? chunkOutputs[0][index] : Tensor(stacking: chunkOutputs.map { $0[index] }) }
        let traces = chunkTraces[0].indices.map { direction -> RecurrentTrace in
            var trace = chunkTraces[0][direction]
            guard chunkTraces.count > 1 else { return trace }
            for name in trace.names { trace.values[name] = Tensor(stacking: chunkTraces.map { $0[direction].values[name]! }) }
            if trace.mask != nil { trace.mask = Tensor(stacking: chunkTraces.map { $0[direction].mask! }) }
            return trace
        }
        return (outputs, traces)
    }

    /// `predict`, also returning the tensors at `wanted` (any node outputs, e.g. every layer's
    /// output for `activations`), from the same run. Stateful models walk their fixed batch
    /// size as `predict` does; collected tensors are stacked along the batch.
    public func predict(_ inputs: [Tensor], collecting wanted: [TensorSource]) throws -> (outputs: [Tensor], collected: [Tensor]) {
        try validate(inputs)
        let samples = inputs[0].shape[0]
        let size = fixedBatchSize ?? samples
        guard size > 0, samples % size == 0 else {
            throw EngineError(message: "this stateful model runs batches of exactly \(size) samples; found \(samples) samples, which is not a multiple of \(size)")
        }
        var outputs: [[Tensor]] = [], collected: [[Tensor]] = []
        var start = 0
        repeat {
            let chunk = samples == size ? inputs : inputs.map { $0.rowSlice(start..<(start + size)) }
            let result = try run(chunk, keepAll: true)
            outputs.append(result.outputs)
            collected.append(try wanted.map { source in
                guard let tensor = result.values[source] else {
                    throw EngineError(message: "\(source) was not computed (the layer has fewer outputs)")
                }
                return tensor
            })
            start += size
        } while start < samples
        func stack(_ parts: [[Tensor]], _ index: Int) -> Tensor {
            parts.count == 1 ? parts[0][index] : Tensor(stacking: parts.map { $0[index] })
        }
        return ((0..<self.outputs.count).map { stack(outputs, $0) }, wanted.indices.map { stack(collected, $0) })
    }

    /// Runs the graph once on `inputs` (no chunking) and returns every node output.
    public func evaluate(_ inputs: [Tensor]) throws -> [TensorSource: Tensor] {
        try evaluateWithMasks(inputs).values
    }

    /// Runs the graph once on `inputs` (no chunking) and returns every node output and mask.
    public func evaluateWithMasks(_ inputs: [Tensor]) throws -> GraphEvaluation {
        try validate(inputs)
        let result = try run(inputs, keepAll: true)
        return GraphEvaluation(values: result.values, masks: result.masks)
    }

    /// Zeroes the state of every stateful layer.
    public func resetStates() {
        for node in nodes { node.layer.resetStates() }
    }

    private func validate(_ tensors: [Tensor]) throws {
        guard tensors.count == inputs.count else {
            throw EngineError(message: "the model takes \(counted(inputs.count, "input")) (\(inputs.map(\.name).joined(separator: ", "))), found \(tensors.count)")
        }
        var samples: Int?
        for (input, tensor) in zip(inputs, tensors) {
            let expected = "(batch, " + input.shape.map { $0.map(String.init) ?? "None" }.joined(separator: ", ") + ")"
            guard tensor.rank == input.shape.count + 1,
                  zip(input.shape, tensor.shape.dropFirst()).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw EngineError(message: "input '\(input.name)': expected \(expected), found \(tensor.shapeDescription)")
            }
            if let samples, samples != tensor.shape[0] {
                throw EngineError(message: "input '\(input.name)': expected \(samples) samples like the first input, found \(tensor.shape[0])")
            }
            samples = tensor.shape[0]
        }
    }

    private func run(_ inputTensors: [Tensor], keepAll: Bool, tracing traced: (any TraceableLayer)? = nil) throws -> (outputs: [Tensor], values: [TensorSource: Tensor], masks: [TensorSource: Tensor], traces: [RecurrentTrace]) {
        var traces: [RecurrentTrace] = []
        var tracedOnce = false
        var values: [TensorSource: Tensor] = [:]
        var masks: [TensorSource: Tensor] = [:]
        for (index, tensor) in inputTensors.enumerated() { values[.input(index)] = tensor }
        var produced = [Int](repeating: 0, count: nodes.count)

        func value(_ source: TensorSource, for node: GraphNode) throws -> Tensor {
            if let tensor = values[source] { return tensor }
            if case .node(let index, let output) = source {
                throw EngineError(message: "layer '\(node.layer.name)' reads output \(output) of layer '\(nodes[index].layer.name)', which has \(counted(produced[index], "output"))")
            }
            throw EngineError(message: "layer '\(node.layer.name)' reads \(source), which does not exist")
        }

        var position = 0
        while position < nodes.count {
            let node = nodes[position]
            defer { position += 1 }
            let sources = node.tensorSources
            let arguments = try sources.map { try value($0, for: node) }
            // A chain of row-independent layers runs a block of rows at a time (not when every
            // output is kept, or a layer is traced, or the input carries a mask).
            if !keepAll, traced == nil, let end = chainEnd[position], masks[sources[0]] == nil, arguments[0].rank >= 1, arguments[0].shape[0] > 1 {
                let output = try runRowChunked(nodes[position...end].map(\.layer), on: arguments[0])
                for index in position..<end { produced[index] = 1 }
                produced[end] = 1
                values[.node(end, output: 0)] = output
                if case .node(let index, _) = sources[0], lastUse[index] == position {
                    for k in 0..<produced[index] { values[.node(index, output: k)] = nil; masks[.node(index, output: k)] = nil }
                }
                position = end
                continue
            }
            var argumentMasks = sources.map { masks[$0] }
            for (index, explicit) in node.masks.enumerated() {
                guard let explicit else { continue }
                let mask = try value(explicit, for: node)
                if index < argumentMasks.count { argumentMasks[index] = mask } else if index == 0 { argumentMasks = [mask] }
            }
            let output: LayerOutput
            if let traced, !tracedOnce, node.layer === traced {
                // Only the layer's first call is traced (a shared layer is called again later).
                (output, traces) = try traced.call(arguments, masks: argumentMasks, recordTrace: true)
                tracedOnce = true
            } else {
                output = try node.layer.call(arguments, masks: argumentMasks)
            }
            if node.layer.clearsInputMasks { for source in sources { masks[source] = nil } }
            produced[position] = output.tensors.count
            for (index, tensor) in output.tensors.enumerated() {
                values[.node(position, output: index)] = tensor
                if index < output.masks.count, let mask = output.masks[index] { masks[.node(position, output: index)] = mask }
            }
            // Free what no later node reads (keeps memory flat on deep models).
            if !keepAll {
                for source in sources + node.masks.compactMap({ $0 }) {
                    if case .node(let index, _) = source, lastUse[index] == position {
                        for k in 0..<produced[index] { values[.node(index, output: k)] = nil; masks[.node(index, output: k)] = nil }
                    }
                }
            }
        }
        let results = try outputs.map { source -> Tensor in
            guard let tensor = values[source] else {
                if case .node(let index, let output) = source {
                    throw EngineError(message: "model output \(output) of layer '\(nodes[index].layer.name)' does not exist (it has \(counted(produced[index], "output")))")
                }
                throw EngineError(message: "model output \(source) does not exist")
            }
            return tensor
        }
        return (results, values, masks, traces)
    }
}

extension Tensor {
    /// Rows `range` of the first axis.
    public func rowSlice(_ range: Range<Int>) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + shape.dropFirst(),
                      scalars: Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]))
    }

    /// Stacks tensors with equal trailing shapes along the first axis.
    init(stacking parts: [Tensor]) {
        let rows = parts.reduce(0) { $0 + ($1.shape.first ?? 0) }
        self.init(shape: [rows] + parts[0].shape.dropFirst(), scalars: parts.flatMap(\.scalars))
    }
}

/// `1 input`, `2 inputs`.
public func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
