import Foundation
import HDF5
import KerasCheckpoint
import ReplayEngine

/// A Keras model rebuilt from a checkpoint, ready to replay: load once, call `predict` many
/// times. Stateful layers keep their state between calls until `resetStates()`, as in Keras.
///
/// ```swift
/// let model = try ReplayModel(path: "checkpoint/3.hdf5")
/// let outputs = try model.predict([Tensor(shape: [4, 3, 2], scalars: values)])
/// ```
public final class ReplayModel: @unchecked Sendable {
    public let checkpoint: KerasCheckpoint
    public let graph: Graph
    /// Input layer names, in the model's input order.
    public let inputNames: [String]
    /// Output layer names, in the model's output order (`name_1` for a layer's second output).
    public let outputNames: [String]
    /// The engine layer built for each Keras layer name.
    public let layersByName: [String: any Layer]
    /// The graph position of every Keras tensor `[layer, node, tensor]`.
    public let sources: [TensorReference: TensorSource]
    /// Weights with NaN or infinite values (the model replays, but its outputs will show it).
    public let nonFiniteWeights: [NonFiniteWeight]
    /// Layers called with `training=True` in the saved graph: Keras applies their dropout or
    /// noise inside `model.predict` (random outputs); keras-replay replays them in inference mode.
    public let trainingModeLayers: [String]

    /// Loads the checkpoint at `path`; weights-only files need their `architecture`. `limits`
    /// bound what the file may declare (dataset elements, attribute bytes).
    public convenience init(path: String, architecture: Architecture? = nil, limits: ReadLimits = .standard) throws {
        try self.init(checkpoint: KerasCheckpoint(path: path, limits: limits, architecture: architecture))
    }

    public init(checkpoint: KerasCheckpoint) throws {
        self.checkpoint = checkpoint
        guard let model = checkpoint.model else {
            throw ReplayError(file: checkpoint.path, message: "holds weights only, no architecture; give it with --config model.json (what model.to_json() wrote) or --architecture CHECKPOINT")
        }
        let built = try GraphAssembler(checkpoint: checkpoint, model: model,
                                       catalog: checkpoint.catalog as? KerasLayerCatalog ?? .standard).assemble()
        graph = built.graph
        inputNames = model.inputs.map(\.layer)
        outputNames = model.outputs.map { $0.tensor == 0 ? $0.layer : "\($0.layer)_\($0.tensor)" }
        layersByName = built.layers
        sources = built.sources
        nonFiniteWeights = built.nonFiniteWeights
        trainingModeLayers = built.trainingModeLayers
    }

    /// Runs the model on one tensor per input (batch first), like `model.predict`.
    public func predict(_ inputs: [Tensor]) throws -> [Tensor] {
        do {
            return try graph.predict(inputs)
        } catch let error as EngineError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        }
    }

    /// Zeroes the state of stateful recurrent layers (Keras `model.reset_states()`).
    public func resetStates() {
        graph.resetStates()
    }
}

/// A failure to replay, naming the file and the layer.
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
