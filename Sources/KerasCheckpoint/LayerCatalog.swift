/// What the checkpoint reader needs to know about the layer classes a file holds.
///
/// The reader knows file formats and config dialects; what each Keras class stores and means
/// lives with the layer, one file per layer family, in the `KerasLayers` module
/// (`KerasLayerCatalog.standard`, which `KerasCheckpoint(path:)` uses when KerasLayers or
/// KerasReplay is imported).
public protocol LayerCatalog: Sendable {
    /// What the catalog knows of `className`, or nil for a class it does not know (whose arrays
    /// are then shown with their stored names and shapes only).
    func reading(_ className: String) -> (any LayerReading)?
}

/// One Keras layer family as the reader sees it: its output shapes, what its stored arrays
/// are, and what `inspect` says about its config.
public protocol LayerReading: Sendable {
    /// Output shapes as Keras reports them (`nil` batch unless fixed), one per output; nil when
    /// they cannot be worked out from the inputs known. Throws for a config that cannot be
    /// right (zero strides, sizes that overflow).
    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]?

    /// Roles, Keras 2/3 shapes and gate blocks of the layer's stored arrays (in `weight_names`
    /// order), checked against what the config implies. `inputShapes` are the layer's input
    /// shapes when shape inference knows them.
    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight]

    /// True when a file must hold weights for this layer (a Dense without its kernel is broken).
    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool

    /// How many arrays the layer stores (Keras 2/3 form), when the config says; a nested model
    /// splits its stored arrays among its layers by these counts. Default: 0 for a layer that
    /// stores none, unknown (nil) otherwise.
    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int?

    /// The activations and settings `inspect` shows, with the defaults of the file's Keras filled in.
    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails

    /// Keras 3 `.weights.h5`: the order of a layer's sublayer groups (`cell`, `query_dense`, the
    /// cells of a `StackedRNNCells`, ...) in Keras' weight order, at any depth below the layer's
    /// group; groups not named follow alphabetically.
    func nativeSublayerOrder(of layer: LayerDescription, in context: LayerContext) -> [String]

    /// The arguments of a call in the order the layer takes them (what its output shapes and
    /// its engine layer are given). Default: the positional arguments, then the keyword tensors
    /// in name order.
    func callArguments(_ call: InboundNode, of layer: LayerDescription, in context: LayerContext) throws -> [InboundArgument]
}

/// `(None, 45, 100)`: a shape with unknown dimensions as nil, batch first.
public typealias TensorShape = [Int?]

/// What `inspect` shows about a layer besides its weights.
public struct LayerDetails: Sendable, Equatable {
    /// `[("activation", "tanh"), ("recurrent_activation", "sigmoid")]`, in this order.
    public var activations: [(String, String)]
    /// Options as configured (`units`, `return_sequences`, `merge_mode`, ...), values as written.
    public var settings: [String: JSONValue]
    /// Facts worth a line of their own (an inbound node saved with `training: true`).
    public var notes: [String]

    public init(activations: [(String, String)] = [], settings: [String: JSONValue] = [:], notes: [String] = []) {
        self.activations = activations
        self.settings = settings
        self.notes = notes
    }

    public static func == (lhs: LayerDetails, rhs: LayerDetails) -> Bool {
        lhs.activations.map { [$0.0, $0.1] } == rhs.activations.map { [$0.0, $0.1] }
            && lhs.settings == rhs.settings && lhs.notes == rhs.notes
    }
}

/// Where a layer is read: the file's Keras (semantics change with it) and the catalog, for
/// wrappers that read their inner layer.
public struct LayerContext: Sendable {
    public var version: KerasVersion?
    public var catalog: any LayerCatalog
    /// The layer being read, for messages; the outer layer while a wrapper reads its inner one.
    public var layer: LayerDescription

    public init(version: KerasVersion?, catalog: any LayerCatalog, layer: LayerDescription) {
        self.version = version
        self.catalog = catalog
        self.layer = layer
    }

    /// `layer 'lstm_1' (LSTM): <message>`.
    public func fail(_ message: String) -> LayerError {
        LayerError(layer: layer.name, className: layer.className, message: message)
    }

    /// The reading of a wrapped layer's class, or a failure naming it.
    public func reading(for inner: LayerDescription) throws -> any LayerReading {
        guard let reading = catalog.reading(inner.className) else {
            throw fail("wraps \(inner.className), which is not a layer keras-replay knows")
        }
        return reading
    }
}

/// A layer whose config or weights are not what Keras would have written.
public struct LayerError: Error, CustomStringConvertible, Sendable, Equatable {
    public var layer: String
    public var className: String
    public var message: String

    public init(layer: String, className: String, message: String) {
        self.layer = layer
        self.className = className
        self.message = message
    }

    public var description: String { "layer '\(layer)' (\(className)): \(message)" }
}

extension LayerReading {
    public func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { false }

    public func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        storesWeights(layer, in: context) ? nil : 0
    }
    public func nativeSublayerOrder(of layer: LayerDescription, in context: LayerContext) -> [String] { [] }

    public func callArguments(_ call: InboundNode, of layer: LayerDescription, in context: LayerContext) throws -> [InboundArgument] {
        call.arguments + call.keywordTensors.keys.sorted().map { .tensor(call.keywordTensors[$0]!) }
    }

    /// The stored arrays, with roles from their stored names (`kernel`, `bias`, Keras 1's `_W`).
    public func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                            in context: LayerContext) throws -> [BoundWeight] {
        entries.map { BoundWeight(stored: $0, role: WeightRole(storedName: $0.storedName)) }
    }

    /// The config's `activation` and the usual option keys, as written.
    public func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        var activations: [(String, String)] = []
        if let name = ActivationName.of(layer.config["activation"]) { activations.append(("activation", name)) }
        return LayerDetails(activations: activations, settings: ConfigSettings.shown(layer.config))
    }
}

/// A class the catalog does not know: no output shape, arrays as stored, the config's usual keys.
struct UnknownLayer: LayerReading {
    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? { nil }
}

/// A catalog that knows no class: every array is shown as stored.
public struct StoredNamesOnly: LayerCatalog {
    public init() {}
    public func reading(_ className: String) -> (any LayerReading)? { nil }
}

/// The config keys `inspect` shows when a layer has them.
public enum ConfigSettings {
    public static let keys = [
        "units", "output_dim", "return_sequences", "return_state", "go_backwards", "stateful", "merge_mode",
        "reset_after", "use_bias", "n", "filters", "kernel_size", "strides", "padding", "dilation_rate",
        "mask_zero", "mask_value", "input_dim", "rate", "target_shape", "dims", "axis", "pool_size",
        "num_heads", "key_dim", "value_dim", "attention_axes", "use_scale", "score_mode", "equation",
        "bias_axes", "groups", "epsilon", "max_value", "negative_slope", "threshold", "alpha", "theta",
        "shared_axes", "scale", "offset", "center", "axes", "normalize", "data_format",
    ]

    /// `keys` present in `config`, with their values as written.
    public static func shown(_ config: JSONValue) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for key in keys {
            guard let value = config[key] else { continue }
            result[key] = value
        }
        return result
    }
}

/// Activation names as configs write them: `"tanh"`, or Keras 3's `{"class_name": "function", "config": "relu"}`.
public enum ActivationName {
    public static func of(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        if let text = value.string { return text }
        if value.object != nil { return value["config"]?.string ?? value["class_name"]?.string }
        return nil
    }
}
