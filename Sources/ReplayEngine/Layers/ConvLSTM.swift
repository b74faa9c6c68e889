/// Convolutional LSTM (Keras `ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`): an LSTM whose products
/// are convolutions, gate blocks in Keras order i, f, c, o.
///
/// Input `(batch, time, s₁, …, s_d, channels)` (channels first: `(batch, time, channels, s…)`),
/// `kernel (k…, channels, 4·filters)`, `recurrentKernel (k…, filters, 4·filters)`, `bias (4·filters)`.
/// At every step, with `h, c (batch, o₁, …, o_d, filters)`:
/// ```
/// z = conv(x_t, kernel, strides, padding, dilation) + bias + conv(h, recurrentKernel, stride 1, same)
/// inputGate  i = recurrentActivation(z_i)      forgetGate f = recurrentActivation(z_f)
/// candidate  g = activation(z_c)               outputGate o = recurrentActivation(z_o)
/// c' = f·c + i·g        h' = o·activation(c')
/// ```
/// Axis-wise activations (softmax) run over one gate's filters at each position. Outputs as an
/// LSTM: the sequence of `h` (processing order with `goBackwards`) or the last one, then with
/// `returnState` `h` and `c`. A `(batch, time)` mask keeps states and repeats the output at masked
/// steps. The input convolution runs over all steps at once, the recurrent one once per step.
public final class ConvLSTM: TraceableLayer {
    public let name: String
    public let kindName: String
    public let filters: Int
    public let returnSequences: Bool
    public let returnState: Bool
    public let goBackwards: Bool
    public let stateful: Bool
    public let channelsFirst: Bool
    public let activation: Activation
    public let recurrentActivation: Activation
    /// x·kernel + bias over `(batch·time, spatial…, channels)`, channels last.
    let inputConvolution: Convolution
    /// h·recurrentKernel over `(batch, spatial…, filters)`, channels last.
    let recurrentConvolution: Convolution
    private let store = RecurrentStateStore()

    public static let traceNames = ["inputGate", "forgetGate", "candidate", "outputGate", "cell", "hidden"]

