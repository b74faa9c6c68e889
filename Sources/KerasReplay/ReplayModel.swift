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

    /// The limits the model was loaded with; `maxTensorElements` bounds every layer output of a run.
    public let limits: ReadLimits
    /// Layer output sizes checked for input shapes seen before (shape inference runs once per shape).
    private let checkedShapes = CheckedShapes()

    /// Loads the checkpoint at `path`; weights-only files need their `architecture`. `limits`
    /// bound what the file may declare (dataset elements, attribute bytes, tensor elements).
    public convenience init(path: String, architecture: Architecture? = nil, limits: ReadLimits = .standard) throws {
        try self.init(checkpoint: KerasCheckpoint(path: path, limits: limits, architecture: architecture), limits: limits)
    }

    public init(checkpoint: KerasCheckpoint, limits: ReadLimits = .standard) throws {
        self.checkpoint = checkpoint
        self.limits = limits
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
        try checkSizes(inputs)
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

extension ReplayModel {
    /// Refuses inputs for which some layer's output would exceed `limits.maxTensorElements`
    /// (worked out from the configs, with the inputs' real shapes, before anything is allocated).
    func checkSizes(_ inputs: [Tensor]) throws {
        guard checkpoint.model != nil else { return }
        let batch = graph.fixedBatchSize ?? inputs.first?.shape.first ?? 1
        let shapes = inputs.map { [batch] + $0.shape.dropFirst() }
        guard !checkedShapes.contains(shapes) else { return }
        let outputs = try layerOutputShapes(shapes)
        for layer in checkpoint.model!.layers {
            for shape in outputs[layer.name] ?? [] where shape.allSatisfy({ $0 != nil }) {
                let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                    let (product, overflow) = partial.0.multipliedReportingOverflow(by: dimension!)
                    return (product, partial.1 || overflow)
                }
                if overflow || count > limits.maxTensorElements {
                    throw ReplayError(file: checkpoint.path, message: "layer '\(layer.name)' (\(layer.className)): its output \(formatShape(shape)) for this input would hold \(overflow ? "more than 2^63" : String(count)) values, over the limit of \(limits.maxTensorElements) (KERAS_REPLAY_MAX_TENSOR_ELEMENTS)")
                }
            }
        }
        checkedShapes.insert(shapes)
    }

    /// Every layer's output shapes for inputs of `shapes` (batch first), from the configs.
    func layerOutputShapes(_ shapes: [[Int]]) throws -> [String: [TensorShape]] {
        guard var concrete = checkpoint.model else { return [:] }
        for (index, reference) in concrete.inputs.enumerated() where index < shapes.count {
            guard let position = concrete.layers.firstIndex(where: { $0.name == reference.layer }) else { continue }
            let shape = JSONValue.array(shapes[index].map { .number(Double($0)) })
            concrete.layers[position].config = .object(["batch_shape": shape, "name": .string(reference.layer)])
        }
        do {
            return try ShapeInference.outputShapes(of: concrete, version: checkpoint.kerasVersion, catalog: checkpoint.catalog)
        } catch let error as LayerError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        }
    }

    /// Values one input row makes in the layer outputs (and the inputs), from the configs: what a
    /// row costs in memory while it is replayed. nil when shapes cannot be worked out.
    public func activationValuesPerRow(inputRowShapes: [[Int]]) -> Int? {
        guard let outputs = try? layerOutputShapes(inputRowShapes.map { [1] + $0 }) else { return nil }
        var total = inputRowShapes.reduce(0) { $0 + $1.reduce(1, *) }
        for shapes in outputs.values {
            for shape in shapes {
                guard shape.allSatisfy({ $0 != nil }) else { return nil }
                total += shape.dropFirst().reduce(1) { $0 * $1! }
            }
        }
        return total
    }
}

/// Input shapes whose layer output sizes were already checked.
final class CheckedShapes: @unchecked Sendable {
    private var seen = Set<[[Int]]>()
    private let lock = NSLock()
    func contains(_ shapes: [[Int]]) -> Bool { lock.lock(); defer { lock.unlock() }; return seen.contains(shapes) }
    func insert(_ shapes: [[Int]]) { lock.lock(); defer { lock.unlock() }; seen.insert(shapes) }
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
