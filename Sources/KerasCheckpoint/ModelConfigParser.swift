/// Reads `model_config` JSON in the Keras 1, Keras 2 / tf-keras and Keras 3 dialects.
enum ModelConfigParser {
    struct Failure: Error { var message: String }

    static func parse(_ root: JSONValue) throws -> ModelDescription {
        let model = try parseDialect(root)
        // Layers are found by name (weights, inbound nodes): two layers with one name would be ambiguous.
        var seen = Set<String>()
        for layer in model.layers where !seen.insert(layer.name).inserted {
            throw Failure(message: "model_config: expected unique layer names, found '\(layer.name)' twice")
        }
        return model
    }

    private static func parseDialect(_ root: JSONValue) throws -> ModelDescription {
        // Keras 1 Sequential configs can be a bare list of layers.
        if let layers = root.array {
            return try sequential(name: "sequential", layerValues: layers)
        }
        guard let className = root["class_name"]?.string else {
            throw Failure(message: "model_config has no class_name")
        }
        let config = root["config"] ?? .null
        switch className {
        case "Sequential":
            if let layers = config.array { return try sequential(name: "sequential", layerValues: layers) }
            guard let layers = config["layers"]?.array else { throw Failure(message: "Sequential config has no layers") }
            return try sequential(name: config["name"]?.string ?? "sequential", layerValues: layers, buildInputShape: config["build_input_shape"]?.shape)
        case "Model", "Functional":
            return try functional(className: className, config: config)
        default:
            throw Failure(message: "model class '\(className)' is not supported (expected Sequential, Model or Functional)")
        }
    }

    private static func layerHeader(_ value: JSONValue, index: Int) throws -> (className: String, name: String, config: JSONValue) {
        guard let className = value["class_name"]?.string else {
            throw Failure(message: "layer \(index) in model_config has no class_name")
        }
        let config = value["config"] ?? .object([:])
        guard let name = value["name"]?.string ?? config["name"]?.string else {
            throw Failure(message: "layer \(index) (\(className)) in model_config has no name")
        }
        return (className, name, config)
    }

    private static func sequential(name: String, layerValues: [JSONValue], buildInputShape: [Int?]? = nil) throws -> ModelDescription {
        var layers: [LayerDescription] = []
        var previous: TensorReference?
        for (index, value) in layerValues.enumerated() {
            let header = try layerHeader(value, index: index)
            if header.className == "InputLayer" {
                layers.append(LayerDescription(className: "InputLayer", name: header.name, config: header.config, inboundNodes: []))
                previous = TensorReference(layer: header.name)
                continue
            }
            if previous == nil {
                // Keras 1/2 Sequential: the first layer carries batch_input_shape; make the input layer Keras made.
                let shape = header.config["batch_input_shape"] ?? header.config["batch_shape"]
                    ?? buildInputShape.map { JSONValue.array($0.map { $0.map { .number(Double($0)) } ?? .null }) }
                guard let shape else {
                    throw Failure(message: "Sequential model: first layer '\(header.name)' declares no input shape")
                }
                let inputName = "\(header.name)_input"
                var inputConfig: [String: JSONValue] = ["batch_input_shape": shape, "name": .string(inputName)]
                if let dtype = header.config["dtype"], dtype.string != nil { inputConfig["dtype"] = dtype }
                layers.append(LayerDescription(className: "InputLayer", name: inputName, config: .object(inputConfig), inboundNodes: []))
                previous = TensorReference(layer: inputName)
            }
            layers.append(LayerDescription(className: header.className, name: header.name, config: header.config,
                                           inboundNodes: [InboundNode(arguments: [.tensor(previous!)])]))
            previous = TensorReference(layer: header.name)
        }
        guard let input = layers.first, let output = previous else {
            throw Failure(message: "Sequential model has no layers")
        }
        return ModelDescription(className: "Sequential", name: name, layers: layers,
                                inputs: [TensorReference(layer: input.name)], outputs: [output])
    }

    private static func functional(className: String, config: JSONValue) throws -> ModelDescription {
        guard let layerValues = config["layers"]?.array else { throw Failure(message: "\(className) config has no layers") }
        var layers: [LayerDescription] = []
        for (index, value) in layerValues.enumerated() {
            let header = try layerHeader(value, index: index)
            let nodes = try (value["inbound_nodes"]?.array ?? []).map { try inboundNode($0, layer: header.name) }
            layers.append(LayerDescription(className: header.className, name: header.name, config: header.config, inboundNodes: nodes))
        }
        let inputs = try references(config["input_layers"], what: "input_layers")
        let outputs = try references(config["output_layers"], what: "output_layers")
        guard !inputs.isEmpty, !outputs.isEmpty else { throw Failure(message: "\(className) config has no inputs or outputs") }
        return ModelDescription(className: className, name: config["name"]?.string ?? "model", layers: layers, inputs: inputs, outputs: outputs)
    }

    /// `[["input_1", 0, 0], ...]`, a single `["input_1", 0, 0]` (Keras 3 with one input), or Keras 3's nested dict forms.
    private static func references(_ value: JSONValue?, what: String) throws -> [TensorReference] {
        guard let value else { return [] }
        if let single = tripleReference(value) { return [single] }
        guard let elements = value.array else { throw Failure(message: "\(what) is not a list") }
        return try elements.map {
            guard let reference = tripleReference($0) ?? kerasTensorReference($0) else { throw Failure(message: "\(what) entry is not [layer, node, tensor]") }
            return reference
        }
    }

    private static func tripleReference(_ value: JSONValue) -> TensorReference? {
        guard let elements = value.array, elements.count >= 3, let layer = elements[0].string,
              let node = elements[1].int, let tensor = elements[2].int else { return nil }
        return TensorReference(layer: layer, node: node, tensor: tensor)
    }

    /// Keras 3's `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, tensor]}}`.
    private static func kerasTensorReference(_ value: JSONValue) -> TensorReference? {
        guard value["class_name"]?.string == "__keras_tensor__", let history = value["config"]?["keras_history"] else { return nil }
        return tripleReference(history)
    }

    private static func inboundNode(_ value: JSONValue, layer: String) throws -> InboundNode {
        // Keras 3: {"args": [...], "kwargs": {...}}
        if let object = value.object {
            var arguments: [InboundArgument] = []
            for argument in object["args"]?.array ?? [] { arguments.append(contentsOf: flatten(argument)) }
            var mask: TensorReference?
            if let maskValue = object["kwargs"]?["mask"] {
                mask = kerasTensorReference(maskValue) ?? maskValue.array?.compactMap(kerasTensorReference).first
            }
            return InboundNode(arguments: arguments, mask: mask)
        }
        // Keras 1/2: [["input_1", 0, 0, {kwargs}], ...]
        guard let entries = value.array else { throw Failure(message: "layer '\(layer)': an inbound node is neither a list nor an object") }
        var arguments: [InboundArgument] = []
        for entry in entries {
            guard let reference = tripleReference(entry) else { throw Failure(message: "layer '\(layer)': an inbound entry is not [layer, node, tensor]") }
            arguments.append(.tensor(reference))
        }
        return InboundNode(arguments: arguments)
    }

    /// Keras 3 merge layers take one list argument; operations take tensors and constants side by side.
    private static func flatten(_ argument: JSONValue) -> [InboundArgument] {
        if let reference = kerasTensorReference(argument) { return [.tensor(reference)] }
        if let elements = argument.array, elements.contains(where: { kerasTensorReference($0) != nil }) {
            return elements.flatMap(flatten)
        }
        return [.constant(argument)]
    }
}
