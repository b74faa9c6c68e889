import KerasCheckpoint
import KerasLayers
import ReplayEngine

/// Turns a model description and its bound weights into an engine graph: one engine layer per
/// Keras layer (built by its adapter), one graph node per call of it, in dependency order.
struct GraphAssembler {
    let checkpoint: KerasCheckpoint
    let model: ModelDescription
    let catalog: KerasLayerCatalog

    struct Assembled {
        var graph: Graph
        var layers: [String: any Layer]
        var sources: [TensorReference: TensorSource]
        var nonFiniteWeights: [NonFiniteWeight]
    }

    func fail(_ message: String) -> ReplayError {
        ReplayError(file: checkpoint.path, message: message)
    }

    func assemble() throws -> Assembled {
        var inputs: [GraphInput] = []
        // Graph node of each call `[layer, node]`; model inputs are their input layer's call 0.
        var calls: [String: [Int: TensorSource]] = [:]

        for reference in model.inputs {
            guard let layer = model.layer(named: reference.layer), layer.className == "InputLayer" else {
                throw fail("model input '\(reference.layer)' is not an InputLayer")
            }
            guard let shape = ShapeInference.declaredInputShape(layer.config), !shape.isEmpty else {
                throw fail("input layer '\(layer.name)': expected a declared input shape, found none")
            }
            calls[layer.name, default: [:]][0] = .input(inputs.count)
            inputs.append(GraphInput(name: layer.name, shape: Array(shape.dropFirst()), batchSize: shape[0]))
        }
        func source(_ reference: TensorReference) -> TensorSource? {
            switch calls[reference.layer]?[reference.node] {
            case .input(let index)? where reference.tensor == 0: return .input(index)
            case .node(let index, _)?: return .node(index, output: reference.tensor)
            default: return nil
            }
        }

        // Each call of a layer becomes a node once all the tensors it reads exist.
        struct PendingCall { var layer: LayerDescription; var nodeIndex: Int; var node: InboundNode }
        var pending: [PendingCall] = []
        for layer in model.layers where layer.className != "InputLayer" {
            for (index, node) in layer.inboundNodes.enumerated() { pending.append(PendingCall(layer: layer, nodeIndex: index, node: node)) }
        }
        var engineLayers: [String: any Layer] = [:]
        var nonFinite: [NonFiniteWeight] = []
        var nodes: [GraphNode] = []
        while !pending.isEmpty {
            guard let position = pending.firstIndex(where: { call in
                call.node.tensorArguments.allSatisfy { source($0) != nil } && (call.node.mask.map { source($0) != nil } ?? true)
            }) else {
                let stuck = pending[0]
                let missing = stuck.node.tensorArguments.first { source($0) == nil }
                throw fail("layer '\(stuck.layer.name)' (\(stuck.layer.className)): reads \(missing.map(\.description) ?? "a tensor") which no layer produces (or the graph has a cycle)")
            }
            let call = pending.remove(at: position)
            let layer: any Layer
            if let existing = engineLayers[call.layer.name] {
                layer = existing
            } else {
                let built = try build(call.layer, call: call.node)
                layer = built.layer
                nonFinite += built.nonFinite
                engineLayers[call.layer.name] = layer
            }
            let arguments: [NodeArgument] = call.node.arguments.map { argument in
                switch argument {
                case .tensor(let reference): return .tensor(source(reference)!)
                case .constant(let value): return .constant(Float(value.number ?? 0))
                }
            }
            calls[call.layer.name, default: [:]][call.nodeIndex] = .node(nodes.count, output: 0)
            nodes.append(GraphNode(layer: layer, arguments: arguments, mask: call.node.mask.flatMap(source)))
        }

        var outputs: [TensorSource] = []
        for reference in model.outputs {
            guard let output = source(reference) else { throw fail("model output \(reference) is not produced by any layer") }
            outputs.append(output)
        }
        var sources: [TensorReference: TensorSource] = [:]
        for (layer, byNode) in calls {
            for node in byNode.keys {
                for tensor in 0..<max(checkpoint.outputShapes[layer]?.count ?? 1, 1) {
                    let reference = TensorReference(layer: layer, node: node, tensor: tensor)
                    sources[reference] = source(reference)
                }
            }
        }
        let stateful = engineLayers.values.contains { $0.isStateful }
        let fixedBatch = stateful ? inputs.first?.batchSize : nil
        if stateful && fixedBatch == nil {
            throw fail("a stateful layer needs a fixed batch size (batch_input_shape), and the input layer declares none")
        }
        let graph: Graph
        do {
            graph = try Graph(inputs: inputs, nodes: nodes, outputs: outputs, fixedBatchSize: fixedBatch)
        } catch let error as EngineError {
            throw fail(error.description)
        }
        return Assembled(graph: graph, layers: engineLayers, sources: sources, nonFiniteWeights: nonFinite)
    }

    /// The engine layer of one Keras layer, from its adapter.
    func build(_ layer: LayerDescription, call: InboundNode) throws -> (layer: any Layer, nonFinite: [NonFiniteWeight]) {
        guard let adapter = catalog.adapter(layer.className) else {
            throw fail("layer '\(layer.name)' (\(layer.className)): is not a layer keras-replay can replay (expected one of the \(catalog.classNames.count) Keras classes README.md lists under Layers)")
        }
        do {
            return try catalog.build(layer, adapter: adapter, call: call, checkpoint: checkpoint)
        } catch let error as LayerError {
            throw fail(error.description)
        } catch let error as EngineError {
            throw fail(error.description)
        } catch let error as CheckpointError {
            throw ReplayError(file: error.file, message: error.message)
        }
    }
}
