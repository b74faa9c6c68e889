import HDF5

/// How a checkpoint file is laid out.
public enum CheckpointFormat: String, Sendable, Equatable {
    /// `model.save` / `ModelCheckpoint` legacy HDF5: `model_config` plus `model_weights`.
    case fullModel = "full model"
    /// Keras 2 `save_weights`: `layer_names` and layer groups at the root, no architecture.
    case weightsOnly = "weights only"
}

/// An error that names the file, the place in it, and what was expected against what was found.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// A Keras checkpoint, opened read-only. Opening reads metadata only (attributes, dataset shapes
/// and types); weight data is read on request with `tensor(for:)`.
public final class KerasCheckpoint: @unchecked Sendable {
    public let path: String
    public let format: CheckpointFormat
    /// The saving Keras; nil when the file does not say.
    public let kerasVersion: KerasVersion?
    /// The architecture; nil for weights-only files.
    public let model: ModelDescription?
    /// Every layer in `layer_names` order with its datasets and bound weights.
    public let layers: [LayerWeights]
    /// Output shapes from the config (see `ShapeInference`).
    public let outputShapes: [String: [[Int?]]]
    /// How the string attributes were stored (`model_config`, `layer_names`).
    public let stringEncodings: [String: StringEncoding]
    /// Attributes that Keras split because they exceeded 64 KiB (`layer_names` → `layer_names0`, ...).
    public let chunkedAttributes: [String]

    private let file: HDF5File

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    public func layerWeights(named name: String) -> LayerWeights? {
        layers.first { $0.layerName == name }
    }

