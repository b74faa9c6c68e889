/// Long short-term memory (Keras `LSTM`), gate blocks in Keras order i, f, c, o.
///
/// For input `x_t (batch, inputDimension)` and states `h, c (batch, units)`:
/// ```
/// z = x_t·kernel + h·recurrentKernel + bias        // (batch, 4·units): [i | f | c | o]
/// inputGate  i = recurrentActivation(z_i)
/// forgetGate f = recurrentActivation(z_f)
/// candidate  g = activation(z_c)
/// outputGate o = recurrentActivation(z_o)
/// c' = f·c + i·g
/// h' = o·activation(c')
/// ```
/// `kernel (inputDimension, 4·units)`, `recurrentKernel (units, 4·units)`, `bias (4·units)`.
/// Outputs, masking, `goBackwards` and `stateful` as ``RecurrentLayer`` describes; states `[h, c]`.
public final class LSTM: RecurrentLayer, ThreadedRecurrentLayer {
    public let name: String
    public var kindName: String { "LSTM" }
    let cell: LSTMCell
    let options: RecurrentOptions
    let store = RecurrentStateStore()

    public var units: Int { cell.units }
    public var inputDimension: Int { cell.inputDimension }
    public var returnSequences: Bool { options.returnSequences }
    public var returnState: Bool { options.returnState }
    public var goBackwards: Bool { options.goBackwards }
    public var stateful: Bool { options.stateful }
    public var activation: Activation { cell.activation }
    public var recurrentActivation: Activation { cell.recurrentActivation }
    public var stateNames: [String] { ["h", "c"] }
    public var traceNames: [String] { ["inputGate", "forgetGate", "candidate", "outputGate", "cell", "hidden"] }

    public init(name: String, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor?,
                activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false, stateful: Bool = false) throws {
        self.name = name
        let units = recurrentKernel.shape.first ?? 0
        guard recurrentKernel.rank == 2, units > 0 else {
            throw EngineError(layer: name, kind: "LSTM", message: "expected recurrent kernel (units, 4·units), found \(recurrentKernel.shapeDescription)")
        }
        try expectShape(recurrentKernel, [units, 4 * units], "recurrent kernel (units, 4·units)", layer: name, kind: "LSTM")
        guard kernel.rank == 2, kernel.shape[1] == 4 * units else {
            throw EngineError(layer: name, kind: "LSTM", message: "expected kernel (input_dim, \(4 * units)), found \(kernel.shapeDescription)")
        }
        if let bias { try expectShape(bias, [4 * units], "bias (4·units)", layer: name, kind: "LSTM") }
        for (role, a) in [("activation", activation), ("recurrent activation", recurrentActivation)] where !a.isElementwise {
            throw EngineError(layer: name, kind: "LSTM", message: "\(role) \(a) is not elementwise")
        }
        cell = LSTMCell(units: units, inputDimension: kernel.shape[0], kernel: kernel.scalars,
                        packedKernel: PackedMatrix(kernel.scalars, k: kernel.shape[0], n: 4 * units),
                        recurrentKernel: PackedMatrix(recurrentKernel.scalars, k: units, n: 4 * units), bias: bias?.scalars,
                        activation: activation, recurrentActivation: recurrentActivation)
        options = RecurrentOptions(returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, stateful: stateful)
    }

    public func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult {
        try run(sequence, mask: mask, initialStates: initialStates, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace,
                threads: Parallelism.maximumThreads)
    }

    func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool, threads: Int) throws -> RecurrentResult {
        try RecurrentDriver.run(cell, options: options, layer: name, kind: kindName, traceNames: traceNames, sequence: sequence,
                                mask: mask, initialStates: initialStates, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace,
                                store: store, threads: threads)
    }

    public func resetStates() { store.reset() }
}

struct LSTMCell: RecurrentCell {
    let units: Int
    let inputDimension: Int
    let kernel: [Float]
    let packedKernel: PackedMatrix?
    /// `(units, 4·units)`, packed once for the step's matrix product.
    let recurrentKernel: PackedMatrix
    let bias: [Float]?
    let activation: Activation
    let recurrentActivation: Activation
    var gate: GateFunction { GateFunction(recurrentActivation) }
    var candidate: GateFunction { GateFunction(activation) }

    var projectionWidth: Int { 4 * units }
    var stateCount: Int { 2 }
    // Keras adds the bias after x·W + h·U, so it is not folded into the projection.
    var projectionBias: [Float]? { nil }
    func scratchCount(batch: Int) -> Int { batch * 4 * units }
    var gateNames: [String] { ["inputGate", "forgetGate", "candidate", "outputGate"] }

    func step(projected z: UnsafeMutablePointer<Float>, h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int) {
        let u = units, width = 4 * units
        // h·U into its own buffer first: Keras sums (x·W) + (h·U), then adds the bias.
        MatrixMultiply.multiply(h, lda: u, recurrentKernel, into: scratch, ldc: width, m: batch)
        let c = c!, newC = newC!
        let gate = self.gate, candidate = self.candidate
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        for b in 0..<batch {
            let row = z + b * width, hu = scratch + b * width
            var j = 0
            if let bias {
                bias.withUnsafeBufferPointer { bias in
                    let bp = bias.baseAddress!
                    while j + 8 <= width { store((load(row + j) + load(hu + j)) + load(bp + j), row + j); j += 8 }
                    while j < width { row[j] = (row[j] + hu[j]) + bp[j]; j += 1 }
                }
            } else {
                while j + 8 <= width { store(load(row + j) + load(hu + j), row + j); j += 8 }
                while j < width { row[j] = row[j] + hu[j]; j += 1 }
            }
            VectorMath.apply(gate, row, count: 2 * u)        // i, f
            VectorMath.apply(candidate, row + 2 * u, count: u)             // g
            VectorMath.apply(gate, row + 3 * u, count: u)    // o
            let state = b * u
            let cp = c + state, ncp = newC + state, nhp = newH + state
            j = 0
            while j + 8 <= u {
                store(load(row + u + j) * load(cp + j) + load(row + j) * load(row + 2 * u + j), ncp + j)
                j += 8
            }
            while j < u { ncp[j] = row[u + j] * cp[j] + row[j] * row[2 * u + j]; j += 1 }
            nhp.update(from: ncp, count: u)
            VectorMath.apply(candidate, nhp, count: u)
            j = 0
            while j + 8 <= u { store(load(row + 3 * u + j) * load(nhp + j), nhp + j); j += 8 }
            while j < u { nhp[j] = row[3 * u + j] * nhp[j]; j += 1 }
        }
    }
}
