/// Gated recurrent unit (Keras `GRU`), gate blocks in Keras order z, r, h.
///
/// For input `x_t (batch, inputDimension)` and state `h (batch, units)`, with
/// `kernel (inputDimension, 3·units)` and `recurrentKernel (units, 3·units)`:
/// ```
/// x̂ = x_t·kernel + inputBias                        // [x_z | x_r | x_h]
/// resetAfter (Keras 3 / tf-keras default, bias (2, 3·units) = [inputBias; recurrentBias]):
///   ĥ = h·recurrentKernel + recurrentBias           // [h_z | h_r | h_h]
///   updateGate z = recurrentActivation(x_z + h_z)
///   resetGate  r = recurrentActivation(x_r + h_r)
///   candidate  hh = activation(x_h + r·h_h)
/// reset before (Keras 1/2 default, bias (3·units)):
///   z, r as above with ĥ = h·recurrentKernel[:, :2u]
///   candidate  hh = activation(x_h + (r·h)·recurrentKernel[:, 2u:])
/// h' = z·h + (1 - z)·hh
/// ```
/// Outputs, masking, `goBackwards` and `stateful` as ``RecurrentLayer`` describes; state `[h]`.
public final class GRU: RecurrentLayer, CellDrivenRecurrentLayer {
    public let name: String
    public var kindName: String { "GRU" }
    let cell: GRUCell
    let options: RecurrentOptions
    let store = RecurrentStateStore()

    public var resetAfter: Bool { cell.resetAfter }
    public var stateNames: [String] { ["h"] }
    public var traceNames: [String] { ["updateGate", "resetGate", "candidate", "hidden"] }

    public init(name: String, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor?,
                activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, resetAfter: Bool = true,
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false, stateful: Bool = false,
                zeroOutputForMask: Bool = false) throws {
        self.name = name
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: "GRU", message: message) }
        let units = recurrentKernel.shape.first ?? 0
        guard recurrentKernel.rank == 2, units > 0, recurrentKernel.shape[1] == 3 * units else {
            throw fail("expected recurrent kernel (units, 3·units), found \(recurrentKernel.shapeDescription)")
        }
        guard kernel.rank == 2, kernel.shape[1] == 3 * units else {
            throw fail("expected kernel (input_dim, \(3 * units)), found \(kernel.shapeDescription)")
        }
        var inputBias: [Float]?, recurrentBias: [Float]?
        if let bias {
            if resetAfter {
                guard bias.shape == [2, 3 * units] else {
                    throw fail("expected bias (2, \(3 * units)) with reset_after=True, found \(bias.shapeDescription)")
                }
                inputBias = Array(bias.scalars[0..<(3 * units)])
                recurrentBias = Array(bias.scalars[(3 * units)...])
            } else {
                guard bias.shape == [3 * units] else {
                    throw fail("expected bias (\(3 * units),) with reset_after=False, found \(bias.shapeDescription)")
                }
                inputBias = bias.scalars
            }
        }
        for (role, a) in [("activation", activation), ("recurrent activation", recurrentActivation)] where !a.worksOnGateBlocks {
            throw fail("\(role) \(a) changes the size of what it is given")
        }
        // Column blocks [z r] and [h] of the recurrent kernel as separate matrices (reset before).
        var zr = [Float](), hBlock = [Float]()
        zr.reserveCapacity(units * 2 * units)
        hBlock.reserveCapacity(units * units)
        for row in 0..<units {
            let start = row * 3 * units
            zr += recurrentKernel.scalars[start..<(start + 2 * units)]
            hBlock += recurrentKernel.scalars[(start + 2 * units)..<(start + 3 * units)]
        }
        cell = GRUCell(units: units, inputDimension: kernel.shape[0], kernel: kernel.scalars,
                       packedKernel: PackedMatrix(kernel.scalars, k: kernel.shape[0], n: 3 * units),
                       recurrentKernel: PackedMatrix(recurrentKernel.scalars, k: units, n: 3 * units),
                       recurrentKernelZR: PackedMatrix(zr, k: units, n: 2 * units), recurrentKernelH: PackedMatrix(hBlock, k: units, n: units),
                       projectionBias: inputBias, recurrentBias: recurrentBias,
                       resetAfter: resetAfter, activation: activation, recurrentActivation: recurrentActivation)
        options = RecurrentOptions(returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, stateful: stateful,
                                   zeroOutputForMask: zeroOutputForMask)
    }
}

