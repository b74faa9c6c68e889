import Synchronization

/// A recurrent layer (LSTM, GRU, SimpleRNN): what Bidirectional drives and what gate tracing reads.
///
/// Input `(batch, timesteps, inputDimension)`. Outputs, in Keras order: the output —
/// `(batch, timesteps, units)` with `returnSequences` (in PROCESSING order: reversed for
/// `goBackwards`, as Keras returns it), else the last step's `(batch, units)` — then, with
/// `returnState`, the final states (`h`, and `c` for LSTM).
///
/// Masking (Keras backend `rnn`): at a masked step the states carry over unchanged; the output is
/// the previous step's output, or zeros when `zeroOutputForMask` (Keras sets it inside
/// Bidirectional with `return_sequences`).
public protocol RecurrentLayer: Layer {
    var units: Int { get }
    var inputDimension: Int { get }
    var returnSequences: Bool { get }
    var returnState: Bool { get }
    var goBackwards: Bool { get }
    var stateful: Bool { get }
    /// Names of the states in Keras order: `["h", "c"]` for LSTM, `["h"]` otherwise.
    var stateNames: [String] { get }
    /// The quantities a trace records, in order (e.g. LSTM: inputGate, forgetGate, candidate, outputGate, cell, hidden).
    var traceNames: [String] { get }

    /// Runs the sequence. `mask` is `(batch, timesteps)`, nonzero = keep. With `recordTrace`, the
    /// same loop also records every step into ``RecurrentResult/trace``.
    func run(_ sequence: Tensor, mask: Tensor?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult
}

/// What one run of a recurrent layer produced.
public struct RecurrentResult: Sendable {
    /// `(batch, timesteps, units)` in processing order with `returnSequences`, else `(batch, units)`.
    public var output: Tensor
    /// Final states, Keras order (h, then c for LSTM), each `(batch, units)`.
    public var states: [Tensor]
    public var trace: RecurrentTrace?
}

/// Per-step values of a recurrent layer, recorded by the very loop that computes the output.
///
/// Every tensor is float32 `(batch, timesteps, units)` in INPUT time order, also for `goBackwards`
/// layers (index t is the step that read input t). Gates are the values the step computed (after
/// their activation); `cell` and `hidden` are the states after the step, so at a masked step they
/// hold the carried-over values, and `hidden` equals the layer's output bit for bit wherever the
/// mask keeps the step.
public struct RecurrentTrace: Sendable {
    public var layer: String
    public var kind: String
    /// Quantity names in order, e.g. `["inputGate", "forgetGate", "candidate", "outputGate", "cell", "hidden"]`.
    public var names: [String]
    public var values: [String: Tensor]
    /// The `(batch, timesteps)` mask the layer saw, if any.
    public var mask: Tensor?

    public subscript(name: String) -> Tensor? { values[name] }
}

extension RecurrentLayer {
    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let sequence = try single(inputs)
        let mask = masks.first ?? nil
        let result = try run(sequence, mask: mask, zeroOutputForMask: false, recordTrace: false)
        let outputMask = returnSequences ? mask : nil
        if returnState {
            return LayerOutput(tensors: [result.output] + result.states,
                               masks: [outputMask] + result.states.map { _ in nil })
        }
        return LayerOutput(result.output, mask: outputMask)
    }

    /// Runs and returns the trace (and the result it came with).
    public func trace(_ sequence: Tensor, mask: Tensor? = nil) throws -> RecurrentResult {
        try run(sequence, mask: mask, zeroOutputForMask: false, recordTrace: true)
    }
}

