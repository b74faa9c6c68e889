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
public final class LSTM: RecurrentLayer {
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
                        recurrentKernel: recurrentKernel.scalars, bias: bias?.scalars,
                        activation: activation, recurrentActivation: recurrentActivation)
        options = RecurrentOptions(returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, stateful: stateful)
    }

    public func run(_ sequence: Tensor, mask: Tensor?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult {
        try RecurrentDriver.run(cell, options: options, layer: name, kind: kindName, traceNames: traceNames, sequence: sequence,
                                mask: mask, zeroOutputForMask: zeroOutputForMask, recordTrace: recordTrace, store: store)
    }

    public func resetStates() { store.reset() }
}

struct LSTMCell: RecurrentCell {
    let units: Int
    let inputDimension: Int
    let kernel: [Float]
    let recurrentKernel: [Float]
    let bias: [Float]?
    let activation: Activation
    let recurrentActivation: Activation

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
        // z += h·U. Keras sums (x·W) + (h·U), so h·U goes to its own buffer first.
        recurrentKernel.withUnsafeBufferPointer { recurrent in
            MatrixMultiply.multiply(h, recurrent.baseAddress!, into: scratch, m: batch, k: u, n: width)
        }
        for index in 0..<(batch * width) { z[index] += scratch[index] }
        if let bias { bias.withUnsafeBufferPointer { addBias(z, $0.baseAddress!, rows: batch, width: width) } }
        let c = c!, newC = newC!
        for b in 0..<batch {
            let row = z + b * width
            recurrentActivation.apply(row, count: 2 * u, rowLength: 2 * u)          // i, f
            activation.apply(row + 2 * u, count: u, rowLength: u)                  // g
            recurrentActivation.apply(row + 3 * u, count: u, rowLength: u)         // o
            let state = b * u
            for j in 0..<u {
                newC[state + j] = row[u + j] * c[state + j] + row[j] * row[2 * u + j]
                newH[state + j] = newC[state + j]
            }
            activation.apply(newH + state, count: u, rowLength: u)
            for j in 0..<u { newH[state + j] = row[3 * u + j] * newH[state + j] }
        }
    }
}
