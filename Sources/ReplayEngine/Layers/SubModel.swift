/// A model used as a layer (a Keras `Sequential` or `Functional` called inside another model):
/// its graph runs on the call's inputs, and its outputs are the layer's. Masks do not cross the
/// boundary (the inner model's own layers make and use theirs).
public final class SubModel: Layer {
    public let name: String
    public var kindName: String { "Model" }
    public let graph: Graph

    public init(name: String, graph: Graph) {
        self.name = name
        self.graph = graph
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let outputs = try graph.predict(inputs)
        return LayerOutput(tensors: outputs, masks: outputs.map { _ in nil })
    }

    public func resetStates() { graph.resetStates() }
    public var isStateful: Bool { graph.fixedBatchSize != nil }
}
