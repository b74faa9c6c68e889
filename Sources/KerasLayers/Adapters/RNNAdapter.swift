import KerasCheckpoint
import ReplayEngine

/// Keras `RNN` around a cell (Keras 2.2.4, tf-keras, Keras 3; Keras 1 has none):
/// `RNN(LSTMCell(u))` is `LSTM(u)`, likewise `GRUCell` → `GRU` and `SimpleRNNCell` → `SimpleRNN`:
/// the cell's config with the RNN's options (`return_sequences`, `return_state`, `go_backwards`,
/// `stateful`, `unroll`, `zero_output_for_mask`), read and replayed by ``RecurrentAdapter``.
/// `RNN(StackedRNNCells([...]))` (also what `RNN([cell, cell])` saves) chains its cells per step.
///
/// Weights: each cell's `kernel`, `recurrent_kernel`, `bias` in cell order (the stacked
/// layer's named by cell: `rnn/cell_gru/kernel`). Keras 3 `.weights.h5` keeps a single cell
/// under `cell/vars` and stacked ones under `cell/cells/<lstm_cell|gru_cell|…>` (snake-case
/// class names with a counter for repeats, in list order). Initial states are given per cell,
/// flattened (`[lstm h, lstm c, gru h]`); with `return_state` the final states come the same way.
/// Engine layers: `LSTM`, `GRU`, `SimpleRNN`, or `StackedRNN` of them.
struct RNNAdapter: LayerAdapter {
    let classNames = ["RNN"]
    private let recurrent = RecurrentAdapter()

    /// The RNN's options that a cell layer takes over.
    static let options = ["return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"]

    /// The cells of `layer` as equivalent one-cell layers (`LSTM`, `GRU`, `SimpleRNN`) with the
    /// RNN's options and name; `stacked` when the cell is a `StackedRNNCells`.
    func cells(of layer: LayerDescription, in context: LayerContext) throws -> (layers: [LayerDescription], cellNames: [String], stacked: Bool) {
        let config = context.config(of: layer)
        if try config.bool("time_major", default: false) {
            throw context.fail("time_major=True (inputs as (timesteps, batch, features)) is not replayed")
        }
        guard let cell = layer.config["cell"], !cell.isNull else { throw context.fail("config has no cell") }
        let described: [JSONValue]
        let stacked: Bool
        if let list = cell.array {
            described = list
            stacked = true
        } else if cell["class_name"]?.string == "StackedRNNCells" {
            guard let list = cell["config"]?["cells"]?.array, !list.isEmpty else {
                throw context.fail("StackedRNNCells config has no cells list")
            }
            described = list
            stacked = true
        } else {
            described = [cell]
            stacked = false
        }
        guard !described.isEmpty else { throw context.fail("config has an empty list of cells") }
        var layers: [LayerDescription] = [], names: [String] = []
        for (index, cellDescription) in described.enumerated() {
            guard let className = cellDescription["class_name"]?.string else {
                throw context.fail("cell \(index + 1) has no class_name")
            }
            guard className.hasSuffix("Cell"), case let layerClass = String(className.dropLast(4)),
                  ["LSTM", "GRU", "SimpleRNN"].contains(layerClass) else {
                throw context.fail("cell \(className) is not one keras-replay replays (LSTMCell, GRUCell, SimpleRNNCell, StackedRNNCells)")
            }
            guard case .object(var members) = cellDescription["config"] ?? .object([:]) else {
                throw context.fail("cell \(className) has a config that is not an object")
            }
            names.append(members["name"]?.string ?? NativeLayout.snakeCase(className))
            let last = index == described.count - 1
            for key in Self.options {
                members[key] = layer.config[key]
            }
            // Inside a stack, only the RNN's ends differ: the first cell reads the input (backwards,
            // if so), every cell but the last hands its sequence to the next, states are the stack's.
            if stacked {
                if index > 0 { members["go_backwards"] = .bool(false) }
                if !last { members["return_sequences"] = .bool(true) }
                members["return_state"] = .bool(false)
                members["zero_output_for_mask"] = nil
            }
            members["name"] = .string(layer.name)
            layers.append(LayerDescription(className: layerClass, name: layer.name, config: .object(members), inboundNodes: []))
        }
        return (layers, names, stacked)
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let sequence = inputs.first, sequence.count == 3 else { return nil }
        let (cells, _, _) = try cells(of: layer, in: context)
        let config = context.config(of: layer)
        var current = sequence
        var states: [TensorShape] = []
        for cell in cells {
            let settings = try RecurrentSettings(cell, in: context)
            states += settings.stateNames.map { _ in [sequence[0], settings.units] }
            current = [sequence[0], sequence[1], settings.units]
        }
        let output: TensorShape = try config.bool("return_sequences", default: false) ? current : [current[0], current[2]]
        return try config.bool("return_state", default: false) ? [output] + states : [output]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        try cells(of: layer, in: context).layers.reduce(0) { $0 + (try recurrent.weightCount(of: $1, in: context) ?? 0) }
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        var details = LayerDetails(settings: ConfigSettings.shown(layer.config))
        guard let (cells, names, stacked) = try? cells(of: layer, in: context) else { return details }
        if !stacked, let only = cells.first {
            let cellDetails = recurrent.details(of: only, in: context)
            details.activations = cellDetails.activations
            for (key, value) in cellDetails.settings where details.settings[key] == nil { details.settings[key] = value }
            details.settings["cell"] = .string("\(only.className)Cell")
        } else {
            details.settings["cell"] = .string("StackedRNNCells")
            details.settings["cells"] = .array(zip(names, cells).map { name, cell in
                let units = (try? RecurrentSettings(cell, in: context).units).map { "(\($0))" } ?? ""
                return .string("\(name): \(cell.className)Cell\(units)")
            })
            for (name, cell) in zip(names, cells) {
                for (key, value) in recurrent.details(of: cell, in: context).activations { details.activations.append(("\(name) \(key)", value)) }
            }
        }
        return details
    }

