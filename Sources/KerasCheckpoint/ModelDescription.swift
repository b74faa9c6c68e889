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

/// One call of a layer: its positional arguments and, when Keras 3 passed one, an explicit mask.
public struct InboundNode: Sendable, Equatable {
    public var arguments: [InboundArgument]
    /// A mask passed as the `mask` keyword (Keras 3 writes masks it computed with operations this way).
    public var mask: TensorReference?

    public init(arguments: [InboundArgument], mask: TensorReference? = nil) {
        self.arguments = arguments
        self.mask = mask
    }

    public var tensorArguments: [TensorReference] {
        arguments.compactMap { if case .tensor(let reference) = $0 { return reference }; return nil }
    }
}

public enum InboundArgument: Sendable, Equatable {
    case tensor(TensorReference)
    /// A constant written in the config (Keras 3 operation arguments such as `0.0`).
    case constant(JSONValue)
}
