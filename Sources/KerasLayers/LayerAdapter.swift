import KerasCheckpoint
import ReplayEngine

/// Everything keras-replay knows about one Keras layer family, in one place: the class names of
/// every generation, how its config and stored weights are read (roles, gate blocks, shape
/// checks), its output shapes for `inspect`, and how it builds the engine layer that replays it.
/// The math lives in `ReplayEngine`, which knows nothing of Keras files.
///
/// Adding a layer: one adapter file here (a type conforming to `LayerAdapter`, listed in
/// `KerasLayerCatalog.standard`), one engine file in `Sources/ReplayEngine/Layers`, and samples
/// written by real Keras (`Scripts/sample_models/`) that the tests replay.
public protocol LayerAdapter: LayerReading {
    /// The Keras class names this adapter reads, every generation's spelling
    /// (`["Conv1D", "Convolution1D"]`).
    var classNames: [String] { get }

    /// The engine layer for `layer`. Calls of a layer with the same keyword options share one
    /// engine layer (and its state); `context.call` is the first such call.
    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer
}

extension LayerAdapter {
    /// A layer that holds nothing: no weights, and the input shape comes out unchanged.
    public func sameShape(_ inputs: [TensorShape]) -> [TensorShape]? {
        inputs.first.map { [$0] }
    }
}

/// What building an engine layer needs: the config, the weights (read from the file when
/// asked for), the file's Keras, and the catalog (for wrappers).
public struct BuildContext {
    public let layer: LayerDescription
    public let config: LayerConfig
    public let version: KerasVersion?
    /// The engine layer's name: the Keras name, with `.forward` / `.backward` inside Bidirectional.
    public let engineName: String
    /// The call the layer was first built for (its constant arguments: Keras 3 operations).
    public let call: InboundNode?
    /// Set while a Bidirectional layer builds one of its directions.
    public let direction: Direction?
    /// The shapes of the call's tensor arguments (in `callArguments` order) where shape
    /// inference knows them (`nil` dimensions unknown); empty when nothing is known.
    public let inputShapes: [TensorShape?]
    let weights: WeightSource
    let catalog: KerasLayerCatalog
    /// The outer layer, for messages, while a wrapper builds its inner layer.
    let outer: LayerDescription?

    init(layer: LayerDescription, version: KerasVersion?, engineName: String, call: InboundNode?, direction: Direction?,
         weights: WeightSource, catalog: KerasLayerCatalog, outer: LayerDescription? = nil, inputShapes: [TensorShape?] = []) {
        self.layer = layer
        self.inputShapes = inputShapes
        self.version = version
        self.engineName = engineName
        self.call = call
        self.direction = direction
        self.weights = weights
        self.catalog = catalog
        self.outer = outer
        config = LayerConfig(layer, reportedAs: outer ?? layer)
    }

    /// `hard_sigmoid` as the file's own Keras computed it (the formula changed in Keras 3).
    public var hardSigmoid: HardSigmoidVariant { version?.usesKeras3HardSigmoid == true ? .keras3 : .keras2 }

    /// The reading context of this layer (shapes, defaults by version).
    public var reading: LayerContext { LayerContext(version: version, catalog: catalog, layer: outer ?? layer) }

    /// `layer 'name' (Class): <message>`, naming the outer layer inside a wrapper.
    public func fail(_ message: String) -> LayerError {
        let named = outer ?? layer
        return LayerError(layer: named.name, className: named.className, message: message)
    }

    /// The weight of `role` (of this context's direction), read from the file; nil when the layer has none.
    public func tensor(_ role: WeightRole) throws -> Tensor? {
        try weights.tensor(role, direction: direction)
    }

    /// The weight of `role`, which the layer cannot do without.
    public func required(_ role: WeightRole) throws -> Tensor {
        guard let value = try tensor(role) else {
            let label = direction.map { "\($0.rawValue) \(role)" } ?? "\(role)"
            throw fail("expected a \(label) weight, found none in the file")
        }
        return value
    }

    /// The built-in activation named by config `key` (or its Keras 1 `alias`), `fallback` when absent.
    public func activation(_ key: String, _ aliases: String..., default fallback: String = "linear") throws -> Activation {
        let name = try config.activationName([key] + aliases) ?? fallback
        guard let activation = Activation(kerasName: name, hardSigmoid: hardSigmoid) else {
            throw fail("activation '\(name)' is not a built-in Keras activation this tool knows")
        }
        return activation
    }

