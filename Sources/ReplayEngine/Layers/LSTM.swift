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
public final class LSTM: RecurrentLayer, CellDrivenRecurrentLayer {
    public let name: String
    public var kindName: String { "LSTM" }
    let cell: LSTMCell
    let options: RecurrentOptions
    let store = RecurrentStateStore()

    public var activation: Activation { cell.activation }
    public var recurrentActivation: Activation { cell.recurrentActivation }
    public var stateNames: [String] { ["h", "c"] }
    public var traceNames: [String] { ["inputGate", "forgetGate", "candidate", "outputGate", "cell", "hidden"] }

    public init(name: String, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor?,
                activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid,
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false, stateful: Bool = false,
                zeroOutputForMask: Bool = false) throws {
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
        for (role, a) in [("activation", activation), ("recurrent activation", recurrentActivation)] where !a.worksOnGateBlocks {
            throw EngineError(layer: name, kind: "LSTM", message: "\(role) \(a) changes the size of what it is given")
        }
        cell = LSTMCell(units: units, inputDimension: kernel.shape[0], kernel: kernel.scalars,
                        packedKernel: PackedMatrix(kernel.scalars, k: kernel.shape[0], n: 4 * units),
                        recurrentKernel: PackedMatrix(recurrentKernel.scalars, k: units, n: 4 * units), bias: bias?.scalars,
                        activation: activation, recurrentActivation: recurrentActivation)
        options = RecurrentOptions(returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, stateful: stateful,
                                   zeroOutputForMask: zeroOutputForMask)
    }
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

    /// Rows per block of the fused step (h·U for the block, then its gates): a whole thread's slice
    /// at batch 256 on 2 cores, so each 16-column panel of U is read once per step (24-row blocks
    /// streamed LSTM(256)'s 1 MiB U from L3 several times a step, ~6 % slower; the seed autoencoder
    /// did not care).
    static let blockRows = 132

    func step(input: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>, recordGates: Bool,
              h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int) {
        guard case .sigmoid = gate, case .tanh = candidate else {
            gates.update(from: input, count: batch * projectionWidth)
            step(projected: gates, h: h, c: c, newH: newH, newC: newC, scratch: scratch, batch: batch)
            return
        }
        let u = units, width = 4 * units
        let c = c!, newC = newC!
        let bias = self.bias
        bias.withOptionalUnsafeBufferPointer { bp in
            var first = 0
            while first < batch {
                let rows = min(Self.blockRows, batch - first)
                // h·U for these rows; Keras sums (x·W) + (h·U), then adds the bias.
                MatrixMultiply.multiply(h + first * u, lda: u, recurrentKernel, into: scratch, ldc: width, m: rows)
                for r in 0..<rows {
                    let b = first + r
                    Self.fusedRow(input: input + b * width, hu: scratch + r * width, bias: bp,
                                  gates: recordGates ? gates + b * width : nil,
                                  c: c + b * u, newC: newC + b * u, newH: newH + b * u, stride: u, units: u)
                }
                first += rows
            }
        }
    }