struct GRUCell: RecurrentCell {
    let units: Int
    let inputDimension: Int
    let kernel: [Float]
    /// `kernel` packed: each step's x·W is one packed product inside the time loop.
    let packedKernel: PackedMatrix?
    /// `(units, 3·units)` (reset after); `[z r]` and `[h]` column blocks apart (reset before).
    let recurrentKernel: PackedMatrix
    let recurrentKernelZR: PackedMatrix
    let recurrentKernelH: PackedMatrix
    /// Keras adds the input bias right after x·W, so it is folded into the projection.
    let projectionBias: [Float]?
    let recurrentBias: [Float]?
    let resetAfter: Bool
    let activation: Activation
    let recurrentActivation: Activation
    var gate: GateFunction { GateFunction(recurrentActivation) }
    var candidate: GateFunction { GateFunction(activation) }

    var projectionWidth: Int { 3 * units }
    var stateCount: Int { 1 }
    func scratchCount(batch: Int) -> Int { batch * 4 * units }
    var gateNames: [String] { ["updateGate", "resetGate", "candidate"] }

    func step(projected x: UnsafeMutablePointer<Float>, h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int) {
        let u = units, width = 3 * units
        let gate = self.gate, candidate = self.candidate
        let inner = scratch                       // (batch, 3u) or (batch, 2u): h·U
        let resetHidden = scratch + batch * width // (batch, u): r·h, then (r·h)·U_h
        if resetAfter {
            MatrixMultiply.multiply(h, lda: u, recurrentKernel, into: inner, ldc: width, m: batch)
            if let recurrentBias { recurrentBias.withUnsafeBufferPointer { addBias(inner, $0.baseAddress!, rows: batch, width: width) } }
            for b in 0..<batch {
                let row = x + b * width, hu = inner + b * width
                for j in 0..<(2 * u) { row[j] = row[j] + hu[j] }
                VectorMath.apply(gate, row, count: 2 * u, rowLength: u)
                for j in 0..<u { row[2 * u + j] = row[2 * u + j] + row[u + j] * hu[2 * u + j] }
                VectorMath.apply(candidate, row + 2 * u, count: u)
            }
        } else {
            MatrixMultiply.multiply(h, lda: u, recurrentKernelZR, into: inner, ldc: 2 * u, m: batch)
            for b in 0..<batch {
                let row = x + b * width, hu = inner + b * 2 * u
                for j in 0..<(2 * u) { row[j] = row[j] + hu[j] }
                VectorMath.apply(gate, row, count: 2 * u, rowLength: u)
                for j in 0..<u { resetHidden[b * u + j] = row[u + j] * h[b * u + j] }
            }
            // (r·h)·U_h for all rows at once; `inner` is free again.
            MatrixMultiply.multiply(resetHidden, lda: u, recurrentKernelH, into: inner, ldc: u, m: batch)
            for b in 0..<batch {
                let row = x + b * width
                for j in 0..<u { row[2 * u + j] = row[2 * u + j] + inner[b * u + j] }
                VectorMath.apply(candidate, row + 2 * u, count: u)
            }
        }
        for b in 0..<batch {
            let row = x + b * width
            for j in 0..<u {
                let z = row[j]
                newH[b * u + j] = z * h[b * u + j] + (1 - z) * row[2 * u + j]
            }
        }
    }
}
