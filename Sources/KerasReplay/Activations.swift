import KerasCheckpoint
import ReplayEngine

/// The output of every layer of a model for an input (what keract's `get_activations` gives,
/// and what `keras.Model(m.input, m.get_layer(NAME).output).predict` returns), from the same
/// graph run as `predict`.
public struct LayerActivations: Sendable {
    /// `(name, tensor)` in model order: `lstm` for a layer's first output, `lstm:1`, `lstm:2`
    /// for further ones (return_state, merge_mode None, return_attention_scores).
    public var arrays: [(name: String, tensor: Tensor)]
    /// The model's outputs from the same run.
    public var outputs: [Tensor]
}

extension ReplayModel {
    /// Runs the model on `inputs` and returns the outputs of `layers` (every layer but the
    /// input layers when nil), each layer's first call. Stateful models walk their fixed batch
    /// size, carrying state, as `predict` does.
    public func activations(inputs: [Tensor], layers names: [String]? = nil) throws -> LayerActivations {
        guard let model = checkpoint.model else {
            throw ReplayError(file: checkpoint.path, message: "holds weights only, no architecture")
        }
        let wantedLayers: [LayerDescription]
        if let names {
            wantedLayers = try names.map { name in
                guard let layer = model.layer(named: name) else {
                    throw ReplayError(file: checkpoint.path, message: "no layer named '\(name)' (layers: \(model.layers.map(\.name).joined(separator: ", ")))")
                }
                return layer
            }
        } else {
            wantedLayers = model.layers.filter { $0.className != "InputLayer" }
        }
        var names: [String] = [], wanted: [TensorSource] = []
        for layer in wantedLayers {
            let count = max(checkpoint.outputShapes[layer.name]?.count ?? 1, 1)
            for tensor in 0..<count {
                guard let source = sources[TensorReference(layer: layer.name, node: 0, tensor: tensor)] else {
                    if tensor == 0 { throw ReplayError(file: checkpoint.path, message: "layer '\(layer.name)' is not called in the model's graph") }
                    continue
                }
                names.append(tensor == 0 ? layer.name : "\(layer.name):\(tensor)")
                wanted.append(source)
            }
        }
        try checkSizes(inputs)
        do {
            let (outputs, collected) = try graph.predict(inputs, collecting: wanted)
            return LayerActivations(arrays: Array(zip(names, collected)).map { (name: $0.0, tensor: $0.1) }, outputs: outputs)
        } catch let error as EngineError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        }
    }
}
