import Foundation
import SafeFiles

/// A model's architecture given apart from its weights: what `model.to_json()` wrote, or the
/// architecture of another checkpoint. Weights-only files need one to be replayed.
public struct Architecture: Sendable {
    public var model: ModelDescription
    /// The Keras that described it, when known (`to_json()` records it).
    public var version: KerasVersion?

    public init(model: ModelDescription, version: KerasVersion?) {
        self.model = model
        self.version = version
    }

    /// Reads a `model.to_json()` file (or a `.keras` archive's `config.json`).
    public init(configFile path: String) throws {
        do { try SafeFiles.requireRegularFile(path) } catch let failure as SafeFiles.Failure {
            throw CheckpointError(file: path, message: failure.message)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(file: path, message: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        guard data.count <= 64 << 20 else { throw CheckpointError(file: path, message: "is \(data.count) bytes, too large for a model config") }
        let text = String(decoding: data, as: UTF8.self)
        model = try KerasCheckpoint.parseModel(text, file: path)
        let json = try? JSONValue.parse(text)
        version = json?["keras_version"]?.string.flatMap { KerasVersion($0, backend: json?["backend"]?.string) }
    }

    /// The architecture of another checkpoint of the same model.
    public init(checkpoint: KerasCheckpoint) throws {
        guard let model = checkpoint.model else {
            throw CheckpointError(file: checkpoint.path, message: "holds no architecture to borrow (it is weights-only too)")
        }
        self.model = model
        version = checkpoint.kerasVersion
    }
}
