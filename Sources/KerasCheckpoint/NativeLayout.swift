import HDF5

/// Keras 3's own weights layout (`.weights.h5`, and `model.weights.h5` inside `.keras`):
/// `layers/<path>/vars/0..N`, with sublayers below the layer's group (`cell/vars` for RNN
/// cells, `forward_layer/...` and `backward_layer/...` for Bidirectional, `layer/...` for
/// TimeDistributed). A layer's `vars` group carries the layer's name as its `name` attribute.
public enum NativeLayout {
    /// The group names Keras 3 gives the objects of a list attribute (StackedRNNCells' `cells`):
    /// the class name in snake_case, a counter from `_1` on for repeats, in list order
    /// (`[LSTMCell, GRUCell, LSTMCell]` → `lstm_cell`, `gru_cell`, `lstm_cell_1`).
    public static func listedNames(_ classNames: [String]) -> [String] {
        var used: [String: Int] = [:]
        return classNames.map { className in
            let base = snakeCase(className)
            if let count = used[base] {
                used[base] = count + 1
                return "\(base)_\(count + 1)"
            }
            used[base] = 0
            return base
        }
    }

    static func matches(_ root: HDF5Group) -> Bool {
        (try? root.kind(of: "layers")) == .group && !root.contains("model_weights") && !root.hasAttribute("layer_names")
    }

    /// The datasets of each layer of `model`, in Keras 2 weight order (a layer's own variables,
    /// then its cell, forward then backward sublayer, wrapped layer).
    static func layers(in root: HDF5Group, model: ModelDescription, version: KerasVersion?, catalog: any LayerCatalog, file: String) throws -> [(name: String, entries: [WeightEntry])] {
        guard (try? root.kind(of: "layers")) == .group else {
            throw CheckpointError(file: file, message: "expected a Keras 3 'layers' group, found none")
        }
        let layersGroup = try root.group("layers")
        let paths = try layersGroup.childNames()
        var pathByLayer: [String: String] = [:]
        for path in paths where (try? layersGroup.kind(of: "\(path)/vars")) == .group {
            // A group without a `name` attribute is not one Keras wrote for a layer; Keras ignores it.
            let vars = try layersGroup.group("\(path)/vars")
            guard vars.hasAttribute("name") else { continue }
            if let name = try vars.attribute("name").string { pathByLayer[name] = path }
        }
        // Files without name attributes: Keras names each path after the layer's class, snake_case,
        // with a counter for repeats, in the order of the model's layers.
        if pathByLayer.isEmpty {
            var used: [String: Int] = [:]
            for layer in model.layers where !layer.isOperation {
                if model.isSequential && layer.className == "InputLayer" { continue }
                let base = snakeCase(layer.className)
                let path: String
                if let count = used[base] { used[base] = count + 1; path = "\(base)_\(count + 1)" } else { used[base] = 0; path = base }
                if paths.contains(path) { pathByLayer[layer.name] = path }
            }
        }
        var result: [(String, [WeightEntry])] = []
        for layer in model.layers {
            guard let path = pathByLayer[layer.name] else { continue }
            var entries: [WeightEntry] = []
            let context = LayerContext(version: version, catalog: catalog, layer: layer)
            try collect(layersGroup, path, layer: layer, context: context, file: file, into: &entries, depth: 0)
            result.append((layer.name, entries))
        }
        let known = Set(model.layers.map(\.name))
        if let stray = pathByLayer.keys.sorted().first(where: { !known.contains($0) }) {
            throw CheckpointError(file: file, message: "layer '\(stray)' (layers/\(pathByLayer[stray]!)): has weights in the file but is not in the model's architecture")
        }
        return result
    }

