import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
public protocol RecurrentLayer: TraceableLayer {
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
    /// Keras `zero_output_for_mask` as configured: masked steps output zeros instead of the
    /// previous output (Bidirectional forces it on with `return_sequences`, whatever this says).
    var zeroOutputForMask: Bool { get }

    /// Runs the sequence. `mask` is `(batch, timesteps)`, nonzero = keep. `initialStates` (Keras
    /// `initial_state`, one `(batch, units)` tensor per state in ``stateNames`` order) replaces zeros
    /// or a stateful layer's kept state. With `recordTrace`, the same loop also records every step
    /// into ``RecurrentResult/trace``.
    func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult
}

/// What one run of a recurrent layer produced.
public struct RecurrentResult: Sendable {
    /// `(batch, timesteps, units)` in processing order with `returnSequences`, else `(batch, units)`.
    public var output: Tensor
    /// Final states, Keras order (h, then c for LSTM), each `(batch, units)`.
    public var states: [Tensor]
    /// With `recordTrace`: one trace per cell (several for a stack of cells); empty otherwise.
    public var traces: [RecurrentTrace]

    /// The first cell's trace.
    public var trace: RecurrentTrace? { traces.first }
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
    /// The `(batch, timesteps)` mask the layer saw, if any (input time order).
    public var mask: Tensor?
    /// The Keras name of the cell inside a stack of cells (`RNN(StackedRNNCells(...))`); nil otherwise.
    public var cell: String? = nil
    /// True when the loop read the input from the last step to the first (go_backwards, a
    /// Bidirectional layer's backward direction).
    public var goBackwards = false

    public subscript(name: String) -> Tensor? { values[name] }
}

extension RecurrentLayer {
    /// Runs without initial states.
    public func run(_ sequence: Tensor, mask: Tensor?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult {
        try run(sequence, mask: mask, initialStates: nil, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace)
    }

    /// Inputs: the sequence, optionally followed by initial states (Keras 2 lists `initial_state`
    /// tensors as extra inputs of the call; Keras 3 graphs pass them the same way here).
    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        try call(inputs, masks: masks, recordTrace: false).output
    }

    /// `call`, optionally recording the per-step trace in the same loop.
    public func call(_ inputs: [Tensor], masks: [Tensor?], recordTrace: Bool) throws -> (output: LayerOutput, traces: [RecurrentTrace]) {
        guard inputs.count == 1 || inputs.count == 1 + stateNames.count else {
            throw error("expected the sequence, optionally followed by \(counted(stateNames.count, "initial state")) (\(stateNames.joined(separator: ", "))), found \(counted(inputs.count, "input"))")
        }
        let sequence = inputs[0]
        let mask = masks.first ?? nil
        let initialStates = inputs.count > 1 ? Array(inputs.dropFirst()) : nil
        let result = try run(sequence, mask: mask, initialStates: initialStates, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace)
        let outputMask = returnSequences ? mask : nil
        let traces = result.traces
        if returnState {
            return (LayerOutput(tensors: [result.output] + result.states,
                                masks: [outputMask] + result.states.map { _ in nil }), traces)
        }
        return (LayerOutput(result.output, mask: outputMask), traces)
    }

    /// Runs and returns the trace (and the result it came with).
    public func trace(_ sequence: Tensor, mask: Tensor? = nil, initialStates: [Tensor]? = nil) throws -> RecurrentResult {
        try run(sequence, mask: mask, initialStates: initialStates, zeroOutputForMask: false, recordTrace: true)
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
    /// `kernel` packed for the fast product, when the cell keeps one (same numbers).
    var packedKernel: PackedMatrix? { get }
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

    /// `step` reading this step's x·W (+ projection bias) from `input` (left unchanged); the
    /// activated gates go to `gates` (same layout as `projected`) when `recordGates`.
    func step(input: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>, recordGates: Bool,
              h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int)

    /// True when the cell implements the strided step below (see the extension).
    var writesStridedState: Bool { get }
    func step(input: UnsafePointer<Float>, h: UnsafePointer<Float>, hStride: Int,
              newH: UnsafeMutablePointer<Float>, newHStride: Int, batch: Int)
}

/// The strided form of the fused step, for cells with no state but `h` (`writesStridedState`):
/// `h` read and the new `h` written with row strides. When such a cell returns sequences
/// unmasked and untraced, the driver lets it write each step's state straight into the output
/// sequence instead of copying it there. Other cells keep these defaults, never called.
extension RecurrentCell {
    var writesStridedState: Bool { false }

