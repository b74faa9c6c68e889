/// Applies an activation (Keras `Activation` layer; named so to leave `Activation` to the function). Passes the mask.
public final class ActivationLayer: Layer {
    public let name: String
    public var kindName: String { "Activation" }
    public let activation: Activation

    public init(name: String, activation: Activation) {
        self.name = name
        self.activation = activation
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        if !activation.isElementwise {
            guard x.rank >= 1 else { throw error("\(activation) needs at least one axis") }
            if case .glu = activation, x.lastDimension % 2 != 0 { throw error("glu needs an even last axis, found \(x.shapeDescription)") }
        }
        return LayerOutput(activation.apply(x), mask: masks.first ?? nil)
    }
}

/// A layer that is the identity at inference (Dropout, SpatialDropout1D, GaussianNoise,
/// GaussianDropout, AlphaDropout, ActivityRegularization). Passes the mask.
public final class InferenceIdentity: Layer {
    public let name: String
    public let kerasClass: String
    public var kindName: String { kerasClass }

    public init(name: String, kerasClass: String) {
        self.name = name
        self.kerasClass = kerasClass
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        LayerOutput(try single(inputs), mask: masks.first ?? nil)
    }
}
