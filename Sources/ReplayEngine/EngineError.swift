/// A replay failure: one clear line naming the layer, what was expected and what was found, e.g.
/// `layer 'lstm_1' (LSTM): expected input (batch, timesteps, 8), found (4, 3, 7)`.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    /// The layer's name, when the failure belongs to a layer.
    public var layer: String?
    /// The layer's kind (`LSTM`, `Dense`, ...), when known.
    public var kind: String?
    public var message: String

    public init(layer: String? = nil, kind: String? = nil, message: String) {
        self.layer = layer
        self.kind = kind
        self.message = message
    }

    public var description: String {
        guard let layer else { return message }
        return "layer '\(layer)'" + (kind.map { " (\($0))" } ?? "") + ": " + message
    }
}