    /// One row of the sigmoid/tanh LSTM cell, 8 units at a time: the same operations, per value,
    /// as the unfused path below (so the same numbers). `units` values of each gate block, the
    /// blocks `stride` apart in `input`, `hu`, `bias` and `gates` (a thread doing a slice of the
    /// units passes the layer's units as the stride). A last partial chunk runs through a
    /// zero-padded copy.
    @inline(__always)
    static func fusedRow(input: UnsafePointer<Float>, hu: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         gates: UnsafeMutablePointer<Float>?, c: UnsafePointer<Float>,
                         newC: UnsafeMutablePointer<Float>, newH: UnsafeMutablePointer<Float>, stride: Int, units u: Int) {
        var j = 0
        while j + 16 <= u {
            chunkPair(input: input + j, hu: hu + j, bias: bias.map { $0 + j }, stride: stride, gates: gates.map { $0 + j },
                      c: c + j, newC: newC + j, newH: newH + j)
            j += 16
        }
        while j + 8 <= u {
            chunk(input: input + j, hu: hu + j, bias: bias.map { $0 + j }, stride: stride, gates: gates.map { $0 + j },
                  c: c + j, newC: newC + j, newH: newH + j)
            j += 8
        }
        guard j < u else { return }
        if u >= 8 {
            // The last 8 units again, overlapping: the chunk reads only input, hu, bias and c and
            // writes only newC, newH and gates, so the lanes done twice get the same values.
            j = u - 8
            chunk(input: input + j, hu: hu + j, bias: bias.map { $0 + j }, stride: stride, gates: gates.map { $0 + j },
                  c: c + j, newC: newC + j, newH: newH + j)
            return
        }
        let count = u - j
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * 15) { buffer in
            let t = buffer.baseAddress!
            t.initialize(repeating: 0, count: 8 * 15)
            let tIn = t, tHu = t + 32, tBias = t + 64, tC = t + 96, tNewC = t + 104, tNewH = t + 112
            for g in 0..<4 {
                for lane in 0..<count {
                    tIn[8 * g + lane] = input[g * stride + j + lane]
                    tHu[8 * g + lane] = hu[g * stride + j + lane]
                    if let bias { tBias[8 * g + lane] = bias[g * stride + j + lane] }
                }
            }
            for lane in 0..<count { tC[lane] = c[j + lane] }
            // Gates land in tIn (read before written, chunk by chunk).
            chunk(input: tIn, hu: tHu, bias: bias == nil ? nil : tBias, stride: 8, gates: tIn, c: tC, newC: tNewC, newH: tNewH)
            for lane in 0..<count {
                newC[j + lane] = tNewC[lane]
                newH[j + lane] = tNewH[lane]
            }
            if let gates {
                for g in 0..<4 { for lane in 0..<count { gates[g * stride + j + lane] = tIn[8 * g + lane] } }
            }
        }
    }

    @inline(never)
    static func chunk(input: UnsafePointer<Float>, hu: UnsafePointer<Float>, bias: UnsafePointer<Float>?, stride: Int,
                      gates: UnsafeMutablePointer<Float>?, c: UnsafePointer<Float>,
                      newC: UnsafeMutablePointer<Float>, newH: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func put(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        var zi = load(input) + load(hu), zf = load(input + stride) + load(hu + stride)
        var zg = load(input + 2 * stride) + load(hu + 2 * stride), zo = load(input + 3 * stride) + load(hu + 3 * stride)
        if let bias {
            zi = zi + load(bias); zf = zf + load(bias + stride)
            zg = zg + load(bias + 2 * stride); zo = zo + load(bias + 3 * stride)
        }
        let (i, f, g, o) = VectorMath.lstmGates(zi, zf, zg, zo)
        let cell = f * load(c) + i * g
        put(cell, newC)
        put(o * VectorMath.tanh(cell), newH)
        if let gates {
            put(i, gates); put(f, gates + stride); put(g, gates + 2 * stride); put(o, gates + 3 * stride)
        }
    }

    /// ``chunk(input:hu:bias:stride:gates:c:newC:newH:)`` for 16 units (two 8-unit chunks side by
    /// side, so their latency-bound exp/division chains overlap): the same operations per value.
    @inline(never)
    static func chunkPair(input: UnsafePointer<Float>, hu: UnsafePointer<Float>, bias: UnsafePointer<Float>?, stride: Int,
                          gates: UnsafeMutablePointer<Float>?, c: UnsafePointer<Float>,
                          newC: UnsafeMutablePointer<Float>, newH: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func put(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
        @inline(__always) func z(_ offset: Int) -> V {
            let sum = load(input + offset) + load(hu + offset)
            if let bias { return sum + load(bias + offset) }
            return sum
        }
        let (i0, f0, g0, o0) = VectorMath.lstmGates(z(0), z(stride), z(2 * stride), z(3 * stride))
        let (i1, f1, g1, o1) = VectorMath.lstmGates(z(8), z(stride + 8), z(2 * stride + 8), z(3 * stride + 8))
        let cell0 = f0 * load(c) + i0 * g0, cell1 = f1 * load(c + 8) + i1 * g1
        put(cell0, newC); put(cell1, newC + 8)
        let t0 = VectorMath.tanh(cell0), t1 = VectorMath.tanh(cell1)
        put(o0 * t0, newH); put(o1 * t1, newH + 8)
        if let gates {
            put(i0, gates); put(f0, gates + stride); put(g0, gates + 2 * stride); put(o0, gates + 3 * stride)
            put(i1, gates + 8); put(f1, gates + stride + 8); put(g1, gates + 2 * stride + 8); put(o1, gates + 3 * stride + 8)
        }
    }

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
            // Each gate block on its own: an axis-wise activation (softmax) runs over one block's units.
            VectorMath.apply(gate, row, count: 2 * u, rowLength: u)   // i, f
            VectorMath.apply(candidate, row + 2 * u, count: u)       // g
            VectorMath.apply(gate, row + 3 * u, count: u)            // o
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

extension Optional where Wrapped == [Float] {
    @inline(__always)
    func withOptionalUnsafeBufferPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        if let array = self { return array.withUnsafeBufferPointer { body($0.baseAddress) } }
        return body(nil)
    }
}
