import HDF5
import SafeFiles

/// How a checkpoint file is laid out.
public enum CheckpointFormat: String, Sendable, Equatable {
    /// `model.save` / `ModelCheckpoint` legacy HDF5: `model_config` plus `model_weights`.
    case fullModel = "full model"
    /// Keras 2 `save_weights`: `layer_names` and layer groups at the root, no architecture.
    case weightsOnly = "weights only"
    /// Keras 3 `save_weights("x.weights.h5")`: `layers/<path>/vars/0..N`, no architecture.
    case nativeWeights = "Keras 3 weights (.weights.h5)"
    /// Keras 3 `model.save("x.keras")`: a zip of config.json, metadata.json and model.weights.h5.
    case kerasArchive = "Keras 3 archive (.keras)"
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
    public let outputShapes: [String: [TensorShape]]
    /// Activations, settings and notes of every layer of the architecture, for `inspect`.
    public let layerDetails: [String: LayerDetails]
    /// The layer knowledge the file was read with.
    public let catalog: any LayerCatalog
    /// How the string attributes were stored (`model_config`, `layer_names`).
    public let stringEncodings: [String: StringEncoding]
    /// Attributes that Keras split because they exceeded 64 KiB (`layer_names` → `layer_names0`, ...).
    public let chunkedAttributes: [String]

    private let file: HDF5File

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    public func layerWeights(named name: String) -> LayerWeights? {
        layers.first { $0.layerName == name }
    }

    /// Opens and reads the metadata of the checkpoint at `path`: a legacy `.h5`/`.hdf5` (full model
    /// or Keras 2 `save_weights`), a Keras 3 `.weights.h5`, or a Keras 3 `.keras` archive.
    /// - Parameters:
    ///   - architecture: the model for a weights-only file (from `model.to_json()` or another checkpoint).
    ///   - catalog: what each layer class stores and means (`KerasLayerCatalog.standard`).
    /// - Throws: `CheckpointError` with one line naming the file, the layer and what was wrong.
    public init(path: String, limits: ReadLimits = .standard, architecture: Architecture? = nil, catalog: any LayerCatalog) throws {
        self.path = path
        self.catalog = catalog
        do {
            var encodings: [String: StringEncoding] = [:]
            var chunked: [String] = []
            var model: ModelDescription?
            var version: KerasVersion?
            let stored: [(name: String, entries: [WeightEntry])]

            // A FIFO or device would block the first read: refuse anything but a regular file.
            do { try SafeFiles.requireRegularFile(path) } catch let failure as SafeFiles.Failure {
                throw CheckpointError(file: path, message: failure.message)
            }
            if KerasArchive.isArchive(path) {
                let archive = try KerasArchive(path: path, limits: limits)
                file = try HDF5File(image: archive.weightsImage, name: "\(path):model.weights.h5", limits: limits)
                model = try Self.parseModel(archive.configText, file: path)
                version = archive.kerasVersion ?? KerasVersion("3")
                format = .kerasArchive
                stored = try NativeLayout.layers(in: file.root(), model: model!, version: version, catalog: catalog, file: path)
            } else {
                file = try HDF5File(path: path, limits: limits)
                let root = try file.root()
                if NativeLayout.matches(root) {
                    format = .nativeWeights
                    if let architecture {
                        model = architecture.model
                        version = architecture.version ?? KerasVersion("3")
                        stored = try NativeLayout.layers(in: root, model: architecture.model, version: version, catalog: catalog, file: path)
                    } else {
                        // Without an architecture the arrays are listed as stored (never refused).
                        model = nil
                        version = KerasVersion("3")
                        stored = try NativeLayout.layersAsStored(in: root, file: path)
                    }
                } else {
                    let legacy = try LegacyLayout(root: root, file: path)
                    encodings = legacy.stringEncodings
                    chunked = legacy.chunkedAttributes
                    version = legacy.kerasVersion ?? architecture?.version
                    if let configText = legacy.modelConfig {
                        format = .fullModel
                        model = try Self.parseModel(configText, file: path)
                    } else {
                        format = .weightsOnly
                        model = architecture?.model
                    }
                    stored = legacy.layers
                }
            }
            kerasVersion = version
            self.model = model
            let shapes: [String: [TensorShape]]
            do {
                shapes = try model.map { try ShapeInference.outputShapes(of: $0, version: version, catalog: catalog) } ?? [:]
            } catch let error as LayerError {
                throw CheckpointError(file: path, message: error.description)
            }
            outputShapes = shapes

            var layers: [LayerWeights] = []
            for (layerName, entries) in stored {
                let description = model?.layer(named: layerName)
                if model != nil, description == nil, !entries.isEmpty {
                    throw CheckpointError(file: path, message: "layer '\(layerName)': has weights in the file but is not in the model's architecture")
                }
                var bound = model == nil ? StoredNames.bind(entries) : entries.map { BoundWeight(stored: $0, role: WeightRole(storedName: $0.storedName)) }
                if let description, let reading = catalog.reading(description.className) {
                    let context = LayerContext(version: version, catalog: catalog, layer: description)
                    do {
                        let inputShapes = try description.inboundNodes.first.map { node in
                            try reading.callArguments(node, of: description, in: context).compactMap { argument -> TensorShape?? in
                                guard case .tensor(let reference) = argument else { return nil }
                                return .some(shapes[reference.layer]?[safe: reference.tensor])
                            }
                        }
                        let known = inputShapes.flatMap { $0.contains { $0 == nil } ? nil : $0.map { $0! } }
                        bound = try reading.bindWeights(entries, of: description, inputShapes: known, in: context)
                    } catch let error as LayerError {
                        throw CheckpointError(file: path, message: error.description)
                    }
                }
                layers.append(LayerWeights(layerName: layerName, className: description?.className, entries: entries, bound: bound))
            }
            var details: [String: LayerDetails] = [:]
            if let model {
                // Every layer the config says has weights must have them in the file.
                let storedByName = Dictionary(layers.map { ($0.layerName, $0) }, uniquingKeysWith: { first, _ in first })
                for layer in model.layers {
                    let reading = catalog.reading(layer.className) ?? UnknownLayer()
                    let context = LayerContext(version: version, catalog: catalog, layer: layer)
                    details[layer.name] = reading.details(of: layer, in: context)
                    if layer.inboundNodes.contains(where: \.savedInTrainingMode), version?.generation != .keras3 {
                        details[layer.name]?.notes.append("called with training=True in the saved graph: this Keras applies its dropout/noise inside predict (random outputs); keras-replay replays it in inference mode")
                    }
                    guard reading.storesWeights(layer, in: context) else { continue }
                    guard let stored = storedByName[layer.name] else {
                        throw CheckpointError(file: path, message: "layer '\(layer.name)' (\(layer.className)): expected weights in the file, found no group for it")
                    }
                    if stored.entries.isEmpty {
                        throw CheckpointError(file: path, message: "layer '\(layer.name)' (\(layer.className)): expected weight datasets, found none")
                    }
                }
            }
            layerDetails = details
            self.layers = layers
            stringEncodings = encodings
            chunkedAttributes = chunked
        } catch let error as HDF5Error {
            // Errors inside a .keras archive's weights name the member.
            let member = error.file.hasPrefix(path + ":") ? "member \(error.file.dropFirst(path.count + 1)): " : ""
            throw CheckpointError(file: path, message: member + (error.object.map { "\($0): \(error.message)" } ?? error.message))
        }
    }