    /// Builds a wrapped layer (TimeDistributed's, Bidirectional's directions) with this layer's weights.
    public func build(inner: LayerDescription, direction: Direction? = nil) throws -> any Layer {
        guard let adapter = catalog.adapter(inner.className) else {
            throw fail("wraps \(inner.className), which is not a layer keras-replay can replay")
        }
        let name = direction.map { "\(engineName).\($0.rawValue)" } ?? engineName
        let context = BuildContext(layer: inner, version: version, engineName: name, call: nil, direction: direction,
                                   weights: weights, catalog: catalog, outer: outer ?? layer, inputShapes: inputShapes)
        return try adapter.makeLayer(inner, in: context)
    }

    /// Builds a layer that stands for a part of this one (an RNN's cell as `LSTM`, ...), with this
    /// layer's call, direction and outer layer for messages; `sublayer` picks the weights of one
    /// cell of a stack (engine name `rnn/cell_gru`), nil keeps this layer's weights and name.
    public func build(part inner: LayerDescription, sublayer: String? = nil) throws -> any Layer {
        guard let adapter = catalog.adapter(inner.className) else {
            throw fail("holds \(inner.className), which is not a layer keras-replay can replay")
        }
        let context = BuildContext(layer: inner, version: version, engineName: sublayer.map { "\(engineName)/\($0)" } ?? engineName,
                                   call: call, direction: direction, weights: sublayer.map { weights.child($0) } ?? weights,
                                   catalog: catalog, outer: outer ?? layer, inputShapes: inputShapes)
        return try adapter.makeLayer(inner, in: context)
    }

    /// A keyword option of the call (`use_causal_mask`, `return_attention_scores`), as written.
    public func option(_ name: String) -> JSONValue? { call?.options[name] }

    /// A boolean keyword option of the call, `fallback` when absent; refused when not a boolean.
    public func flag(_ name: String, default fallback: Bool = false) throws -> Bool {
        guard let value = option(name), !value.isNull else { return fallback }
        guard let flag = value.bool else { throw fail("call argument '\(name)' expected true or false, found \(value.jsonText)") }
        return flag
    }

    /// The plain numbers among the call's arguments (Keras 3 operations such as `NotEqual(x, 0.0)`).
    public var constantArguments: [JSONValue] {
        (call?.arguments ?? []).compactMap { if case .constant(let value) = $0 { return value } else { return nil } }
    }
}

/// Reads a layer's weights from the checkpoint on request, noting NaN and infinite values.
/// Inside a nested model, a source reads the weights of one of its layers (`sublayer`).
final class WeightSource {
    let checkpoint: KerasCheckpoint
    /// The top-level layer whose group holds the weights.
    let layerName: String
    /// The layer inside a nested model (`inner_dense1`, `block/dense`), nil at the top level.
    let sublayer: String?
    let bound: [BoundWeight]
    private let log: NonFiniteLog

    init(checkpoint: KerasCheckpoint, layerName: String, sublayer: String? = nil, log: NonFiniteLog = NonFiniteLog()) {
        self.checkpoint = checkpoint
        self.layerName = layerName
        self.sublayer = sublayer
        self.log = log
        bound = (checkpoint.layerWeights(named: layerName)?.bound ?? []).filter { $0.sublayer == sublayer }
    }

    /// The source of a layer inside this (nested model) layer.
    func child(_ name: String) -> WeightSource {
        WeightSource(checkpoint: checkpoint, layerName: layerName, sublayer: sublayer.map { "\($0)/\(name)" } ?? name, log: log)
    }

    var nonFinite: [NonFiniteWeight] { log.found }

    func tensor(_ role: WeightRole, direction: Direction?) throws -> Tensor? {
        guard let weight = bound.first(where: { $0.role == role && $0.direction == direction }) else { return nil }
        let data = try checkpoint.tensorData(for: weight)
        if let found = NonFiniteWeight(layer: sublayer.map { "\(layerName)/\($0)" } ?? layerName, weight: weight.label, values: data) {
            log.found.append(found)
        }
        return Tensor(shape: weight.shape, scalars: data)
    }
}

/// The weights found holding NaN or infinity while a model was built.
final class NonFiniteLog {
    var found: [NonFiniteWeight] = []
}
