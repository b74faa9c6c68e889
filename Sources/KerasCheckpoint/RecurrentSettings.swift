/// The settings of an LSTM, GRU or SimpleRNN config, with the defaults of the Keras that wrote
/// the file filled in (Keras 1 names such as `output_dim` and `inner_activation` included).
public struct RecurrentSettings: Sendable, Equatable {
    public var className: String
    public var units: Int
    public var activation: String
    /// nil for SimpleRNN.
    public var recurrentActivation: String?
    public var useBias: Bool
    public var returnSequences: Bool
    public var returnState: Bool
    public var goBackwards: Bool
    public var stateful: Bool
    public var unroll: Bool
    /// GRU only.
    public var resetAfter: Bool?

    public init?(className: String, config: JSONValue, version: KerasVersion?) {
        guard ["LSTM", "GRU", "SimpleRNN"].contains(className), let units = ShapeInference.units(config) else { return nil }
        self.className = className
        self.units = units
        activation = config["activation"]?.string ?? "tanh"
        if className == "SimpleRNN" {
            recurrentActivation = nil
        } else {
            recurrentActivation = config["recurrent_activation"]?.string ?? config["inner_activation"]?.string
                ?? version?.defaultRecurrentActivation ?? "sigmoid"
        }
        useBias = config["use_bias"]?.bool ?? true
        returnSequences = config["return_sequences"]?.bool ?? false
        returnState = config["return_state"]?.bool ?? false
        goBackwards = config["go_backwards"]?.bool ?? false
        stateful = config["stateful"]?.bool ?? false
        unroll = config["unroll"]?.bool ?? false
        resetAfter = className == "GRU" ? (config["reset_after"]?.bool ?? version?.defaultGRUResetAfter ?? true) : nil
    }
}

/// The activation functions a layer applies, for showing (`inspect`) and replaying.
public enum LayerActivations {
    /// `["activation": "tanh", "recurrent_activation": "sigmoid"]` for a layer (the wrapped layer's for wrappers).
    public static func of(_ layer: LayerDescription, version: KerasVersion?) -> [(String, String)] {
        if let inner = layer.wrappedLayer { return of(inner, version: version) }
        if let settings = RecurrentSettings(className: layer.className, config: layer.config, version: version) {
            var result = [("activation", settings.activation)]
            if let recurrent = settings.recurrentActivation { result.append(("recurrent_activation", recurrent)) }
            return result
        }
        if let activation = layer.config["activation"]?.string { return [("activation", activation)] }
        return []
    }
}
