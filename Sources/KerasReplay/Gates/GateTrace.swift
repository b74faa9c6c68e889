import KerasCheckpoint
import ReplayEngine

/// What every gate of one recurrent layer did at every timestep of a `predict` run.
///
/// Arrays are float32 `(batch, timesteps, units)`, named as NumPy users will load them:
/// LSTM `input_gate, forget_gate, candidate, output_gate, cell, hidden`; GRU `update_gate,
/// reset_gate, candidate, hidden`; SimpleRNN `hidden`. A Bidirectional layer gives each name
/// twice, prefixed `forward_` and `backward_`. Time runs in INPUT order for every direction:
/// index t is the step that read input t (a backward direction reads t = T-1 first), and
/// `read_order` / `backward_read_order` list the timesteps in the order the loop read them.
/// At a masked step, `cell` and `hidden` hold the carried values and `mask` (batch, timesteps)
/// is 0 there; the gate arrays hold what the cell computed at that step, which Keras discards.
public struct GateTrace: Sendable {
    public struct Series: Sendable {
        /// `input_gate`, `forward_hidden`, ...
        public var name: String
        /// `forward`, `backward`, or nil for a one-directional layer.
        public var direction: String?
        /// `input_gate`, `hidden`, ... without the direction.
        public var quantity: String
        public var values: Tensor
    }

    public var layer: String
    /// `LSTM`, `GRU` or `SimpleRNN` (the wrapped class for Bidirectional).
    public var className: String
    public var series: [Series]
    /// `(batch, timesteps)`, 1 = step kept, 0 = masked; nil when the layer saw no mask.
    public var mask: Tensor?
    /// Per direction: the input timesteps in the order the loop read them.
    public var readOrders: [(name: String, order: [Int])]
    /// The model's outputs from the same run.
    public var outputs: [Tensor]
    /// The wrapper the recurrent layer sits in (`Bidirectional`, `TimeDistributed`), if any.
    public var wrapperClass: String? = nil
    /// ConvLSTM: each step's gate map shape `(spatial..., filters)`; the series hold it flattened
    /// (unit = position-major, filter-minor) and ``namedArrays`` give it back in this shape.
    public var unitShape: [Int]? = nil
    /// For an `RNN(StackedRNNCells(...))`: the traced cell, and every cell of the stack in order.
    public var cell: String? = nil
    public var cells: [String] = []

    /// `Bidirectional(LSTM)`, or the class alone.
    public var describedClass: String { wrapperClass.map { "\($0)(\(className))" } ?? className }

    /// True when the cell keeps a cell state besides the hidden one (LSTM).
    public var hasCellState: Bool { series.contains { $0.quantity == "cell" } }

    public var batchSize: Int { series.first?.values.shape[0] ?? 0 }
    public var timesteps: Int { series.first?.values.shape[1] ?? 0 }
    public var units: Int { series.first?.values.shape[2] ?? 0 }

    /// Every array in the order NumPy users get them from the `.npz`.
    public var namedArrays: [(name: String, tensor: Tensor)] {
        var arrays = series.map { series -> (name: String, tensor: Tensor) in
            guard let unitShape else { return (series.name, series.values) }
            let shape = Array(series.values.shape.prefix(2)) + unitShape
            return (series.name, Tensor(shape: shape, scalars: series.values.scalars))
        }
        for (name, order) in readOrders {
            arrays.append((name, Tensor(shape: [order.count], scalars: order.map(Float.init))))
        }
        if let mask { arrays.append(("mask", mask)) }
        return arrays
    }

    /// `inputGate` → `input_gate`.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
        return result
    }
}

extension ReplayModel {
    /// The recurrent layers of the model, in model order, with their class (`Bidirectional(LSTM)`).
    public var recurrentLayers: [(name: String, className: String)] {
        guard let model = checkpoint.model else { return [] }
        return model.layers.compactMap { layer in
            guard layersByName[layer.name] is any TraceableLayer else { return nil }
            // Bidirectional(LSTM), RNN(GRUCell), RNN(StackedRNNCells), Bidirectional(RNN(LSTMCell)).
            func described(_ layer: LayerDescription) -> String {
                if layer.className == "RNN", let cell = layer.config["cell"] {
                    return "RNN(\(cell["class_name"]?.string ?? (cell.array != nil ? "StackedRNNCells" : "?")))"
                }
                return layer.className
            }
            let inner = layer.wrappedLayer.map(described)
            return (layer.name, inner.map { "\(layer.className)(\($0))" } ?? described(layer))
        }
    }