/// The math of one recurrent cell over a whole batch at one time step.
protocol RecurrentCell: Sendable {
    var units: Int { get }
    var inputDimension: Int { get }
    /// Width of the input projection: gates × units.
    var projectionWidth: Int { get }
    /// 2 for LSTM (h, c), 1 otherwise.
    var stateCount: Int { get }
    /// `kernel` (inputDimension, projectionWidth), multiplied with every step's input before the loop.
    var kernel: [Float] { get }
    /// Bias added to the projection before the loop (where Keras adds it right after x·W), or nil.
    var projectionBias: [Float]? { get }
    /// Floats of scratch the step needs for `batch` rows (allocated once, before the loop).
    func scratchCount(batch: Int) -> Int
    /// Names of the gate blocks `step` leaves in `projected` (units each), for traces.
    var gateNames: [String] { get }

    /// One step for `batch` rows. `projected` holds x·W (+ projectionBias) for this step, row
    /// stride `projectionWidth`; the step may overwrite it and must leave the activated gates
    /// named by `gateNames` in its first blocks. Writes the new states to `newH` / `newC`.
    func step(projected: UnsafeMutablePointer<Float>, h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int)
}

/// Settings every recurrent layer shares.
struct RecurrentOptions: Sendable {
    var returnSequences: Bool
    var returnState: Bool
    var goBackwards: Bool
    var stateful: Bool
}

/// Final states a stateful layer keeps between calls.
final class RecurrentStateStore: Sendable {
    private let storage = Mutex<[[Float]]?>(nil)

    var states: [[Float]]? { storage.withLock { $0 } }
    func store(_ states: [[Float]]) { storage.withLock { $0 = states } }
    func reset() { storage.withLock { $0 = nil } }
}