    /// Every layer group below `layers/`, without a model to map them: named after its vars'
    /// `name` attribute (the group path when there is none), arrays in stored order.
    static func layersAsStored(in root: HDF5Group, file: String) throws -> [(name: String, entries: [WeightEntry])] {
        let layersGroup = try root.group("layers")
        var result: [(String, [WeightEntry])] = []
        for path in try layersGroup.childNames() where (try? layersGroup.kind(of: path)) == .group {
            var entries: [WeightEntry] = []
            let placeholder = LayerDescription(className: "", name: path, config: .object([:]), inboundNodes: [])
            let context = LayerContext(version: nil, catalog: StoredNamesOnly(), layer: placeholder)
            try collect(layersGroup, path, layer: placeholder, context: context, file: file, into: &entries, depth: 0)
            guard !entries.isEmpty else { continue }
            var name = path
            if (try? layersGroup.kind(of: "\(path)/vars")) == .group, let vars = try? layersGroup.group("\(path)/vars"),
               vars.hasAttribute("name"), let stored = try vars.attribute("name").string { name = stored }
            result.append((name, entries))
        }
        return result
    }

    /// Child groups in Keras' weight order for the wrappers every family shares (after the
    /// layer's own `nativeSublayerOrder`); others follow alphabetically.
    static let childOrder = ["cell", "forward_layer", "backward_layer", "layer"]

    private static func collect(_ base: HDF5Group, _ path: String, layer: LayerDescription, context: LayerContext, file: String,
                                into entries: inout [WeightEntry], depth: Int) throws {
        guard depth < 16 else {
            throw CheckpointError(file: file, message: "layer '\(layer.name)': layers/\(path) is nested deeper than any Keras layer")
        }
        let group = try base.group(path)
        let children = try group.childNames()
        if children.contains("vars"), (try? group.kind(of: "vars")) == .group {
            let variables = try group.group("vars")
            let names = try variables.childNames().compactMap { Int($0) }.sorted()
            for index in names {
                var entry = try WeightEntry.open(variables, String(index), layer: layer.name, file: file)
                entry.storedName = "\(path)/vars/\(index)"
                entries.append(entry)
            }
        }
        // A nested model keeps its layers under `layers/`, each named by its vars' `name`: take
        // them in the nested model's layer order (paths such as dense_10 sort before dense_2).
        if LayerDescription.modelClasses.contains(layer.className), children.contains("layers"),
           let nested = try? layer.nestedModel(), (try? group.kind(of: "layers")) == .group {
            let inner = try group.group("layers")
            var pathByName: [String: String] = [:]
            for child in try inner.childNames() where (try? inner.kind(of: "\(child)/vars")) == .group {
                let vars = try inner.group("\(child)/vars")
                guard vars.hasAttribute("name") else { continue }
                if let name = try vars.attribute("name").string { pathByName[name] = child }
            }
            for innerLayer in nested.layers {
                guard let child = pathByName[innerLayer.name] else { continue }
                let innerContext = LayerContext(version: context.version, catalog: context.catalog, layer: innerLayer)
                try collect(base, "\(path)/layers/\(child)", layer: innerLayer, context: innerContext, file: file, into: &entries, depth: depth + 1)
            }
            return
        }
        let order = (context.catalog.reading(layer.className)?.nativeSublayerOrder(of: layer, in: context) ?? []) + childOrder
        let subgroups = children.filter { $0 != "vars" }.sorted { lhs, rhs in
            let left = order.firstIndex(of: lhs) ?? order.count, right = order.firstIndex(of: rhs) ?? order.count
            return left != right ? left < right : lhs < rhs
        }
        for child in subgroups where (try? group.kind(of: child)) == .group {
            try collect(base, "\(path)/\(child)", layer: layer, context: context, file: file, into: &entries, depth: depth + 1)
        }
    }

    /// Keras' `naming.to_snake_case`: `TimeDistributed` → `time_distributed`, `LSTM` → `lstm`.
    public static func snakeCase(_ name: String) -> String {
        let characters = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (next?.isLowercase == true && previous != "_") { result += "_" }
            }
            result.append(character)
        }
        return result.lowercased()
    }
}
