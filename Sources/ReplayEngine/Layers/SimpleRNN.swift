/// Fully connected recurrent layer (Keras `SimpleRNN`).
///
/// `h' = activation(x_t·kernel + bias + h·recurrentKernel)` with `kernel (inputDimension, units)`,
/// `recurrentKernel (units, units)`, `bias (units)`. Outputs, masking, `goBackwards` and
/// `stateful` as ``RecurrentLayer`` describes; state `[h]`.
public final class SimpleRNN: RecurrentLayer, CellDrivenRecurrentLayer {
    public let name: String
    public var kindName: String { "SimpleRNN" }
    let cell: SimpleRNNCell
    let options: RecurrentOptions
    let store = RecurrentStateStore()

    public var stateNames: [String] { ["h"] }
    public var traceNames: [String] { ["hidden"] }

    public init(name: String, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor?, activation: Activation = .tanh,
                returnSequences: Bool = false, returnState: Bool = false, goBackwards: Bool = false, stateful: Bool = false,
                zeroOutputForMask: Bool = false) throws {
        self.name = name
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: "SimpleRNN", message: message) }
        let units = recurrentKernel.shape.first ?? 0
        guard recurrentKernel.rank == 2, units > 0, recurrentKernel.shape[1] == units else {
            throw fail("expected recurrent kernel (units, units), found \(recurrentKernel.shapeDescription)")
        }
        guard kernel.rank == 2, kernel.shape[1] == units else {
            throw fail("expected kernel (input_dim, \(units)), found \(kernel.shapeDescription)")
        }
        if let bias { try expectShape(bias, [units], "bias (units)", layer: name, kind: "SimpleRNN") }
        guard activation.worksOnGateBlocks else { throw fail("activation \(activation) changes the size of what it is given") }
        cell = SimpleRNNCell(units: units, inputDimension: kernel.shape[0], kernel: kernel.scalars,
                             packedKernel: PackedMatrix(kernel.scalars, k: kernel.shape[0], n: units),
                             recurrentKernel: PackedMatrix(recurrentKernel.scalars, k: units, n: units),
                             projectionBias: bias?.scalars, activation: activation)
        options = RecurrentOptions(returnSequences: returnSequences, returnState: returnState, goBackwards: goBackwards, stateful: stateful,
                                   zeroOutputForMask: zeroOutputForMask)
    }
}

struct SimpleRNNCell: RecurrentCell {
    let units: Int
    let inputDimension: Int
    let kernel: [Float]
    /// `kernel` packed: each step's x·W is one packed product inside the time loop.
    let packedKernel: PackedMatrix?
    let recurrentKernel: PackedMatrix
    /// Keras adds the bias right after x·W, so it is folded into the projection.
    let projectionBias: [Float]?
    let activation: Activation

    var projectionWidth: Int { units }
    var stateCount: Int { 1 }
    func scratchCount(batch: Int) -> Int { batch * units }
    var gateNames: [String] { [] }
    var writesStridedState: Bool { true }

    func step(projected x: UnsafeMutablePointer<Float>, h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int) {
        MatrixMultiply.multiply(h, lda: units, recurrentKernel, into: scratch, ldc: units, m: batch)
        for index in 0..<(batch * units) { newH[index] = x[index] + scratch[index] }
        // Row by row: an axis-wise activation (softmax) runs over one row's units.
        let function = GateFunction(activation)
        for b in 0..<batch { VectorMath.apply(function, newH + b * units, count: units, rowLength: units) }
    }

    /// The fused form: `h·U` straight into `newH`, then `+ (x·W + b)` and the activation while the
    /// row is in cache — no copy of the input, the same numbers (`x·W + b` and `h·U` are each
    /// rounded before they are added, as Keras adds them). State rows are `hStride` / `newHStride`
    /// apart: with return_sequences the driver passes the output sequence itself, so each step's
    /// state is written where it is returned and read back from there (the copy per step was 13 %
    /// of a batch-256 replay).
    func step(input: UnsafePointer<Float>, h: UnsafePointer<Float>, hStride: Int,
              newH: UnsafeMutablePointer<Float>, newHStride: Int, batch: Int) {
        MatrixMultiply.multiply(h, lda: hStride, recurrentKernel, into: newH, ldc: newHStride, m: batch)
        let function = GateFunction(activation)
        for r in 0..<batch {
            let row = newH + r * newHStride, projection = input + r * units
            for index in 0..<units { row[index] = projection[index] + row[index] }
            VectorMath.apply(function, row, count: units, rowLength: units)
        }
    }

    func step(input: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>, recordGates: Bool,
              h: UnsafePointer<Float>, c: UnsafePointer<Float>?,
              newH: UnsafeMutablePointer<Float>, newC: UnsafeMutablePointer<Float>?,
              scratch: UnsafeMutablePointer<Float>, batch: Int) {
        step(input: input, h: h, hStride: units, newH: newH, newHStride: units, batch: batch)
    }
}
