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
        // Keras 3 operation nodes share class names with layers (`Add`, `Reshape`, `Softmax`);
        // their module tells them apart, and they are named `ops.Add`, ...
        if let module = value["module"]?.string, LayerDescription.operationModules.contains(where: { module.hasPrefix($0) }) {
            return (LayerDescription.operationPrefix + className, name, config)
        }
        // Legacy .h5 files of Keras 3 drop `module`. There an operation is told apart by its
        // config: every layer's carries `trainable`, an operation's only its name and arguments
        // (but Keras 3's SpatialDropout layers write their own config, without `trainable`).
        let keras3Call = value["inbound_nodes"]?.array?.first?.object != nil
        let writesNoTrainable = className.hasPrefix("SpatialDropout")
        if value["module"] == nil, keras3Call, className != "InputLayer", !writesNoTrainable, config["trainable"] == nil {
            return (LayerDescription.operationPrefix + className, name, config)
        }
        return (className, name, config)
    }

    private static func sequential(name: String, layerValues: [JSONValue], buildInputShape: [Int?]? = nil) throws -> ModelDescription {
        var layers: [LayerDescription] = []
        var previous: TensorReference?
        var modelInputs: [TensorReference] = []
        for (index, value) in layerValues.enumerated() {
            let header = try layerHeader(value, index: index)
            // Keras 1: a Sequential starting with a Merge of Sequential branches. Its file lists
            // the branches' layers among its own, so the branches become part of this graph.
            if index == 0, header.className == "Merge", let branches = header.config["layers"]?.array, !branches.isEmpty {
                var branchOutputs: [InboundArgument] = []
                for branch in branches {
                    let model = try parseDialect(branch)
                    layers += model.layers
                    modelInputs += model.inputs
                    branchOutputs += model.outputs.map { .tensor($0) }
                }
                var config = header.config.object ?? [:]
                config["layers"] = nil
                layers.append(LayerDescription(className: "Merge", name: header.name, config: .object(config),
                                               inboundNodes: [InboundNode(arguments: branchOutputs)]))
                previous = TensorReference(layer: header.name)
                continue
            }
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
                                inputs: modelInputs.isEmpty ? [TensorReference(layer: input.name)] : modelInputs, outputs: [output])
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
        var model = ModelDescription(className: className, name: config["name"]?.string ?? "model", layers: layers, inputs: inputs, outputs: outputs)
        renumberNestedModelCalls(&model)
        return model
    }

    /// Keras 1, 2 and tf-keras leave out of the config the first call of a model used as a
    /// layer (the one that built it from its own input), but number the saved calls as if it
    /// were there: the model's calls are referred to as 1, 2, ... Refer to them as 0, 1, ....
    private static func renumberNestedModelCalls(_ model: inout ModelDescription) {
        for nested in model.layers where LayerDescription.modelClasses.contains(nested.className) {
            var referenced: [Int] = []
            func collect(_ reference: TensorReference) { if reference.layer == nested.name { referenced.append(reference.node) } }
            for layer in model.layers { for node in layer.inboundNodes { node.allTensors.forEach(collect) } }
            model.outputs.forEach(collect)
            guard let lowest = referenced.min(), let highest = referenced.max(), lowest >= 1, highest == nested.inboundNodes.count else { continue }
            func shifted(_ reference: TensorReference) -> TensorReference {
                guard reference.layer == nested.name else { return reference }
                return TensorReference(layer: reference.layer, node: reference.node - 1, tensor: reference.tensor)
            }
            for index in model.layers.indices {
                for nodeIndex in model.layers[index].inboundNodes.indices {
                    var node = model.layers[index].inboundNodes[nodeIndex]
                    node.arguments = node.arguments.map { argument in
                        if case .tensor(let reference) = argument { return .tensor(shifted(reference)) }
                        return argument
                    }
                    node.keywordTensors = node.keywordTensors.mapValues(shifted)
                    node.masks = node.masks.map { $0.map(shifted) }
                    model.layers[index].inboundNodes[nodeIndex] = node
                }
            }
            model.outputs = model.outputs.map(shifted)
        }
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
            var node = InboundNode(arguments: arguments)
            for (key, argument) in object["kwargs"]?.object ?? [:] {
                if key == "mask" {
                    node.masks = (argument.array ?? [argument]).map(kerasTensorReference)
                } else if let reference = kerasTensorReference(argument) {
                    node.keywordTensors[key] = reference
                } else if let elements = argument.array, !elements.isEmpty,
                          case let references = elements.compactMap(kerasTensorReference), references.count == elements.count {
                    // A list of tensors (`initial_state=[h, c]`): one keyword tensor per element,
                    // named so that name order is list order.
                    for (index, reference) in references.enumerated() {
                        node.keywordTensors[InboundNode.listedKeyword(key, index)] = reference
                    }
                } else {
                    node.options[key] = argument
                }
            }
            return node
        }
        // Keras 1/2: [["input_1", 0, 0, {kwargs}], ...]; tf-keras writes tensors after the first
        // as kwargs [layer, node, tensor] (`{"value": ["v", 0, 0]}`).
        guard var entries = value.array else { throw Failure(message: "layer '\(layer)': an inbound node is neither a list nor an object") }
        // tf-keras TFOpLambda nodes with one tensor are the entry itself: ["dense", 0, 0, {"y": 1.5}].
        if entries.first?.string != nil { entries = [value] }
        var node = InboundNode(arguments: [])
        for entry in entries {
            guard let reference = tripleReference(entry) else { throw Failure(message: "layer '\(layer)': an inbound entry is not [layer, node, tensor]") }
            node.arguments.append(.tensor(reference))
        }
        for (key, argument) in entries.first?[3]?.object ?? [:] {
            if let reference = tripleReference(argument), argument.array?.count == 3 {
                node.keywordTensors[key] = reference
            } else {
                node.options[key] = argument
            }
        }
        return node
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
