import KerasCheckpoint
import ReplayEngine

/// Keras `Bidirectional` around a recurrent layer. The stored weights are the forward layer's,
/// then the backward layer's (`forward_lstm/...`, `backward_lstm/...`); the backward copy runs
/// with the opposite `go_backwards`. Keras 3 writes the backward config as `backward_layer`,
/// tf-keras derives it from `layer`. `merge_mode`: absent = concat, null = None (two outputs).
/// Engine layer: `Bidirectional`.
struct BidirectionalAdapter: LayerAdapter {
    let classNames = ["Bidirectional"]

    /// The forward and backward inner layers as described (the backward one with its go_backwards flipped).
    func directions(of layer: LayerDescription, in context: LayerContext) throws -> (forward: LayerDescription, backward: LayerDescription) {
        guard let forward = layer.wrappedLayer else { throw context.fail("config has no wrapped layer") }
        var backward = forward
        if let described = layer.config["backward_layer"], let className = described["class_name"]?.string {
            let config = described["config"] ?? .object([:])
            backward = LayerDescription(className: className, name: config["name"]?.string ?? forward.name, config: config, inboundNodes: [])
        }
        // Keras builds the backward copy with the opposite go_backwards of the forward layer.
        let forwardBackwards = try context.config(of: forward).bool("go_backwards", default: false)
        backward.config = backward.config.setting("go_backwards", to: .bool(!forwardBackwards))
        return (forward, backward)
    }

    func mergeMode(_ layer: LayerDescription, in context: LayerContext) throws -> MergeMode? {
        switch layer.config["merge_mode"] {
        case nil: return .concat
        case .null?: return nil
        case let mode?:
            guard let parsed = mode.string.flatMap(MergeMode.init(rawValue:)) else {
                throw context.fail("merge_mode \(mode.jsonText) is not one of concat, sum, mul, ave, None")
            }
            return parsed
        }
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let (forward, _) = try directions(of: layer, in: context)
        guard let innerShapes = try context.reading(for: forward).outputShapes(of: forward, inputs: inputs, in: context),
              let output = innerShapes.first else { return nil }
        let states = Array(innerShapes.dropFirst())
        let outputs: [TensorShape]
        switch try mergeMode(layer, in: context) {
        case nil: outputs = [output, output]
        case .concat?: outputs = [Array(output.dropLast()) + [output.last!.map { $0 * 2 }]]
        default: outputs = [output]
        }
        return outputs + states + states
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    /// The wrapped layer's order, below `forward_layer` and `backward_layer` (an RNN's stacked cells).
    func nativeSublayerOrder(of layer: LayerDescription, in context: LayerContext) -> [String] {
        guard let inner = layer.wrappedLayer, let reading = context.catalog.reading(inner.className) else { return [] }
        return reading.nativeSublayerOrder(of: inner, in: context)
    }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        let (forward, backward) = try directions(of: layer, in: context)
        let reading = try context.reading(for: forward)
        guard let forwardCount = try reading.weightCount(of: forward, in: context),
              let backwardCount = try reading.weightCount(of: backward, in: context) else { return nil }
        return forwardCount + backwardCount
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        guard let inner = layer.wrappedLayer, let reading = context.catalog.reading(inner.className) else {
            return LayerDetails(settings: ConfigSettings.shown(layer.config))
        }
        var details = reading.details(of: inner, in: context)
        for (key, value) in ConfigSettings.shown(layer.config) { details.settings[key] = value }
        if layer.config["merge_mode"] == nil { details.settings["merge_mode"] = .string("concat") }
        details.settings["layer"] = .string(inner.className)
        return details
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let (forward, backward) = try directions(of: layer, in: context)
        guard entries.count % 2 == 0 else {
            throw context.fail("expected an even number of weights (forward then backward), found \(entries.count)")
        }
        let reading = try context.reading(for: forward)
        let half = entries.count / 2
        let forwardWeights = try reading.bindWeights(Array(entries[..<half]), of: forward, inputShapes: inputShapes, in: context)
        let backwardWeights = try reading.bindWeights(Array(entries[half...]), of: backward, inputShapes: inputShapes, in: context)
        return forwardWeights.map { $0.in(.forward) } + backwardWeights.map { $0.in(.backward) }
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let (forward, backward) = try directions(of: layer, in: context.reading)
        guard let forwardLayer = try context.build(inner: forward, direction: .forward) as? any RecurrentLayer,
              let backwardLayer = try context.build(inner: backward, direction: .backward) as? any RecurrentLayer else {
            throw context.fail("wraps \(forward.className), which is not LSTM, GRU or SimpleRNN")
        }
        do {
            return try Bidirectional(name: context.engineName, forward: forwardLayer, backward: backwardLayer,
                                     mergeMode: mergeMode(layer, in: context.reading))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}

extension BoundWeight {
    /// The same weight, marked as belonging to one direction of a Bidirectional layer.
    func `in`(_ direction: Direction) -> BoundWeight {
        var weight = self
        weight.direction = direction
        return weight
    }
}

extension JSONValue {
    /// This object with `key` set to `value` (a non-object is returned unchanged).
    func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = value
        return .object(members)
    }
}