    func step(input: UnsafePointer<Float>, h: UnsafePointer<Float>, hStride: Int,
              newH: UnsafeMutablePointer<Float>, newHStride: Int, batch: Int) {
        preconditionFailure("\(Self.self) does not write strided states")
    }
}

extension RecurrentCell {
    var packedKernel: PackedMatrix? { nil }

    func step(input: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>, recordGates: Bool,
              h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int) {
        gates.update(from: input, count: batch * projectionWidth)
        step(projected: gates, h: h, c: c, newH: newH, newC: newC, scratch: scratch, batch: batch)
    }
}

/// Settings every recurrent layer shares.
struct RecurrentOptions: Sendable {
    var returnSequences: Bool
    var returnState: Bool
    var goBackwards: Bool
    var stateful: Bool
    var zeroOutputForMask = false
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
    static func run<Cell: RecurrentCell>(_ cell: Cell, options: RecurrentOptions, freshSequenceAtMask: Bool = false, layer: String, kind: String,
                                         traceNames: [String], sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?,
                                         zeroOutputForMask: Bool, recordTrace: Bool,
                                         store: RecurrentStateStore, threads: Int = Parallelism.maximumThreads) throws -> RecurrentResult {
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

        // States: given, or what a stateful layer kept from its previous call, or zeros.
        var h = [Float](repeating: 0, count: batch * u)
        var c = [Float](repeating: 0, count: cell.stateCount > 1 ? batch * u : 0)
        if let initialStates {
            guard initialStates.count == cell.stateCount else {
                throw fail("expected \(counted(cell.stateCount, "initial state")), found \(initialStates.count)")
            }
            for state in initialStates where state.shape != [batch, u] {
                throw fail("expected initial state (\(batch), \(u)), found \(state.shapeDescription)")
            }
            h = initialStates[0].scalars
            if cell.stateCount > 1 { c = initialStates[1].scalars }
        } else if options.stateful, let kept = store.states {
            guard kept[0].count == batch * u else {
                throw fail("stateful layer holds state for batch size \(kept[0].count / u), found input batch \(batch); call resetStates() or keep the batch size fixed")
            }
            h = kept[0]
            if cell.stateCount > 1 { c = kept[1] }
        }

        // Cells without a packed kernel (GRU, SimpleRNN) put all timesteps through the kernel in one
        // product per slice of rows, (rows·time, in) · (in, width), done by each slice's thread before
        // its time loop, into this buffer. Cells with one (LSTM) project each step's rows inside the
        // loop instead: no batch·time·width buffer to fill and read back from memory.
        var projected = [Float](repeating: 0, count: cell.packedKernel == nil ? batch * time * width : 1)
        // Every (row, step) of the sequence output is written by the time loop: no zero fill. (Not
        // for an empty one: that initializer writes the count into the shared empty-array storage,
        // a data race ThreadSanitizer reports when the two directions of a Bidirectional run.)
        var sequenceOutput: [Float] = options.returnSequences
            ? [Float](unsafeUninitializedCapacity: batch * time * u) { _, count in count = batch * time * u }
            : []
        var previousOutput = [Float](repeating: 0, count: batch * u)
        var traceBuffers = recordTrace ? [Float](repeating: 0, count: traceNames.count * batch * time * u) : []
        let maskValues = mask?.scalars ?? []
        // Rows never interact: split the batch into contiguous slices, one thread each, every
        // slice running the whole time loop (same numbers as one slice; one join per call).
        // Not for a layer whose whole call is a few microseconds of multiply-adds (LSTM(16), 20
        // steps, 32 rows: 0.9 M): there the hand-off costs more than it saves, and on a VM whose
        // other core is sometimes taken it doubled the call's time.
        let multiplyAdds = batch * time * cell.projectionWidth * (cell.inputDimension + cell.units)
        let slices = batch >= 8 && multiplyAdds >= 1 << 21 ? max(1, min(threads, batch / 4)) : 1
        projected.withUnsafeMutableBufferPointer { projected in
            h.withUnsafeMutableBufferPointer { h in
                c.withUnsafeMutableBufferPointer { c in
                    sequenceOutput.withUnsafeMutableBufferPointer { sequenceOutput in
                        previousOutput.withUnsafeMutableBufferPointer { previousOutput in
                            traceBuffers.withUnsafeMutableBufferPointer { traceBuffers in
                                maskValues.withUnsafeBufferPointer { maskValues in
                                  sequence.scalars.withUnsafeBufferPointer { x in
                                    let buffers = LoopBuffers(sequence: x.baseAddress!, projected: projected.baseAddress!, h: h.baseAddress!, c: c.baseAddress,
                                                              sequenceOutput: sequenceOutput.baseAddress, previousOutput: previousOutput.baseAddress!,
                                                              trace: traceBuffers.baseAddress, mask: mask == nil ? nil : maskValues.baseAddress)
                                    let loopSettings = LoopSettings(batch: batch, time: time, goBackwards: options.goBackwards,
                                                                    returnSequences: options.returnSequences, zeroOutputForMask: zeroOutputForMask,
                                                                    traceCount: recordTrace ? traceNames.count : 0,
                                                                    freshSequenceAtMask: freshSequenceAtMask)
                                    // Too few rows to split: an LSTM may split its units instead.
                                    if slices == 1, threads >= 2, let lstm = cell as? LSTMCell,
                                       canSplitUnits(lstm, batch: batch, threads: threads, masked: mask != nil, tracing: recordTrace),
                                       unitSplitTimeLoop(lstm, buffers, loopSettings) {
                                        return
                                    }
                                    Parallelism.run(slices) { slice in
                                        let first = batch * slice / slices, last = batch * (slice + 1) / slices
                                        timeLoop(cell, buffers, loopSettings, rows: first..<last)
                                    }
                                  }
                                }
                            }
                        }
                    }
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
            let size = batch * time * u
            for (index, name) in traceNames.enumerated() {
                values[name] = Tensor(shape: [batch, time, u], scalars: Array(traceBuffers[(index * size)..<((index + 1) * size)]))
            }
            trace = RecurrentTrace(layer: layer, kind: kind, names: traceNames, values: values, mask: mask)
            trace?.goBackwards = options.goBackwards
        }
        return RecurrentResult(output: output, states: states.map { Tensor(shape: [batch, u], scalars: $0) }, traces: trace.map { [$0] } ?? [])
    }
}

/// Where the time loop reads and writes; every slice of rows touches only its own rows.
struct LoopBuffers: @unchecked Sendable {
    /// (batch, time, inputDimension).
    var sequence: UnsafePointer<Float>
    /// (batch, time, width) x·W (+ projection bias), all timesteps.
    var projected: UnsafeMutablePointer<Float>
    var h: UnsafeMutablePointer<Float>
    var c: UnsafeMutablePointer<Float>?
    var sequenceOutput: UnsafeMutablePointer<Float>?
    var previousOutput: UnsafeMutablePointer<Float>
    /// traceCount blocks of (batch, time, units).
    var trace: UnsafeMutablePointer<Float>?
    var mask: UnsafePointer<Float>?
}

struct LoopSettings: Sendable {
    var batch: Int
    var time: Int
    var goBackwards: Bool
    var returnSequences: Bool
    var zeroOutputForMask: Bool
    var traceCount: Int
    var freshSequenceAtMask = false
}

extension RecurrentDriver {
    /// The time loop for batch rows `rows`; scratch is private to the call and allocated once.
    static func timeLoop<Cell: RecurrentCell>(_ cell: Cell, _ buffers: LoopBuffers, _ settings: LoopSettings, rows: Range<Int>) {
        let u = cell.units, width = cell.projectionWidth, time = settings.time, batch = settings.batch
        let count = rows.count, first = rows.lowerBound
        guard count > 0 else { return }
        let hasC = cell.stateCount > 1
        let stepInput = UnsafeMutablePointer<Float>.allocate(capacity: count * width)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(cell.scratchCount(batch: count), 1))
        let newH = UnsafeMutablePointer<Float>.allocate(capacity: count * u)
        let newC = UnsafeMutablePointer<Float>.allocate(capacity: hasC ? count * u : 1)
        defer { stepInput.deallocate(); scratch.deallocate(); newH.deallocate(); newC.deallocate() }
        let h = buffers.h + first * u
        let c = buffers.c.map { $0 + first * u }
        let inputDimension = cell.inputDimension
        let x = buffers.sequence + first * time * inputDimension
        let packed = cell.packedKernel
        // Per-step x·W (+ projection bias) with a packed kernel, kept across steps: when every row's
        // input equals the previous step's (RepeatVector feeding a decoder), the product is reused.
        let stepProjection = UnsafeMutablePointer<Float>.allocate(capacity: packed == nil ? 1 : count * width)
        defer { stepProjection.deallocate() }
        if packed == nil {
            // x·W (+ projection bias) for this slice's rows, all timesteps.
            let p = buffers.projected + first * time * width
            let projectedRows = count * time
            cell.kernel.withUnsafeBufferPointer { w in
                MatrixMultiply.multiply(x, w.baseAddress!, into: p, m: projectedRows, k: inputDimension, n: width, accumulate: true)
            }
            if let bias = cell.projectionBias {
                bias.withUnsafeBufferPointer { addBias(p, $0.baseAddress!, rows: projectedRows, width: width) }
            }
        }
        // Under 6 rows the per-step product is one thin row per step, bound by re-reading the
        // kernel; instead x·W is computed for a block of steps at a time (a tall product through
        // the 6×16 kernel) — unless every step's input is the same (a RepeatVector decoder),
        // where one product serves all steps.
        let blockSteps = 32
        var useBlocks = packed != nil && count < 6 && time > 1 && inputDimension > 0
        if useBlocks {
            var repeatedSequence = true
            check: for r in 0..<count {
                let row = x + r * time * inputDimension
                for t in 1..<time where memcmp(row + t * inputDimension, row, inputDimension * MemoryLayout<Float>.stride) != 0 {
                    repeatedSequence = false
                    break check
                }
            }
            useBlocks = !repeatedSequence
        }
        let blockProjection = UnsafeMutablePointer<Float>.allocate(capacity: useBlocks ? count * blockSteps * width : 1)
        defer { blockProjection.deallocate() }
        var blockLength = 0
        let gateCount = cell.gateNames.count
        let traceSize = batch * time * u
        var previousT = -1
        // Without a mask the states are double-buffered: (hCurrent, cCurrent) in, (hNext, cNext) out.
        let swapping = buffers.mask == nil
        // A cell that can (SimpleRNN), returning sequences, writes each step's h straight into its
        // output slot and reads it back from there (rows time·units apart): no copy per step.
        let direct = swapping && settings.returnSequences && settings.traceCount == 0 && cell.writesStridedState
        let outputRows = buffers.sequenceOutput.map { $0 + first * time * u }
        var hStride = u
        var hCurrent = h, hNext = newH
        var cCurrent: UnsafeMutablePointer<Float>? = hasC ? c! : nil, cNext: UnsafeMutablePointer<Float>? = hasC ? newC : nil
        for s in 0..<time {
            let t = settings.goBackwards ? time - 1 - s : s
            if let packed, useBlocks {
                let rowStride = time * inputDimension, offset = s % blockSteps
                if offset == 0 {
                    // Steps s..<s+n; backwards they are the rows time-s-n ..< time-s, in reverse.
                    blockLength = min(blockSteps, time - s)
                    let firstT = settings.goBackwards ? time - s - blockLength : s
                    for r in 0..<count {
                        let target = blockProjection + r * blockSteps * width
                        MatrixMultiply.multiply(x + r * rowStride + firstT * inputDimension, lda: inputDimension, packed,
                                                into: target, ldc: width, m: blockLength)
                        if let bias = cell.projectionBias {
                            bias.withUnsafeBufferPointer { addBias(target, $0.baseAddress!, rows: blockLength, width: width) }
                        }
                    }
                }
                let row = settings.goBackwards ? blockLength - 1 - offset : offset
                let input: UnsafeMutablePointer<Float>
                if count == 1 {
                    input = blockProjection + row * width
                } else {
                    for r in 0..<count { (stepProjection + r * width).update(from: blockProjection + (r * blockSteps + row) * width, count: width) }
                    input = stepProjection
                }
                if direct {
                    cell.step(input: input, h: hCurrent, hStride: hStride, newH: outputRows! + s * u, newHStride: time * u, batch: count)
                } else {
                    cell.step(input: input, gates: stepInput, recordGates: settings.traceCount > 0,
                              h: hCurrent, c: cCurrent, newH: hNext, newC: cNext, scratch: scratch, batch: count)
                }
            } else if let packed {
                let rowStride = time * inputDimension
                var repeated = previousT >= 0 && inputDimension > 0
                if repeated {
                    for r in 0..<count {
                        let row = x + r * rowStride
                        if memcmp(row + t * inputDimension, row + previousT * inputDimension, inputDimension * MemoryLayout<Float>.stride) != 0 {
                            repeated = false
                            break
                        }
                    }
                }
                if !repeated {
                    MatrixMultiply.multiply(x + t * inputDimension, lda: rowStride, packed, into: stepProjection, ldc: width, m: count)
                    if let bias = cell.projectionBias {
                        bias.withUnsafeBufferPointer { addBias(stepProjection, $0.baseAddress!, rows: count, width: width) }
                    }
                }
                previousT = t
                if direct {
                    cell.step(input: stepProjection, h: hCurrent, hStride: hStride, newH: outputRows! + s * u, newHStride: time * u, batch: count)
                } else {
                    cell.step(input: stepProjection, gates: stepInput, recordGates: settings.traceCount > 0,
                              h: hCurrent, c: cCurrent, newH: hNext, newC: cNext, scratch: scratch, batch: count)
                }
            } else {
                for r in 0..<count {
                    (stepInput + r * width).update(from: buffers.projected + ((first + r) * time + t) * width, count: width)
                }
                cell.step(projected: stepInput, h: hCurrent, c: cCurrent, newH: hNext, newC: cNext, scratch: scratch, batch: count)
            }
            if direct {
                hCurrent = outputRows! + s * u
                hStride = time * u
            } else if swapping {
                // No mask: every row keeps the new states; swap the buffers instead of copying.
                swap(&hCurrent, &hNext)
                swap(&cCurrent, &cNext)
                if settings.returnSequences {
                    for r in 0..<count {
                        (buffers.sequenceOutput! + ((first + r) * time + s) * u).update(from: hCurrent + r * u, count: u)
                    }
                }
            } else {
                // Masked rows keep their states; their output is the previous output (or zeros).
                for r in 0..<count {
                    let b = first + r
                    let keep = buffers.mask.map { $0[b * time + t] != 0 } ?? true
                    let row = b * u, local = r * u
                    let previous = buffers.previousOutput + row
                    if keep {
                        (h + local).update(from: newH + local, count: u)
                        previous.update(from: newH + local, count: u)
                        if hasC { (c! + local).update(from: newC + local, count: u) }
                    } else if settings.zeroOutputForMask {
                        previous.update(repeating: 0, count: u)
                    }
                    if settings.returnSequences {
                        let fresh = !keep && settings.freshSequenceAtMask
                        (buffers.sequenceOutput! + (b * time + s) * u).update(from: fresh ? newH + local : previous, count: u)
                    }
                }
            }
            if settings.traceCount > 0, let trace = buffers.trace {
                for r in 0..<count {
                    let b = first + r
                    let at = (b * time + t) * u
                    for g in 0..<gateCount {
                        (trace + g * traceSize + at).update(from: stepInput + r * width + g * u, count: u)
                    }
                    var next = gateCount
                    if hasC {
                        (trace + next * traceSize + at).update(from: cCurrent! + r * u, count: u)
                        next += 1
                    }
                    (trace + next * traceSize + at).update(from: hCurrent + r * u, count: u)
                }
            }
        }
        if direct {
            // The final state is the last output slot of each row.
            for r in 0..<count { (h + r * u).update(from: hCurrent + r * hStride, count: u) }
            (buffers.previousOutput + first * u).update(from: h, count: count * u)
        } else if swapping {
            if hCurrent != h { h.update(from: hCurrent, count: count * u) }
            if hasC, let cCurrent, cCurrent != c! { c!.update(from: cCurrent, count: count * u) }
            (buffers.previousOutput + first * u).update(from: h, count: count * u)
        }
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