    func nativeSublayerOrder(of layer: LayerDescription, in context: LayerContext) -> [String] {
        guard let list = layer.config["cell"]?["config"]?["cells"]?.array ?? layer.config["cell"]?.array else { return ["cell"] }
        return ["cell", "cells"] + NativeLayout.listedNames(list.map { $0["class_name"]?.string ?? "" })
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let (cells, names, stacked) = try cells(of: layer, in: context)
        var bound: [BoundWeight] = []
        var next = 0
        var shapes = inputShapes
        for (index, cell) in cells.enumerated() {
            guard let count = try recurrent.weightCount(of: cell, in: context) else { continue }
            guard next + count <= entries.count else {
                throw context.fail("expected \(try weightCount(of: layer, in: context) ?? 0) weight arrays for its \(counted(cells.count, "cell")), found \(entries.count)")
            }
            let own = Array(entries[next..<(next + count)])
            next += count
            for var weight in try recurrent.bindWeights(own, of: cell, inputShapes: shapes, in: context) {
                if stacked { weight.sublayer = names[index] }
                bound.append(weight)
            }
            let units = try RecurrentSettings(cell, in: context).units
            shapes = [[nil, nil, units]]
        }
        guard next == entries.count else {
            throw context.fail("expected \(next) weight arrays for its \(counted(cells.count, "cell")), found \(entries.count)")
        }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let (cells, names, stacked) = try cells(of: layer, in: context.reading)
        guard stacked else { return try context.build(part: cells[0]) }
        var built: [any RecurrentLayer] = []
        for (name, cell) in zip(names, cells) {
            guard let layer = try context.build(part: cell, sublayer: name) as? any RecurrentLayer else {
                throw context.fail("cell '\(name)' did not build as a recurrent layer")
            }
            built.append(layer)
        }
        let config = context.config
        do {
            return try StackedRNN(name: context.engineName, cells: built, cellNames: names,
                                  returnState: config.bool("return_state", default: false),
                                  zeroOutputForMask: config.bool("zero_output_for_mask", default: false))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}