    public init(name: String, kindName: String = "ConvLSTM", kernel: Tensor, recurrentKernel: Tensor, bias: Tensor?,
                strides: [Int], dilation: [Int], padding: WindowPadding, recurrentPadding: WindowPadding = .same,
                activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false, stateful: Bool = false,
                channelsFirst: Bool = false) throws {
        self.name = name
        self.kindName = kindName
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: kindName, message: message) }
        let rank = kernel.rank - 2
        guard rank >= 1, recurrentKernel.rank == rank + 2, kernel.shape.last.map({ $0 % 4 == 0 && $0 > 0 }) == true else {
            throw fail("expected kernel (taps..., channels, 4·filters) and recurrent kernel (taps..., filters, 4·filters), found \(kernel.shapeDescription) and \(recurrentKernel.shapeDescription)")
        }
        filters = kernel.shape[rank + 1] / 4
        guard recurrentKernel.shape[rank] == filters, recurrentKernel.shape[rank + 1] == 4 * filters else {
            throw fail("expected recurrent kernel (taps..., \(filters), \(4 * filters)), found \(recurrentKernel.shapeDescription)")
        }
        for (role, a) in [("activation", activation), ("recurrent activation", recurrentActivation)] where !a.worksOnGateBlocks {
            throw fail("\(role) \(a) changes the size of what it is given")
        }
        inputConvolution = try Convolution(name: name + "/input", kindName: kindName, kernel: kernel, bias: bias, strides: strides,
                                           dilation: dilation, padding: padding)
        let ones = [Int](repeating: 1, count: rank)
        recurrentConvolution = try Convolution(name: name + "/recurrent", kindName: kindName, kernel: recurrentKernel, bias: nil,
                                               strides: ones, dilation: ones, padding: recurrentPadding)
        self.activation = activation
        self.recurrentActivation = recurrentActivation
        self.returnSequences = returnSequences
        self.returnState = returnState
        self.goBackwards = goBackwards
        self.stateful = stateful
        self.channelsFirst = channelsFirst
    }

    /// Multiply-adds of one call on an input of `shape` `(batch, time, ...)`: the input convolution
    /// of every step, and the recurrent one on the state maps.
    public func multiplyAdds(inputShape shape: [Int]) -> Int {
        guard shape.count >= 3 else { return 0 }
        // The engine's convolutions are channels last.
        let folded = [shape[0] * shape[1]] + Array(shape[2...])
        let step = channelsFirst ? [folded[0]] + Array(folded[2...]) + [folded[1]] : folded
        guard let maps = inputConvolution.outputShape(inputShape: step) else { return 0 }
        let recurrentInput = [maps[0]] + maps[1..<(maps.count - 1)] + [filters]
        return inputConvolution.multiplyAdds(inputShape: step) + recurrentConvolution.multiplyAdds(inputShape: recurrentInput)
    }

    public var isStateful: Bool { stateful }
    public func resetStates() { store.reset() }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        try call(inputs, masks: masks, recordTrace: false).output
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?], recordTrace: Bool) throws -> (output: LayerOutput, traces: [RecurrentTrace]) {
        guard let x = inputs.first else { throw error("expected 1 input, found none") }
        let rank = inputConvolution.axes.count
        guard x.rank == rank + 3 else { throw error("expected input (batch, time, \(rank) spatial axes, channels), found \(x.shapeDescription)") }
        let batch = x.shape[0], time = x.shape[1]
        guard time > 0 else { throw error("expected at least 1 timestep, found input \(x.shapeDescription)") }
        // Each step's input maps, channels last (batch, spatial…, channels); the input convolution
        // runs one step at a time, so nothing the size of the whole sequence's gates is kept.
        let stepShape = Array(x.shape[2...]), stepSize = stepShape.reduce(1, *)
        func stepInput(_ t: Int) -> Tensor {
            var maps = [Float](repeating: 0, count: batch * stepSize)
            for b in 0..<batch {
                let from = (b * time + t) * stepSize
                maps.replaceSubrange((b * stepSize)..<((b + 1) * stepSize), with: x.scalars[from..<(from + stepSize)])
            }
            let tensor = Tensor(shape: [batch] + stepShape, scalars: maps)
            return channelsFirst ? tensor.channelsLast() : tensor
        }
        var channelsLastStep = [batch] + stepShape
        if channelsFirst { channelsLastStep = [batch] + stepShape.dropFirst() + [stepShape[0]] }
        guard let outputShape = inputConvolution.outputShape(inputShape: channelsLastStep) else {
            throw error("expected input (batch, time, \(rank) spatial axes, channels), found \(x.shapeDescription)")
        }
        let mapShape = Array(outputShape[1...rank])
        let positions = mapShape.reduce(1, *), f = filters, width = 4 * f
        let stateSize = batch * positions * f
        let mask = masks.first ?? nil
        if let mask, mask.shape != [batch, time] { throw error("expected mask (\(batch), \(time)), found \(mask.shapeDescription)") }

        // States: given (channels as the layer's data format), kept from the last call, or zeros.
        var h = [Float](repeating: 0, count: stateSize), c = [Float](repeating: 0, count: stateSize)
        if inputs.count > 1 {
            guard inputs.count == 3 else { throw error("expected the sequence, optionally followed by 2 initial states (h, c), found \(inputs.count) inputs") }
            for (index, state) in inputs.dropFirst().enumerated() {
                let last = channelsFirst ? state.channelsLast() : state
                guard last.shape == [batch] + mapShape + [f] else {
                    throw error("expected initial state \(Tensor.describe([batch] + mapShape + [f])), found \(state.shapeDescription)")
                }
                if index == 0 { h = last.scalars } else { c = last.scalars }
            }
        } else if stateful, let kept = store.states {
            guard kept[0].count == stateSize else {
                throw error("stateful layer holds state for another batch size, found input batch \(batch); call resetStates() or keep the batch size fixed")
            }
            h = kept[0]
            c = kept[1]
        }

        var sequence = returnSequences ? [Float](repeating: 0, count: time * stateSize) : []
        var traceValues = recordTrace ? [[Float]](repeating: [Float](repeating: 0, count: batch * time * positions * f), count: 6) : []
        var previousOutput = h
        let rowsPerStep = batch * positions
        var gates = [Float](repeating: 0, count: rowsPerStep * width)
        var newH = h, newC = c
        let gate = GateFunction(recurrentActivation), candidate = GateFunction(activation)
        for s in 0..<time {
            let t = goBackwards ? time - 1 - s : s
            let recurrent = try recurrentConvolution.call([Tensor(shape: [batch] + mapShape + [f], scalars: h)], masks: [nil]).tensors[0]
            let projected = try inputConvolution.call([stepInput(t)], masks: [nil]).tensors[0]
            gates.withUnsafeMutableBufferPointer { z in
                projected.scalars.withUnsafeBufferPointer { x in
                    recurrent.scalars.withUnsafeBufferPointer { hu in
                        newH.withUnsafeMutableBufferPointer { newH in
                            newC.withUnsafeMutableBufferPointer { newC in
                                c.withUnsafeBufferPointer { c in
                                    // Every map position of every row is independent: split them over the cores.
                                    let pointers = ConvLSTMStepPointers(gates: z.baseAddress!, projected: x.baseAddress!, recurrent: hu.baseAddress!,
                                                                        cell: c.baseAddress!, newH: newH.baseAddress!, newC: newC.baseAddress!)
                                    let rows = rowsPerStep
                                    let threads = rows * width >= 1 << 15 ? min(Parallelism.maximumThreads, rows) : 1
                                    Parallelism.run(threads) { slice in
                                        for r in (rows * slice / threads)..<(rows * (slice + 1) / threads) {
                                            let row = pointers.gates + r * width
                                            let input = pointers.projected + r * width, hidden = pointers.recurrent + r * width
                                            for j in 0..<width { row[j] = input[j] + hidden[j] }
                                            VectorMath.apply(gate, row, count: 2 * f, rowLength: f)   // i, f
                                            VectorMath.apply(candidate, row + 2 * f, count: f)       // g
                                            VectorMath.apply(gate, row + 3 * f, count: f)            // o
                                            let state = r * f
                                            let cellOut = pointers.newC + state, hiddenOut = pointers.newH + state
                                            for k in 0..<f { cellOut[k] = row[f + k] * pointers.cell[state + k] + row[k] * row[2 * f + k] }
                                            hiddenOut.update(from: cellOut, count: f)
                                            VectorMath.apply(candidate, hiddenOut, count: f)
                                            for k in 0..<f { hiddenOut[k] = row[3 * f + k] * hiddenOut[k] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // Kept rows take the new states and output them; masked rows keep theirs and repeat the previous output.
            for b in 0..<batch {
                let keep = mask.map { $0.scalars[b * time + t] != 0 } ?? true
                let range = (b * positions * f)..<((b + 1) * positions * f)
                if recordTrace {
                    for p in 0..<positions {
                        let at = ((b * time + t) * positions + p) * f, row = (b * positions + p) * width, state = (b * positions + p) * f
                        for g in 0..<4 { for k in 0..<f { traceValues[g][at + k] = gates[row + g * f + k] } }
                        for k in 0..<f {
                            traceValues[4][at + k] = keep ? newC[state + k] : c[state + k]
                            traceValues[5][at + k] = keep ? newH[state + k] : h[state + k]
                        }
                    }
                }
                if keep {
                    h.replaceSubrange(range, with: newH[range])
                    c.replaceSubrange(range, with: newC[range])
                    previousOutput.replaceSubrange(range, with: newH[range])
                }
            }
            if returnSequences {
                for b in 0..<batch {
                    let from = b * positions * f, to = (b * time + s) * positions * f
                    for k in 0..<(positions * f) { sequence[to + k] = previousOutput[from + k] }
                }
            }
        }
        if stateful { store.store([h, c]) }

        func layout(_ values: [Float], _ shape: [Int]) -> Tensor {
            let tensor = Tensor(shape: shape, scalars: values)
            guard channelsFirst else { return tensor }
            // (…, spatial…, filters) → (…, filters, spatial…), folding time into the batch if any.
            let leading = shape.count - rank - 1
            let folded = Tensor(shape: [shape[..<leading].reduce(1, *)] + shape[leading...], scalars: values).channelsFirst()
            return Tensor(shape: Array(shape[..<leading]) + [f] + mapShape, scalars: folded.scalars)
        }
        let output = returnSequences ? layout(sequence, [batch, time] + mapShape + [f]) : layout(previousOutput, [batch] + mapShape + [f])
        let outputMask = returnSequences ? mask : nil
        var traces: [RecurrentTrace] = []
        if recordTrace {
            var values: [String: Tensor] = [:]
            for (index, quantity) in Self.traceNames.enumerated() {
                values[quantity] = Tensor(shape: [batch, time] + mapShape + [f], scalars: traceValues[index])
            }
            var trace = RecurrentTrace(layer: name, kind: kindName, names: Self.traceNames, values: values, mask: mask)
            trace.goBackwards = goBackwards
            traces = [trace]
        }
        guard returnState else { return (LayerOutput(output, mask: outputMask), traces) }
        let states = [layout(h, [batch] + mapShape + [f]), layout(c, [batch] + mapShape + [f])]
        return (LayerOutput(tensors: [output] + states, masks: [outputMask, nil, nil]), traces)
    }
}

/// One ConvLSTM step's buffers, shared by the threads that compute its gates.
private struct ConvLSTMStepPointers: @unchecked Sendable {
    var gates: UnsafeMutablePointer<Float>
    var projected: UnsafePointer<Float>
    var recurrent: UnsafePointer<Float>
    var cell: UnsafePointer<Float>
    var newH: UnsafeMutablePointer<Float>
    var newC: UnsafeMutablePointer<Float>
}
