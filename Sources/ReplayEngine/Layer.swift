/// What a layer returns: its output tensors in Keras order, and one optional mask per output.
public struct LayerOutput: Sendable {
    public var tensors: [Tensor]
    /// One per tensor; a mask has shape `(batch, time)`, 1 = keep, 0 = masked. nil = no mask.
    public var masks: [Tensor?]

    public init(tensors: [Tensor], masks: [Tensor?]) {
        precondition(tensors.count == masks.count, "one mask slot per output")
        self.tensors = tensors
        self.masks = masks
    }

    /// One output with its mask.
    public init(_ tensor: Tensor, mask: Tensor? = nil) {
        self.init(tensors: [tensor], masks: [mask])
    }
}

/// One Keras layer (or Keras 3 operation) as the engine runs it at inference.
public protocol Layer: AnyObject, Sendable {
    var name: String { get }
    /// The Keras class it replays (`"LSTM"`, `"Dense"`, ...), for messages.
    var kindName: String { get }
    /// Runs the layer. `masks` holds one optional `(batch, time)` mask per input, as Keras propagates it.
    func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput
    /// Zeroes recurrent state (Keras `reset_states`); a no-op for stateless layers.
    func resetStates()
    /// True when the layer carries state from call to call (Keras `stateful=True`), so the
    /// model must run its fixed batch size.
    var isStateful: Bool { get }
    /// True when the layer removes the Keras masks of the tensors it reads, so that later
    /// readers of those tensors see none (Keras 3.8+'s MultiHeadAttention does).
    var clearsInputMasks: Bool { get }
}

extension Layer {
    public var kindName: String { String(describing: type(of: self)) }
    public func resetStates() {}
    public var isStateful: Bool { false }
    public var clearsInputMasks: Bool { false }

    /// Runs on inputs without masks.
    public func callAsFunction(_ inputs: Tensor...) throws -> LayerOutput {
        try call(inputs, masks: inputs.map { _ in nil })
    }

    /// An error naming this layer.
    func error(_ message: String) -> EngineError {
        EngineError(layer: name, kind: kindName, message: message)
    }

    /// Checks the number of inputs and returns the first.
    func single(_ inputs: [Tensor]) throws -> Tensor {
        guard inputs.count == 1 else { throw error("expected 1 input, found \(inputs.count)") }
        return inputs[0]
    }
}

/// How Bidirectional combines its two directions (Keras `merge_mode`; nil there means two outputs).
public enum MergeMode: String, Sendable {
    case concat, sum, mul, ave
}

/// Checks a weight's shape when a layer is built.
func expectShape(_ tensor: Tensor, _ expected: [Int], _ role: String, layer: String, kind: String) throws {
    guard tensor.shape == expected else {
        throw EngineError(layer: layer, kind: kind,
                          message: "expected \(role) \(Tensor.describe(expected)), found \(tensor.shapeDescription)")
    }
}

/// A layer whose call can also record what happened at every step, from the very loop that
/// computes its output (recurrent layers, and Bidirectional with one trace per direction).
public protocol TraceableLayer: Layer {
    /// Exactly `call`, plus the traces of this run when `recordTrace` is set.
    func call(_ inputs: [Tensor], masks: [Tensor?], recordTrace: Bool) throws -> (output: LayerOutput, traces: [RecurrentTrace])
}