    /// Opens and reads the metadata of the checkpoint at `path`.
    /// - Throws: `CheckpointError` with one line naming the file, the layer and what was wrong.
    public init(path: String, limits: ReadLimits = .standard) throws {
        self.path = path
        do {
            file = try HDF5File(path: path, limits: limits)
            let root = try file.root()
            var encodings: [String: StringEncoding] = [:]
            var chunked: [String] = []

            let weightsRoot: HDF5Group
            if root.contains("model_weights") {
                format = .fullModel
                weightsRoot = try root.group("model_weights")
            } else if root.hasAttribute("layer_names") || root.hasAttribute("layer_names0") {
                format = root.hasAttribute("model_config") ? .fullModel : .weightsOnly
                weightsRoot = root
            } else if root.contains("layers"), root.contains("vars") || root.hasAttribute("keras_version") == false {
                throw CheckpointError(file: path, message: "a Keras 3 native weights file (layers/<name>/vars); this reader expects a legacy Keras .h5 checkpoint with model_weights or layer_names")
            } else {
                throw CheckpointError(file: path, message: "HDF5 but not a Keras checkpoint: expected a 'model_weights' group or a 'layer_names' attribute, found neither")
            }

            func stringAttribute(_ name: String, in group: HDF5Group) throws -> String? {
                guard group.hasAttribute(name) else { return nil }
                let value = try group.attribute(name)
                if let info = try? group.attributeInfo(name), let encoding = info.stringEncoding { encodings[name] = encoding }
                guard let text = value.string else {
                    throw CheckpointError(file: path, message: "attribute '\(name)' expected a string, found \(value.shape.isEmpty ? "a number" : "an array of shape \(formatShape(value.shape))")")
                }
                return text
            }

            let versionText = try stringAttribute("keras_version", in: root) ?? stringAttribute("keras_version", in: weightsRoot)
            let backend = try stringAttribute("backend", in: root) ?? stringAttribute("backend", in: weightsRoot)
            let version = versionText.flatMap { KerasVersion($0, backend: backend) }
            kerasVersion = version

            var model: ModelDescription?
            if let configText = try stringAttribute("model_config", in: root) {
                let json: JSONValue
                do { json = try JSONValue.parse(configText) } catch let error as JSONError {
                    throw CheckpointError(file: path, message: "model_config \(error.message)")
                }
                do { model = try ModelConfigParser.parse(json) } catch let error as ModelConfigParser.Failure {
                    throw CheckpointError(file: path, message: error.message)
                }
            }
            self.model = model
            let shapes = model.map(ShapeInference.outputShapes(of:)) ?? [:]
            outputShapes = shapes

            let layerNames = try Self.chunkedStrings("layer_names", in: weightsRoot, file: path, chunked: &chunked, encodings: &encodings)
            var layers: [LayerWeights] = []
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
                    let dataset: HDF5Dataset
                    do { dataset = try group.dataset(weightName) } catch let error as HDF5Error {
                        throw CheckpointError(file: path, message: "layer '\(layerName)': weight '\(weightName)' \(error.message)")
                    }
                    switch dataset.elementType {
                    case .float, .integer: break
                    default:
                        throw CheckpointError(file: path, message: "layer '\(layerName)': weight '\(weightName)' expected float data, found \(dataset.elementType)")
                    }
                    entries.append(WeightEntry(storedName: weightName, datasetPath: dataset.path, shape: dataset.shape, elementType: dataset.elementType))
                }
                let description = model?.layer(named: layerName)
                if model != nil, description == nil, !entries.isEmpty {
                    throw CheckpointError(file: path, message: "layer '\(layerName)': has weights in the file but is not in model_config")
                }
                let inputShape = description?.inboundNodes.first?.tensorArguments.first.flatMap { shapes[$0.layer]?[safe: $0.tensor] }
                let bound: [BoundWeight]
                do {
                    bound = try WeightBinder.bind(layerName: layerName, className: description?.className, config: description?.config,
                                                  entries: entries, inputShape: inputShape, version: version)
                } catch let error as WeightBinder.Failure {
                    throw CheckpointError(file: path, message: error.message)
                }
                layers.append(LayerWeights(layerName: layerName, className: description?.className, entries: entries, bound: bound))
            }
            if let model {
                // Every layer the config says has weights must have them in the file.
                let stored = Set(layers.map(\.layerName))
                for layer in model.layers where Self.layerClassesWithWeights.contains(layer.className) && !stored.contains(layer.name) {
                    throw CheckpointError(file: path, message: "layer '\(layer.name)' (\(layer.className)): expected weights in the file, found no group for it in layer_names")
                }
                for weights in layers where weights.entries.isEmpty {
                    if let className = weights.className, Self.layerClassesWithWeights.contains(className) {
                        throw CheckpointError(file: path, message: "layer '\(weights.layerName)' (\(className)): expected weight datasets, found none in weight_names")
                    }
                }
            }
            self.layers = layers
            stringEncodings = encodings
            chunkedAttributes = chunked
        } catch let error as HDF5Error {
            throw CheckpointError(file: path, message: error.object.map { "\($0): \(error.message)" } ?? error.message)
        }
    }

    /// Layer classes that always have weights; a checkpoint that lacks them is broken.
    static let layerClassesWithWeights: Set<String> = [
        "Dense", "LSTM", "GRU", "SimpleRNN", "Bidirectional", "Embedding", "Conv1D", "Convolution1D",
        "BatchNormalization", "LayerNormalization",
    ]

    /// Reads a string-list attribute that Keras may have split into `name0`, `name1`, ...
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

    /// Reads the data of a bound weight as float32 in its Keras 2/3 shape (joining Keras 1's per-gate arrays).
    public func tensorData(for weight: BoundWeight) throws -> [Float] {
        do {
            let parts = try weight.sources.map { try file.root().dataset(String($0.datasetPath.dropFirst())).readFloats() }
            switch weight.assembly {
            case .single:
                return parts[0]
            case .concatenateLastAxis:
                let pieceWidth = weight.sources[0].shape.last ?? 1
                let rows = parts[0].count / max(pieceWidth, 1)
                var joined = [Float]()
                joined.reserveCapacity(weight.count)
                for row in 0..<rows {
                    for part in parts { joined.append(contentsOf: part[(row * pieceWidth)..<((row + 1) * pieceWidth)]) }
                }
                return joined
            }
        } catch let error as HDF5Error {
            throw CheckpointError(file: path, message: error.object.map { "\($0): \(error.message)" } ?? error.message)
        }
    }

    /// Reads a stored dataset as it is, float32.
    public func entryData(_ entry: WeightEntry) throws -> [Float] {
        do {
            return try file.root().dataset(String(entry.datasetPath.dropFirst())).readFloats()
        } catch let error as HDF5Error {
            throw CheckpointError(file: path, message: error.object.map { "\($0): \(error.message)" } ?? error.message)
        }
    }
}
