import KerasCheckpoint
import ReplayEngine

/// Turns a model description into an engine graph: one engine layer per Keras layer (built by
/// its adapter), one graph node per call of it, in the order Keras runs them. Used for the
/// checkpoint's model and for models nested in it as layers.
public struct ModelAssembler {
    public let model: ModelDescription
    public let version: KerasVersion?
    public let catalog: KerasLayerCatalog
    /// Output shapes by layer (shape inference), for the adapters that need their input shapes.
    public let shapes: [String: [TensorShape]]
    let weights: (LayerDescription) -> WeightSource

    public struct Assembled {
        public var graph: Graph
        /// The engine layer of each Keras layer (its first call's, when calls differ in options).
        public var layers: [String: any Layer]
        /// The graph position of every Keras tensor `[layer, node, tensor]`.
        public var sources: [TensorReference: TensorSource]
        public var nonFiniteWeights: [NonFiniteWeight]
        /// Layers with a call saved with `training=True`, replayed in inference mode.
        public var trainingModeLayers: [String]
    }

    /// The model of `checkpoint`, weights read from it.
    public init(checkpoint: KerasCheckpoint, model: ModelDescription, catalog: KerasLayerCatalog) {
        let log = NonFiniteLog()
        self.init(model: model, version: checkpoint.kerasVersion, catalog: catalog, shapes: checkpoint.outputShapes) { layer in
            WeightSource(checkpoint: checkpoint, layerName: layer.name, log: log)
        }
    }

    init(model: ModelDescription, version: KerasVersion?, catalog: KerasLayerCatalog, shapes: [String: [TensorShape]],
         weights: @escaping (LayerDescription) -> WeightSource) {
        self.model = model
        self.version = version
        self.catalog = catalog
        self.shapes = shapes
        self.weights = weights
    }

    /// - Throws: `ModelError` (one line naming the layer) when the model cannot be built.
    public func assemble() throws -> Assembled {
        var inputs: [GraphInput] = []
        // Graph node of each call `[layer, node]`; model inputs are their input layer's call 0.
        var calls: [String: [Int: TensorSource]] = [:]
        for reference in model.inputs {
            guard let layer = model.layer(named: reference.layer), layer.className == "InputLayer" else {
                throw ModelError("model input '\(reference.layer)' is not an InputLayer")
            }
            guard let shape = ShapeInference.declaredInputShape(layer.config), !shape.isEmpty else {
                throw ModelError("input layer '\(layer.name)': expected a declared input shape, found none")
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

        var engineLayers: [String: any Layer] = [:]
        var engineByName: [String: any Layer] = [:]
        var trainingMode: [String] = []
        var nonFinite: [NonFiniteWeight] = []
        var nodes: [GraphNode] = []
        var layersByName: [String: LayerDescription] = [:]
        for layer in model.layers { layersByName[layer.name] = layer }
        for call in try ExecutionOrder.of(model) {
            let layer = layersByName[call.layer]!, node = layer.inboundNodes[call.node]
            if let missing = node.allTensors.first(where: { source($0) == nil }) {
                throw ModelError("layer '\(layer.name)' (\(layer.className)): reads \(missing.description), which no layer produces before it")
            }
            guard let adapter = catalog.adapter(layer.className) else {
                throw ModelError("layer '\(layer.name)' (\(layer.className)): is not a layer keras-replay can replay (expected one of the \(catalog.classNames.count) Keras classes README.md lists under Layers)")
            }
            let context = LayerContext(version: version, catalog: catalog, layer: layer)
            let arguments = try adapter.callArguments(node, of: layer, in: context)
            // Calls with the same options share one engine layer (weights and state, as in Keras).
            let signature = layer.name + "|" + JSONValue.object(node.options.filter { $0.key != "training" }).jsonText
                + "|" + node.keywordTensors.keys.sorted().joined(separator: ",")
            let engineLayer: any Layer
            if let existing = engineLayers[signature] {
                engineLayer = existing
            } else {
                let inputShapes: [TensorShape?] = arguments.compactMap { argument in
                    guard case .tensor(let reference) = argument else { return nil }
                    return .some(shapes[reference.layer]?[safe: reference.tensor])
                }
                let weightSource = weights(layer)
                let buildContext = BuildContext(layer: layer, version: version, engineName: layer.name, call: node, direction: nil,
                                                weights: weightSource, catalog: catalog, inputShapes: inputShapes)
                do {
                    engineLayer = try adapter.makeLayer(layer, in: buildContext)
                } catch let error as EngineError {
                    throw LayerError(layer: layer.name, className: layer.className, message: error.message)
                }
                nonFinite = weightSource.nonFinite
                engineLayers[signature] = engineLayer
                if engineByName[layer.name] == nil { engineByName[layer.name] = engineLayer }
            }
            // Keras 1/2 and tf-keras apply dropout and noise inside predict for such a call;
            // Keras 3's predict runs it in inference mode all the same.
            if node.savedInTrainingMode, version?.generation != .keras3, !trainingMode.contains(layer.name) { trainingMode.append(layer.name) }
            let nodeArguments: [NodeArgument] = arguments.map { argument in
                switch argument {
                case .tensor(let reference): return .tensor(source(reference)!)
                case .constant(let value): return .constant(Float(value.number ?? 0))
                }
            }
            calls[layer.name, default: [:]][call.node] = .node(nodes.count, output: 0)
            nodes.append(GraphNode(layer: engineLayer, arguments: nodeArguments, masks: node.masks.map { $0.flatMap(source) }))
        }

        var outputs: [TensorSource] = []
        for reference in model.outputs {
            guard let output = source(reference) else { throw ModelError("model output \(reference) is not produced by any layer") }
            outputs.append(output)
        }
        var sources: [TensorReference: TensorSource] = [:]
        for (layer, byNode) in calls {
            for node in byNode.keys {
                for tensor in 0..<max(shapes[layer]?.count ?? 1, 1) {
                    let reference = TensorReference(layer: layer, node: node, tensor: tensor)
                    sources[reference] = source(reference)
                }
            }
        }
        let stateful = engineByName.values.contains { $0.isStateful }
        let fixedBatch = stateful ? inputs.first?.batchSize : nil
        if stateful && fixedBatch == nil {
            throw ModelError("a stateful layer needs a fixed batch size (batch_input_shape), and the input layer declares none")
        }
        do {
            let graph = try Graph(inputs: inputs, nodes: nodes, outputs: outputs, fixedBatchSize: fixedBatch)
            return Assembled(graph: graph, layers: engineByName, sources: sources, nonFiniteWeights: nonFinite, trainingModeLayers: trainingMode)
        } catch let error as EngineError {
            throw ModelError(error.description)
        }
    }
}

/// A model that cannot be built: one line naming the layer and what was wrong.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
