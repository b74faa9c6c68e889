import KerasCheckpoint
import ReplayEngine

/// Turns a model description and its bound weights into an engine graph: one engine layer per
/// Keras layer, one graph node per call of it, in dependency order.
struct GraphAssembler {
    let checkpoint: KerasCheckpoint
    let model: ModelDescription

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
        let factory = LayerFactory(checkpoint: checkpoint)
        var inputs: [GraphInput] = []
        var sources: [TensorReference: TensorSource] = [:]
        var stateful = false

        for reference in model.inputs {
            guard let layer = model.layer(named: reference.layer), layer.className == "InputLayer" else {
                throw fail("model input '\(reference.layer)' is not an InputLayer")
            }
            guard let shape = ShapeInference.declaredInputShape(layer.config), !shape.isEmpty else {
                throw fail("input layer '\(layer.name)': expected a declared input shape, found none")
            }
            sources[TensorReference(layer: layer.name)] = .input(inputs.count)
            inputs.append(GraphInput(name: layer.name, shape: Array(shape.dropFirst()), batchSize: shape[0]))
        }

        // Each call of a layer becomes a node once all the tensors it reads exist.
        struct PendingCall { var layer: LayerDescription; var nodeIndex: Int; var node: InboundNode }
        var pending: [PendingCall] = []
        for layer in model.layers where layer.className != "InputLayer" {
            for (index, node) in layer.inboundNodes.enumerated() { pending.append(PendingCall(layer: layer, nodeIndex: index, node: node)) }
        }
        var engineLayers: [String: any Layer] = [:]
        var nodes: [GraphNode] = []
        while !pending.isEmpty {
            guard let position = pending.firstIndex(where: { call in
                call.node.tensorArguments.allSatisfy { sources[$0] != nil } && (call.node.mask.map { sources[$0] != nil } ?? true)
            }) else {
                let stuck = pending[0]
                let missing = stuck.node.tensorArguments.first { sources[$0] == nil }
                throw fail("layer '\(stuck.layer.name)' (\(stuck.layer.className)): reads \(missing.map(\.description) ?? "a tensor") which no layer produces (or the graph has a cycle)")
            }
            let call = pending.remove(at: position)
            let layer: any Layer
            if let existing = engineLayers[call.layer.name] {
                layer = existing
            } else {
                layer = try factory.make(call.layer, arguments: call.node.arguments)
                engineLayers[call.layer.name] = layer
                if RecurrentSettings(className: call.layer.wrappedLayer?.className ?? call.layer.className,
                                     config: call.layer.wrappedLayer?.config ?? call.layer.config, version: checkpoint.kerasVersion)?.stateful == true {
                    stateful = true
                }
            }
            let arguments: [NodeArgument] = call.node.arguments.map { argument in
                switch argument {
                case .tensor(let reference): return .tensor(sources[reference]!)
                case .constant(let value): return .constant(Float(value.number ?? 0))
                }
            }
            let nodeIndex = nodes.count
            nodes.append(GraphNode(layer: layer, arguments: arguments, mask: call.node.mask.flatMap { sources[$0] }))
            let outputCount = checkpoint.outputShapes[call.layer.name]?.count ?? 1
            for tensor in 0..<max(outputCount, 1) {
                sources[TensorReference(layer: call.layer.name, node: call.nodeIndex, tensor: tensor)] = .node(nodeIndex, output: tensor)
            }
        }

        var outputs: [TensorSource] = []
        for reference in model.outputs {
            guard let source = sources[reference] else { throw fail("model output \(reference) is not produced by any layer") }
            outputs.append(source)
        }
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
        return Assembled(graph: graph, layers: engineLayers, sources: sources, nonFiniteWeights: factory.nonFiniteWeights)
    }
}
