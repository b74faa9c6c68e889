import Foundation
import NumPyFiles

/// The checkpoints in `SampleCheckpoints/`, each written by real Keras next to the inputs it was
/// given, what its `model.predict` returned, and what Keras reported about it (`report.json`).
public struct Sample: Sendable, CustomStringConvertible, Hashable {
    /// `keras3`, `tf-keras`, `keras2.2.4`, `keras1.2.2`.
    public var generation: String
    /// The model folder name, e.g. `seed_autoencoder_small`.
    public var model: String
    public var directory: URL
    public var report: Report

    public var description: String { "\(generation)/\(model)" }

    public static func == (lhs: Sample, rhs: Sample) -> Bool { lhs.directory == rhs.directory }
    public func hash(into hasher: inout Hasher) { hasher.combine(directory) }

    /// The checkpoint Keras saved.
    public var checkpointPath: String {
        directory.appendingPathComponent(report.file?.file ?? "model.h5").path
    }

    public func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    public func inputs() throws -> [NumPyArray] {
        try (report.inputFiles ?? ["input.npy"]).map { try NumPyFile.read(path($0)) }
    }

    /// What each layer output was when Keras ran the sample's input through the model
    /// (`layer_outputs.npz`: `name`, `name:1`, ... from Keras' own sub-models), when written.
    public func layerOutputs() throws -> [String: NumPyArray]? {
        let file = path("layer_outputs.npz")
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        var arrays: [String: NumPyArray] = [:]
        for (name, array) in try NumPyFile.readArchive(file) { arrays[name] = array }
        return arrays
    }

    public func expected() throws -> [NumPyArray] {
        try (report.expectedFiles ?? ["expected.npy"]).map { try NumPyFile.read(path($0)) }
    }
}

/// What `Scripts/make_samples.py` recorded from Keras itself.
public struct Report: Decodable, Sendable, Hashable {
    public struct Layer: Decodable, Sendable, Hashable {
        public struct Weight: Decodable, Sendable, Hashable {
            public var name: String
            public var shape: [Int]
        }
        public var name: String
        public var className: String
        public var outputShape: OutputShape?
        public var params: Int
        public var weights: [Weight]
        enum CodingKeys: String, CodingKey { case name, className = "class_name", outputShape = "output_shape", params, weights }
    }

    public struct FileFacts: Decodable, Sendable, Hashable {
        public var file: String?
        /// Attribute name → `vlen` or `fixed` (absent attributes left out).
        public var stringEncoding: [String: String]? { rawStringEncoding?.compactMapValues { $0 } }
        var rawStringEncoding: [String: String?]?
        public var chunkedAttributes: [String]?
        /// The `backend` attribute as stored (Keras 1 files have none).
        public var fileBackend: String?
        enum CodingKeys: String, CodingKey {
            case file, rawStringEncoding = "string_encoding", chunkedAttributes = "chunked_attributes", fileBackend = "file_backend"
        }
    }

    public var kerasVersion: String
    public var backend: String?
    public var generation: String
    public var modelClass: String
    public var predictBatchSize: Int?
    public var stateful: Bool?
    public var inputs: [String]
    public var outputs: [String]
    public var inputFiles: [String]?
    public var expectedFiles: [String]?
    public var layers: [Layer]
    public var totalParams: Int?
    public var stringEncoding: [String: String]? { rawStringEncoding?.compactMapValues { $0 } }
    var rawStringEncoding: [String: String?]?
    public var chunkedAttributes: [String]?
    public var file: FileFacts?

    enum CodingKeys: String, CodingKey {
        case kerasVersion = "keras_version", backend, generation, modelClass = "model_class", predictBatchSize = "predict_batch_size"
        case stateful, inputs, outputs, inputFiles = "input_files", expectedFiles = "expected_files", layers
        case totalParams = "total_params", rawStringEncoding = "string_encoding", chunkedAttributes = "chunked_attributes", file
    }
}

/// One output shape `[null, 20]` or several `[[null, 20], [null, 20]]`.
public enum OutputShape: Decodable, Sendable, Hashable {
    case single([Int?])
    case several([[Int?]])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let single = try? container.decode([Int?].self) { self = .single(single) } else { self = .several(try container.decode(Nested.self).shapes) }
    }

    /// Several shapes, possibly nested as the layer returns them (tf-keras' stacked LSTM cell
    /// states `[[None, 5], [None, 5]]`): flattened in order.
    struct Nested: Decodable {
        var shapes: [[Int?]]
        init(from decoder: Decoder) throws {
            var container = try decoder.unkeyedContainer()
            shapes = []
            while !container.isAtEnd {
                if let shape = try? container.decode([Int?].self) { shapes.append(shape) } else { shapes += try container.decode(Nested.self).shapes }
            }
        }
    }

    public var shapes: [[Int?]] {
        switch self {
        case .single(let shape): return [shape]
        case .several(let shapes): return shapes
        }
    }
}

public enum SampleCatalog {
    /// The package root, found from this file's place in `Tests/SampleCatalog/`.
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let root = packageRoot.appendingPathComponent("SampleCheckpoints")

    /// Every sample with a `report.json`, sorted by generation and model.
    public static let all: [Sample] = {
        let manager = FileManager.default
        var samples: [Sample] = []
        let generations = (try? manager.contentsOfDirectory(atPath: root.path)) ?? []
        for generation in generations.sorted() {
            let generationURL = root.appendingPathComponent(generation)
            for model in ((try? manager.contentsOfDirectory(atPath: generationURL.path)) ?? []).sorted() {
                let directory = generationURL.appendingPathComponent(model)
                let reportURL = directory.appendingPathComponent("report.json")
                guard let data = manager.contents(atPath: reportURL.path) else { continue }
                do {
                    let report = try JSONDecoder().decode(Report.self, from: data)
                    samples.append(Sample(generation: generation, model: model, directory: directory, report: report))
                } catch {
                    fatalError("SampleCheckpoints/\(generation)/\(model)/report.json does not decode: \(error)")
                }
            }
        }
        return samples
    }()

    /// Samples that hold a full model (architecture and weights).
    public static var fullModels: [Sample] {
        all.filter { FileManager.default.fileExists(atPath: $0.checkpointPath) && $0.checkpointPath.hasSuffix(".h5") && !$0.model.contains("weights_only") }
    }

    public static func sample(_ generation: String, _ model: String) -> Sample? {
        all.first { $0.generation == generation && $0.model == model }
    }
}
