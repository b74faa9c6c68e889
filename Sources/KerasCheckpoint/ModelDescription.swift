/// One model, whatever Keras dialect described it: its layers in order and the graph between them.
/// Sequential models are given the same graph form as functional ones (each layer reads the one before).
public struct ModelDescription: Sendable, Equatable {
    /// `Sequential`, `Functional` (Keras 3, tf-keras) or `Model` (Keras 1 and 2 functional).
    public var className: String
    public var name: String
    /// Every layer, input layers included, in the config's order (which is topological).
    public var layers: [LayerDescription]
    /// The model's inputs, as references to input layers' outputs.
    public var inputs: [TensorReference]
    /// The model's outputs, in order.
    public var outputs: [TensorReference]

    public func layer(named name: String) -> LayerDescription? {
        layers.first { $0.name == name }
    }

    public var isSequential: Bool { className == "Sequential" }
}

/// A layer as the config describes it.
public struct LayerDescription: Sendable, Equatable {
    /// Keras class name, e.g. `LSTM`, `Bidirectional`, `InputLayer`; Keras 3 operation nodes keep theirs (`NotEqual`).
    public var className: String
    public var name: String
    /// The layer's own `config` object, as written.
    public var config: JSONValue
    /// One entry per call of the layer in the graph.
    public var inboundNodes: [InboundNode]

    public init(className: String, name: String, config: JSONValue, inboundNodes: [InboundNode]) {
        self.className = className
        self.name = name
        self.config = config
        self.inboundNodes = inboundNodes
    }

    /// Keras 3 operation nodes (`keras.ops.add(x, 1.0)` in a functional model) are named
    /// `ops.Add`, apart from the layers whose class names they share.
    public static let operationPrefix = "ops."
    /// The modules Keras 3 writes for operation nodes.
    static let operationModules = ["keras.src.ops.", "keras.src.activations", "keras.ops"]

    /// True for a Keras 3 operation node (`ops.Add`, `ops.NotEqual`).
    public var isOperation: Bool { className.hasPrefix(Self.operationPrefix) }

    /// The wrapped layer of `Bidirectional` and `TimeDistributed`.
    public var wrappedLayer: LayerDescription? {
        guard let inner = config["layer"], let className = inner["class_name"]?.string else { return nil }
        let config = inner["config"] ?? .object([:])
        return LayerDescription(className: className, name: config["name"]?.string ?? name, config: config, inboundNodes: [])
    }
}

/// Output `tensor` of call `node` of layer `layer` (Keras' `[layer, node, tensor]` triple).
public struct TensorReference: Sendable, Hashable, CustomStringConvertible {
    public var layer: String
    public var node: Int
    public var tensor: Int

    public init(layer: String, node: Int = 0, tensor: Int = 0) {
        self.layer = layer
        self.node = node
        self.tensor = tensor
    }

    public var description: String { node == 0 && tensor == 0 ? layer : "\(layer)[\(node)][\(tensor)]" }
}

/// One call of a layer: its positional arguments, its keyword arguments, and the masks Keras 3
/// passed explicitly.
public struct InboundNode: Sendable, Equatable {
    public var arguments: [InboundArgument]
    /// Tensors passed by keyword (`value=`, `attention_mask=`; tf-keras writes every tensor after
    /// the first this way). A list of tensors (Keras 3 `initial_state=[h, c]`) gives one entry
    /// per element, named by ``listedKeyword(_:_:)``.
    public var keywordTensors: [String: TensorReference]
    /// Keyword arguments that are not tensors (`use_causal_mask: true`, `training: false`).
    public var options: [String: JSONValue]
    /// Masks passed as the `mask` keyword (Keras 3 writes masks it computed with operations this
    /// way), aligned with the tensor arguments; nil entries propagate as Keras does.
    public var masks: [TensorReference?]

    public init(arguments: [InboundArgument], keywordTensors: [String: TensorReference] = [:], options: [String: JSONValue] = [:],
                masks: [TensorReference?] = []) {
        self.arguments = arguments
        self.keywordTensors = keywordTensors
        self.options = options
        self.masks = masks
    }

    /// The keyword name of element `index` of a list-valued tensor keyword: `initial_state#000`,
    /// so that name order is list order.
    public static func listedKeyword(_ key: String, _ index: Int) -> String {
        let digits = String(index)
        return key + "#" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// The positional tensor arguments, in order.
    public var tensorArguments: [TensorReference] {
        arguments.compactMap { if case .tensor(let reference) = $0 { return reference }; return nil }
    }

    /// Every tensor the call reads: positional, keyword and explicit masks.
    public var allTensors: [TensorReference] {
        tensorArguments + keywordTensors.keys.sorted().map { keywordTensors[$0]! } + masks.compactMap { $0 }
    }

    /// True when the call was saved with `training=True` (Keras then runs dropout and noise
    /// inside `model.predict`, so its outputs are random).
    public var savedInTrainingMode: Bool { options["training"]?.bool == true }
}

public enum InboundArgument: Sendable, Equatable {
    case tensor(TensorReference)
    /// A constant written in the config (Keras 3 operation arguments such as `0.0`).
    case constant(JSONValue)
}

extension LayerDescription {
    /// The Keras classes of models, which a functional model may use as a layer.
    public static let modelClasses: Set<String> = ["Sequential", "Functional", "Model"]

    /// The model this layer is, for a `Sequential` or `Functional` used as a layer.
    /// - Throws: `LayerError` when its config is not a model Keras would have written.
    public func nestedModel() throws -> ModelDescription {
        do {
            return try ModelConfigParser.parse(.object(["class_name": .string(className), "config": config]))
        } catch let error as ModelConfigParser.Failure {
            throw LayerError(layer: name, className: className, message: "nested model: \(error.message)")
        }
    }
}