/// The time loop shared by LSTM, GRU and SimpleRNN.
enum RecurrentDriver {
    static func run<Cell: RecurrentCell>(_ cell: Cell, options: RecurrentOptions, layer: String, kind: String,
                                         traceNames: [String], sequence: Tensor, mask: Tensor?,
                                         zeroOutputForMask: Bool, recordTrace: Bool,
                                         store: RecurrentStateStore) throws -> RecurrentResult {
        func fail(_ message: String) -> EngineError { EngineError(layer: layer, kind: kind, message: message) }
        let u = cell.units, width = cell.projectionWidth
        guard sequence.rank == 3, sequence.shape[2] == cell.inputDimension else {
            throw fail("expected input (batch, timesteps, \(cell.inputDimension)), found \(sequence.shapeDescription)")
        }
        let batch = sequence.shape[0], time = sequence.shape[1]
        guard time > 0 else { throw fail("expected at least 1 timestep, found input \(sequence.shapeDescription)") }
        if let mask, mask.shape != [batch, time] {
            throw fail("expected mask (\(batch), \(time)), found \(mask.shapeDescription)")
        }

        // States: zeros, or what a stateful layer kept from its previous call.
        var h = [Float](repeating: 0, count: batch * u)
        var c = [Float](repeating: 0, count: cell.stateCount > 1 ? batch * u : 0)
        if options.stateful, let kept = store.states {
            guard kept[0].count == batch * u else {
                throw fail("stateful layer holds state for batch size \(kept[0].count / u), found input batch \(batch); call resetStates() or keep the batch size fixed")
            }
            h = kept[0]
            if cell.stateCount > 1 { c = kept[1] }
        }

        // All timesteps through the kernel in one product: (batch·time, in) · (in, width).
        var projected = [Float](repeating: 0, count: batch * time * width)
        sequence.scalars.withUnsafeBufferPointer { x in
            cell.kernel.withUnsafeBufferPointer { w in
                projected.withUnsafeMutableBufferPointer { p in
                    MatrixMultiply.multiply(x.baseAddress!, w.baseAddress!, into: p.baseAddress!,
                                            m: batch * time, k: cell.inputDimension, n: width, accumulate: true)
                    if let bias = cell.projectionBias {
                        for row in 0..<(batch * time) {
                            for j in 0..<width { p[row * width + j] += bias[j] }
                        }
                    }
                }
            }
        }

        var newH = h, newC = c
        var stepInput = [Float](repeating: 0, count: batch * width)
        var scratch = [Float](repeating: 0, count: max(cell.scratchCount(batch: batch), 1))
        var sequenceOutput = [Float](repeating: 0, count: options.returnSequences ? batch * time * u : 0)
        var previousOutput = [Float](repeating: 0, count: batch * u)
        let gateCount = cell.gateNames.count
        var traceBuffers = recordTrace ? [[Float]](repeating: [Float](repeating: 0, count: batch * time * u), count: traceNames.count) : []
        let maskValues = mask?.scalars

        for s in 0..<time {
            let t = options.goBackwards ? time - 1 - s : s
            projected.withUnsafeBufferPointer { p in
                stepInput.withUnsafeMutableBufferPointer { x in
                    for b in 0..<batch {
                        (x.baseAddress! + b * width).update(from: p.baseAddress! + (b * time + t) * width, count: width)
                    }
                }
            }
            stepInput.withUnsafeMutableBufferPointer { x in
                h.withUnsafeBufferPointer { h in
                    newH.withUnsafeMutableBufferPointer { nh in
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            if cell.stateCount > 1 {
                                c.withUnsafeBufferPointer { c in
                                    newC.withUnsafeMutableBufferPointer { nc in
                                        cell.step(projected: x.baseAddress!, h: h.baseAddress!, c: c.baseAddress!,
                                                  newH: nh.baseAddress!, newC: nc.baseAddress!, scratch: scratch.baseAddress!, batch: batch)
                                    }
                                }
                            } else {
                                cell.step(projected: x.baseAddress!, h: h.baseAddress!, c: nil,
                                          newH: nh.baseAddress!, newC: nil, scratch: scratch.baseAddress!, batch: batch)
                            }
                        }
                    }
                }
            }
            // Masked rows keep their states; their output is the previous output (or zeros).
            for b in 0..<batch {
                let keep = maskValues.map { $0[b * time + t] != 0 } ?? true
                let row = b * u
                if keep {
                    for j in 0..<u { h[row + j] = newH[row + j]; previousOutput[row + j] = newH[row + j] }
                    if cell.stateCount > 1 { for j in 0..<u { c[row + j] = newC[row + j] } }
                } else if zeroOutputForMask {
                    for j in 0..<u { previousOutput[row + j] = 0 }
                }
                if options.returnSequences {
                    let out = (b * time + s) * u
                    for j in 0..<u { sequenceOutput[out + j] = previousOutput[row + j] }
                }
            }
            if recordTrace {
                for b in 0..<batch {
                    let at = (b * time + t) * u
                    for g in 0..<gateCount {
                        for j in 0..<u { traceBuffers[g][at + j] = stepInput[b * width + g * u + j] }
                    }
                    var next = gateCount
                    if cell.stateCount > 1 {
                        for j in 0..<u { traceBuffers[next][at + j] = c[b * u + j] }
                        next += 1
                    }
                    for j in 0..<u { traceBuffers[next][at + j] = h[b * u + j] }
                }
            }
        }

        let states = cell.stateCount > 1 ? [h, c] : [h]
        if options.stateful { store.store(states) }
        let output = options.returnSequences
            ? Tensor(shape: [batch, time, u], scalars: sequenceOutput)
            : Tensor(shape: [batch, u], scalars: previousOutput)
        var trace: RecurrentTrace?
        if recordTrace {
            var values: [String: Tensor] = [:]
            for (index, name) in traceNames.enumerated() {
                values[name] = Tensor(shape: [batch, time, u], scalars: traceBuffers[index])
            }
            trace = RecurrentTrace(layer: layer, kind: kind, names: traceNames, values: values, mask: mask)
        }
        return RecurrentResult(output: output, states: states.map { Tensor(shape: [batch, u], scalars: $0) }, trace: trace)
    }
}

/// Adds `bias` to each of `rows` rows of `width` values.
@inline(__always)
func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = x + r * width
        for j in 0..<width { row[j] += bias[j] }
    }
}