    /// Runs `predict` on `inputs` and records every gate of `layer` at every step, from the
    /// same loop that computes the outputs. Stateful models walk their fixed batch size,
    /// carrying state, as `predict` does. For an RNN over stacked cells, `cell` names the cell
    /// to trace (default: the first; ``GateTrace/cells`` lists them all).
    public func traceGates(layer name: String, inputs: [Tensor], cell: String? = nil) throws -> GateTrace {
        guard let layer = layersByName[name] else {
            throw ReplayError(file: checkpoint.path, message: "no layer named '\(name)' (recurrent layers: \(recurrentLayers.map(\.name).joined(separator: ", ")))")
        }
        guard let traceable = layer as? any TraceableLayer else {
            throw ReplayError(file: checkpoint.path, message: "layer '\(name)' (\(layer.kindName)) is not recurrent; gates exist for LSTM, GRU, SimpleRNN and Bidirectional layers (here: \(recurrentLayers.map(\.name).joined(separator: ", ")))")
        }
        let result: (outputs: [Tensor], traces: [RecurrentTrace])
        do {
            try checkSizes(inputs)
            result = try graph.predict(inputs, tracing: traceable)
        } catch let error as EngineError {
            throw ReplayError(file: checkpoint.path, message: error.description)
        }
        // A stack of cells gives one trace per cell (per direction): keep the chosen cell's.
        var cells: [String] = []
        for trace in result.traces { if let cell = trace.cell, !cells.contains(cell) { cells.append(cell) } }
        var traces = result.traces
        if let cell, !cells.contains(cell) {
            throw ReplayError(file: checkpoint.path, message: cells.isEmpty
                ? "layer '\(name)' has one cell; --cell is for an RNN over StackedRNNCells"
                : "layer '\(name)' has no cell '\(cell)' (its cells: \(cells.joined(separator: ", ")))")
        }
        let chosen = cell ?? cells.first
        if let chosen { traces = traces.filter { $0.cell == chosen } }
        let directions: [String?] = traceable is Bidirectional ? ["forward", "backward"] : [nil]
        var series: [GateTrace.Series] = []
        var unitShape: [Int]?
        var readOrders: [(String, [Int])] = []
        for (index, trace) in traces.enumerated() {
            let direction = directions[index]
            for quantity in trace.names {
                let snake = GateTrace.snakeCase(quantity)
                var values = trace.values[quantity]!
                if values.rank > 3 {
                    // ConvLSTM: gate maps (batch, time, spatial..., filters), drawn as flattened units.
                    unitShape = Array(values.shape[2...])
                    values = Tensor(shape: [values.shape[0], values.shape[1], values.shape[2...].reduce(1, *)], scalars: values.scalars)
                }
                series.append(GateTrace.Series(name: direction.map { "\($0)_\(snake)" } ?? snake, direction: direction, quantity: snake, values: values))
            }
            let steps = trace.values[trace.names[0]]!.shape[1]
            if trace.goBackwards {
                readOrders.append((direction.map { "\($0)_read_order" } ?? "read_order", Array((0..<steps).reversed())))
            }
        }
        let mask = traces.first?.mask
        let description = checkpoint.model?.layer(named: name)
        var className = description.map { $0.wrappedLayer?.className ?? $0.className } ?? layer.kindName
        // The generic RNN says which cell it runs: RNN(LSTMCell).
        if className == "RNN", let kind = traces.first?.kind { className = "RNN(\(kind)Cell)" }
        var trace = GateTrace(layer: chosen.map { "\(name)/\($0)" } ?? name, className: className, series: series, mask: mask,
                              readOrders: readOrders, outputs: result.outputs)
        if description?.wrappedLayer != nil { trace.wrapperClass = description?.className }
        trace.cell = chosen
        trace.cells = cells
        trace.unitShape = unitShape
        return trace
    }
}

extension GateTrace {
    /// The trace of a stateful model fed one sample per batch (the seed classifier's
    /// `batch_input_shape=(1, 1, 1)`) laid out as one stream: state carried from sample to
    /// sample makes consecutive samples consecutive steps, so this is `(1, batch x timesteps, units)`.
    public func streamed() -> GateTrace {
        var copy = self
        let steps = batchSize * timesteps
        copy.series = series.map { series in
            var streamed = series
            streamed.values = Tensor(shape: [1, steps, series.values.shape[2]], scalars: series.values.scalars)
            return streamed
        }
        copy.mask = mask.map { Tensor(shape: [1, steps], scalars: $0.scalars) }
        copy.readOrders = []
        return copy
    }
}

extension ReplayModel {
    /// ``traceGates(layer:inputs:cell:)`` over the rows a block of `chunkRows` at a time (a stateful
    /// model's chunks are whole batches, its state carried between them as between batches), with
    /// `progress` told the rows done: the same arrays as one call, and a progress line for long inputs.
    public func traceGates(layer name: String, inputs: [Tensor], cell: String? = nil, chunkRows: Int,
                           progress: (Int) -> Void) throws -> GateTrace {
        let rows = inputs.first?.shape.first ?? 0
        var chunk = max(1, chunkRows)
        if let fixed = graph.fixedBatchSize { chunk = max(fixed, chunk / fixed * fixed) }
        guard rows > chunk else {
            let trace = try traceGates(layer: name, inputs: inputs, cell: cell)
            progress(rows)
            return trace
        }
        var parts: [GateTrace] = []
        var start = 0
        while start < rows {
            let block = start..<min(start + chunk, rows)
            parts.append(try traceGates(layer: name, inputs: inputs.map { $0.rowSlice(block) }, cell: cell))
            start = block.upperBound
            progress(start)
        }
        var trace = parts[0]
        for index in trace.series.indices {
            trace.series[index].values = Tensor(concatenatingRows: parts.map { $0.series[index].values })
        }
        if trace.mask != nil { trace.mask = Tensor(concatenatingRows: parts.compactMap(\.mask)) }
        trace.outputs = trace.outputs.indices.map { output in Tensor(concatenatingRows: parts.map { $0.outputs[output] }) }
        return trace
    }
}
