/// A difference in what the two checkpoints hold, rather than in their numbers.
public struct StructuralDifference: Sendable, Equatable, Codable {
    public enum Change: String, Sendable, Codable {
        case layerRemoved = "layer_removed"
        case layerAdded = "layer_added"
        case classChanged = "class_changed"
        case weightRemoved = "weight_removed"
        case weightAdded = "weight_added"
        case shapeChanged = "shape_changed"
        case kerasVersionChanged = "keras_version_changed"
        case formatChanged = "format_changed"

        /// Notes describe the files and do not make them differ (exit code 0 if the weights agree):
        /// a Keras 2 file and a Keras 3 file of the same architecture and weights are the same model.
        public var isNote: Bool { self == .kerasVersionChanged || self == .formatChanged }
    }

    public var change: Change
    public var layer: String?
    public var weight: String?
    public var direction: String?
    /// What the first (earlier) and second files hold, as text.
    public var a: String?
    public var b: String?

    public init(_ change: Change, layer: String? = nil, weight: String? = nil, direction: String? = nil, a: String? = nil, b: String? = nil) {
        self.change = change
        self.layer = layer
        self.weight = weight
        self.direction = direction
        self.a = a
        self.b = b
    }

    /// One line for people.
    public var message: String {
        let place = [layer.map { "layer '\($0)'" }, weight.map { "weight '\(((direction.map { "\($0) " }) ?? "") + $0)'" }]
            .compactMap { $0 }.joined(separator: ", ")
        let prefix = place.isEmpty ? "" : place + ": "
        switch change {
        case .layerRemoved: return "\(prefix)only in the first file (\(a ?? "?"))"
        case .layerAdded: return "\(prefix)only in the second file (\(b ?? "?"))"
        case .classChanged: return "\(prefix)class \(a ?? "?") → \(b ?? "?")"
        case .weightRemoved: return "\(prefix)only in the first file, shape \(a ?? "?")"
        case .weightAdded: return "\(prefix)only in the second file, shape \(b ?? "?")"
        case .shapeChanged: return "\(prefix)shape \(a ?? "?") → \(b ?? "?"); not compared"
        case .kerasVersionChanged: return "Keras version \(a ?? "not recorded") → \(b ?? "not recorded")"
        case .formatChanged: return "checkpoint format \(a ?? "?") → \(b ?? "?")"
        }
    }
}