    /// Turns a libhdf5 memory fault on a damaged file into `message` on stderr and exit code 1,
    /// and caps data memory while libhdf5 reads variable-length strings (see `LibraryFaults`).
    /// For command-line programs; a library host keeps its own handlers and memory limits.
    public static func containLibraryFaults(message: String, exitCode: Int32 = 1) {
        LibraryFaults.contain(message: message, exitCode: exitCode)
    }

    static func parseModel(_ configText: String, file: String) throws -> ModelDescription {
        let json: JSONValue
        do { json = try JSONValue.parse(configText) } catch let error as JSONError {
            throw CheckpointError(file: file, message: "model_config \(error.message)")
        }
        do { return try ModelConfigParser.parse(json) } catch let error as ModelConfigParser.Failure {
            throw CheckpointError(file: file, message: error.message)
        }
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
            case .concatenateFirstAxis:
                return parts.flatMap { $0 }
            case .cudnnInputKernel(let gates), .cudnnRecurrentKernel(let gates):
                guard weight.shape.count == 2, gates > 0, weight.shape[1] % gates == 0, parts[0].count == weight.count else {
                    throw CheckpointError(file: path, message: "\(weight.sources[0].datasetPath): expected a CuDNN kernel (rows, gates x units), found \(weight.shape)")
                }
                let rows = weight.shape[0], width = weight.shape[1], units = width / gates
                let stored = parts[0]
                var plain = [Float](repeating: 0, count: stored.count)
                let isInput: Bool
                if case .cudnnInputKernel = weight.assembly { isInput = true } else { isInput = false }
                for gate in 0..<gates {
                    let offset = gate * units
                    for row in 0..<rows {
                        for unit in 0..<units {
                            let source: Int
                            if isInput {
                                // numpy: block.T.reshape(block.shape, order='F')
                                let flat = unit * rows + row
                                source = (flat / units) * width + offset + flat % units
                            } else {
                                source = unit * width + offset + row  // block.T
                            }
                            plain[row * width + offset + unit] = stored[source]
                        }
                    }
                }
                return plain
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
