import Synchronization

/// Runs a recurrent layer forward and a copy backward over the same sequence and merges them
/// (Keras `Bidirectional`).
///
/// `backward` is built by the caller with the opposite `goBackwards` (normally true). With
/// `returnSequences` the backward output `(batch, T, u)` is flipped back to input time order
/// before merging, and masked steps output zeros in both directions (Keras forces
/// `zero_output_for_mask` there); without it each direction gives its last output `(batch, u)`.
/// ```
/// concat: [fw | bw]   (batch, ..., uf + ub)
/// sum: fw + bw    mul: fw · bw    ave: (fw + bw) / 2
/// nil (Keras None): two outputs fw, bw
/// ```
/// With `returnState` the outputs are: output(s), forward states, backward states.
public final class Bidirectional: TraceableLayer {
    public let name: String
    public var kindName: String { "Bidirectional" }
    public let forward: any RecurrentLayer
    public let backward: any RecurrentLayer
    public let mergeMode: MergeMode?

    public var returnSequences: Bool { forward.returnSequences }
    public var returnState: Bool { forward.returnState }

    public init(name: String, forward: any RecurrentLayer, backward: any RecurrentLayer, mergeMode: MergeMode?) throws {
        self.name = name
        self.forward = forward
        self.backward = backward
        self.mergeMode = mergeMode
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: "Bidirectional", message: message) }
        guard forward.goBackwards != backward.goBackwards else {
            throw fail("expected forward and backward layers with different go_backwards, found both \(forward.goBackwards)")
        }
        guard forward.returnSequences == backward.returnSequences, forward.returnState == backward.returnState,
              forward.stateful == backward.stateful else {
            throw fail("expected forward and backward layers with the same return_sequences, return_state and stateful")
        }
        guard forward.inputDimension == backward.inputDimension else {
            throw fail("expected forward and backward layers with the same input size, found \(forward.inputDimension) and \(backward.inputDimension)")
        }
        if let mergeMode, mergeMode != .concat, forward.units != backward.units {
            throw fail("merge_mode \(mergeMode.rawValue) needs equal units, found \(forward.units) and \(backward.units)")
        }
    }

    /// Both directions' results, as `call` computes them (backward output still in processing order).
    /// `initialStates`: the forward states then the backward states (Keras splits the list in halves).
    public func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]? = nil, recordTrace: Bool) throws -> (forward: RecurrentResult, backward: RecurrentResult) {
        let zeroOutput = returnSequences
        var forwardStates: [Tensor]?, backwardStates: [Tensor]?
        if let initialStates {
            guard initialStates.count == forward.stateNames.count + backward.stateNames.count else {
                throw error("expected \(forward.stateNames.count + backward.stateNames.count) initial states (forward then backward), found \(initialStates.count)")
            }
            forwardStates = Array(initialStates[..<forward.stateNames.count])
            backwardStates = Array(initialStates[forward.stateNames.count...])
        }
        let threads = Parallelism.maximumThreads
        if threads > 1, let forward = forward as? any ThreadedRecurrentLayer, let backward = backward as? any ThreadedRecurrentLayer,
           !forward.stateful {
            // The two directions concurrently, each with half the threads.
            let results = ResultSlots()
            let forwardThreads = (threads + 1) / 2, backwardThreads = max(1, threads / 2)
            let fs = forwardStates, bs = backwardStates
            Parallelism.run(2) { direction in
                let result = Result {
                    direction == 0
                        ? try forward.run(sequence, mask: mask, initialStates: fs, zeroOutputForMask: zeroOutput, recordTrace: recordTrace, threads: forwardThreads)
                        : try backward.run(sequence, mask: mask, initialStates: bs, zeroOutputForMask: zeroOutput, recordTrace: recordTrace, threads: backwardThreads)
                }
                results.set(direction, result)
            }
            return (try results.get(0), try results.get(1))
        }
        let forwardResult = try forward.run(sequence, mask: mask, initialStates: forwardStates, zeroOutputForMask: zeroOutput, recordTrace: recordTrace)
        let backwardResult = try backward.run(sequence, mask: mask, initialStates: backwardStates, zeroOutputForMask: zeroOutput, recordTrace: recordTrace)
        return (forwardResult, backwardResult)
    }

    /// Traces of both directions (input time order), from the same loop as `call`.
    public func trace(_ sequence: Tensor, mask: Tensor? = nil, initialStates: [Tensor]? = nil) throws -> (forward: RecurrentTrace, backward: RecurrentTrace) {
        let results = try run(sequence, mask: mask, initialStates: initialStates, recordTrace: true)
        return (results.forward.trace!, results.backward.trace!)
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        try call(inputs, masks: masks, recordTrace: false).output
    }

    /// `call`, optionally recording both directions' traces (forward, then backward) in the same loops.
    public func call(_ inputs: [Tensor], masks: [Tensor?], recordTrace: Bool) throws -> (output: LayerOutput, traces: [RecurrentTrace]) {
        // The sequence, optionally followed by initial states (forward then backward).
        guard let sequence = inputs.first else { throw error("expected 1 input, found none") }
        let mask = masks.first ?? nil
        let results = try run(sequence, mask: mask, initialStates: inputs.count > 1 ? Array(inputs.dropFirst()) : nil, recordTrace: recordTrace)
        let traces = results.forward.traces + results.backward.traces
        let y = results.forward.output
        let outputMask = returnSequences ? mask : nil

        var tensors: [Tensor]
        if let mergeMode {
            // Reversal and merge in one pass (rows split across threads).
            tensors = [Self.merge(y, results.backward.output, mergeMode, reversingTime: returnSequences)]
        } else {
            var yReversed = results.backward.output
            if returnSequences { yReversed = yReversed.reversingTime() }
            tensors = [y, yReversed]
        }
        var masks = tensors.map { _ in outputMask }
        if returnState {
            let states = results.forward.states + results.backward.states
            tensors += states
            masks += states.map { _ in nil }
        }
        return (LayerOutput(tensors: tensors, masks: masks), traces)
    }

    /// `merge(a, reversingTime ? b.reversingTime() : b, mode)` without the intermediate tensor:
    /// the same value per element.
    static func merge(_ a: Tensor, _ b: Tensor, _ mode: MergeMode, reversingTime: Bool) -> Tensor {
        guard a.rank >= 2, b.rank == a.rank, a.shape[0] == b.shape[0], a.shape[1] == b.shape[1] else {
            return merge(a, reversingTime ? b.reversingTime() : b, mode)
        }
        let batch = a.shape[0], time = reversingTime ? a.shape[1] : 1
        let ua = a.count / max(batch * time, 1), ub = b.count / max(batch * time, 1)
        if mode != .concat && ua != ub { return merge(a, reversingTime ? b.reversingTime() : b, mode) }
        let uo = mode == .concat ? ua + ub : ua
        // Every element is written below: no zero fill.
        var out: [Float] = batch * time * uo == 0 ? [] : [Float](unsafeUninitializedCapacity: batch * time * uo) { _, count in count = batch * time * uo }
        let slices = out.count >= 1 << 16 ? max(1, min(Parallelism.maximumThreads, batch)) : 1
        a.scalars.withUnsafeBufferPointer { ap in
            b.scalars.withUnsafeBufferPointer { bp in
                out.withUnsafeMutableBufferPointer { op in
                    let pointers = MergePointers(a: ap.baseAddress, b: bp.baseAddress, out: op.baseAddress)
                    Parallelism.run(slices) { slice in
                        guard let a = pointers.a, let b = pointers.b, let out = pointers.out else { return }
                        for row in (batch * slice / slices)..<(batch * (slice + 1) / slices) {
                            for t in 0..<time {
                                let x = a + (row * time + t) * ua, y = b + (row * time + (time - 1 - t)) * ub
                                let o = out + (row * time + t) * uo
                                switch mode {
                                case .concat:
                                    o.update(from: x, count: ua)
                                    (o + ua).update(from: y, count: ub)
                                case .sum: for j in 0..<ua { o[j] = x[j] + y[j] }
                                case .mul: for j in 0..<ua { o[j] = x[j] * y[j] }
                                case .ave: for j in 0..<ua { o[j] = (x[j] + y[j]) / 2 }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(shape: Array(a.shape.dropLast()) + [uo], scalars: out)
    }

    static func merge(_ a: Tensor, _ b: Tensor, _ mode: MergeMode) -> Tensor {
        switch mode {
        case .concat:
            let ua = a.lastDimension, ub = b.lastDimension, rows = a.count / max(ua, 1)
            var out = [Float](repeating: 0, count: rows * (ua + ub))
            for r in 0..<rows {
                for j in 0..<ua { out[r * (ua + ub) + j] = a.scalars[r * ua + j] }
                for j in 0..<ub { out[r * (ua + ub) + ua + j] = b.scalars[r * ub + j] }
            }
            return Tensor(shape: Array(a.shape.dropLast()) + [ua + ub], scalars: out)
        case .sum: return Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { $0 + $1 })
        case .mul: return Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { $0 * $1 })
        case .ave: return Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map { ($0 + $1) / 2 })
        }
    }

    public func resetStates() {
        forward.resetStates()
        backward.resetStates()
    }

    public var isStateful: Bool { forward.stateful }
}

private struct MergePointers: @unchecked Sendable {
    var a: UnsafePointer<Float>?
    var b: UnsafePointer<Float>?
    var out: UnsafeMutablePointer<Float>?
}

/// The two directions' results, each written by one thread.
private final class ResultSlots: Sendable {
    private let slots = Mutex<[Result<RecurrentResult, any Error>?]>([nil, nil])

    func set(_ index: Int, _ result: sending Result<RecurrentResult, any Error>) { slots.withLock { $0[index] = result } }
    func get(_ index: Int) throws -> RecurrentResult { try slots.withLock { $0[index] }!.get() }
}

/// A recurrent layer that can run with a given thread budget (Bidirectional splits its own).
protocol ThreadedRecurrentLayer: RecurrentLayer {
    func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool, threads: Int) throws -> RecurrentResult
}

/// LSTM, GRU and SimpleRNN: one `RecurrentCell`'s step math, run over time by `RecurrentDriver`.
protocol CellDrivenRecurrentLayer: ThreadedRecurrentLayer {
    associatedtype Cell: RecurrentCell
    var cell: Cell { get }
    var options: RecurrentOptions { get }
    var store: RecurrentStateStore { get }
}

extension CellDrivenRecurrentLayer {
    public var units: Int { cell.units }
    public var inputDimension: Int { cell.inputDimension }
    public var returnSequences: Bool { options.returnSequences }
    public var returnState: Bool { options.returnState }
    public var goBackwards: Bool { options.goBackwards }
    public var stateful: Bool { options.stateful }
    public var zeroOutputForMask: Bool { options.zeroOutputForMask }

    public func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult {
        try run(sequence, mask: mask, initialStates: initialStates, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace,
                threads: Parallelism.maximumThreads)
    }

    public func resetStates() { store.reset() }
    public var isStateful: Bool { options.stateful }

    func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool, threads: Int) throws -> RecurrentResult {
        try run(sequence, mask: mask, initialStates: initialStates, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace,
                threads: threads, freshSequenceAtMask: false)
    }

    /// `run`, with `freshSequenceAtMask`: the returned sequence holds each step's freshly computed
    /// output even at masked steps (final states and last output still skip them), which is what
    /// a cell inside a stack hands to the next cell.
    func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool, threads: Int,
             freshSequenceAtMask: Bool) throws -> RecurrentResult {
        try RecurrentDriver.run(cell, options: options, freshSequenceAtMask: freshSequenceAtMask, layer: name, kind: kindName, traceNames: traceNames, sequence: sequence,
                                mask: mask, initialStates: initialStates, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace,
                                store: store, threads: threads)
    }
}
