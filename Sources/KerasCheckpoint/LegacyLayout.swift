import HDF5

/// The legacy Keras HDF5 layout (`model.save("x.h5")`, `ModelCheckpoint`, Keras 2 `save_weights`):
/// root attributes `keras_version`, `backend`, `model_config`; a `model_weights` group (or the
/// root, for weights-only files) with `layer_names`, and per layer a group with `weight_names`.
struct LegacyLayout {
    var kerasVersion: KerasVersion?
    var modelConfig: String?
    var layers: [(name: String, entries: [WeightEntry])] = []
    var stringEncodings: [String: StringEncoding] = [:]
    var chunkedAttributes: [String] = []

    init(root: HDF5Group, file path: String) throws {
        let weightsRoot: HDF5Group
        if root.contains("model_weights") {
            weightsRoot = try root.group("model_weights")
        } else if root.hasAttribute("layer_names") || root.hasAttribute("layer_names0") {
            weightsRoot = root
        } else {
            throw CheckpointError(file: path, message: "HDF5 but not a Keras checkpoint: expected a 'model_weights' group or a 'layer_names' attribute, found neither")
        }
        var encodings: [String: StringEncoding] = [:]
        func stringAttribute(_ name: String, in group: HDF5Group) throws -> String? {
            guard group.hasAttribute(name) else { return nil }
            let value = try group.attribute(name)
            if let encoding = try? group.attributeInfo(name).stringEncoding { encodings[name] = encoding }
            guard let text = value.string else {
                throw CheckpointError(file: path, message: "attribute '\(name)' expected a string, found \(value.shape.isEmpty ? "a number" : "an array of shape \(formatShape(value.shape))")")
            }
            return text
        }
        let versionText = try stringAttribute("keras_version", in: root) ?? stringAttribute("keras_version", in: weightsRoot)
        let backend = try stringAttribute("backend", in: root) ?? stringAttribute("backend", in: weightsRoot)
        kerasVersion = versionText.flatMap { KerasVersion($0, backend: backend) }
        modelConfig = try stringAttribute("model_config", in: root)

        var chunked: [String] = []
        let layerNames = try Self.chunkedStrings("layer_names", in: weightsRoot, file: path, chunked: &chunked, encodings: &encodings)
        for layerName in layerNames {
            guard weightsRoot.contains(layerName) else {
                throw CheckpointError(file: path, message: "layer '\(layerName)': expected group \(weightsRoot.path == "/" ? "" : weightsRoot.path)/\(layerName) listed in layer_names, found nothing")
            }
            let group = try weightsRoot.group(layerName)
            var ignored: [String] = []
            let weightNames = try Self.chunkedStrings("weight_names", in: group, file: path, chunked: &ignored, encodings: &encodings, required: false)
            var entries: [WeightEntry] = []
            for weightName in weightNames {
                guard group.contains(weightName) else {
                    throw CheckpointError(file: path, message: "layer '\(layerName)': expected dataset '\(weightName)' listed in weight_names, found nothing at \(group.path)/\(weightName)")
                }
                entries.append(try WeightEntry.open(group, weightName, layer: layerName, file: path))
            }
            layers.append((layerName, entries))
        }
        stringEncodings = encodings
        chunkedAttributes = chunked
    }

    /// Reads a string-list attribute that Keras may have split into `name0`, `name1`, ... (over 64 KiB).
    static func chunkedStrings(_ name: String, in group: HDF5Group, file: String, chunked: inout [String],
                               encodings: inout [String: StringEncoding], required: Bool = true) throws -> [String] {
        func strings(_ attribute: String) throws -> [String] {
            let value = try group.attribute(attribute)
            if encodings[name] == nil, let encoding = try? group.attributeInfo(attribute).stringEncoding { encodings[name] = encoding }
            guard let list = value.stringArray else {
                throw CheckpointError(file: file, message: "\(group.path): attribute '\(attribute)' expected a list of strings, found numbers")
            }
            return list
        }
        if group.hasAttribute(name) { return try strings(name) }
        var result: [String] = []
        var index = 0
        while group.hasAttribute("\(name)\(index)") {
            result += try strings("\(name)\(index)")
            chunked.append("\(name)\(index)")
            index += 1
        }
        if index == 0 && required {
            throw CheckpointError(file: file, message: "\(group.path): expected attribute '\(name)', found none")
        }
        return result
    }
}

extension WeightEntry {
    /// Opens a dataset's metadata (not its data) as a weight entry, refusing non-numeric data.
    static func open(_ group: HDF5Group, _ relativePath: String, layer: String, file: String) throws -> WeightEntry {
        let dataset: HDF5Dataset
        do { dataset = try group.dataset(relativePath) } catch let error as HDF5Error {
            throw CheckpointError(file: file, message: "layer '\(layer)': weight '\(relativePath)' \(error.message)")
        }
        switch dataset.elementType {
        case .float, .integer: break
        default:
            throw CheckpointError(file: file, message: "layer '\(layer)': weight '\(relativePath)' expected float data, found \(dataset.elementType)")
        }
        return WeightEntry(storedName: relativePath, datasetPath: dataset.path, shape: dataset.shape, elementType: dataset.elementType)
    }
}
