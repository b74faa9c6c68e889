/// Fully connected layer (Keras `Dense`) on the last axis of any rank.
///
/// `y (..., units) = activation(x (..., inputDimension) · kernel (inputDimension, units) + bias (units))`.
/// A 3-D input is one matrix product over all `batch·time` rows, as Keras does: the packed kernel,
/// rows split over the engine's threads. Passes the mask through.
public final class Dense: Layer {
    public let name: String
    public var kindName: String { "Dense" }
    public let inputDimension: Int
    public let units: Int
    /// `kernel (inputDimension, units)`, packed once.
    let kernel: PackedMatrix
    let bias: [Float]?
    public let activation: Activation

    public init(name: String, kernel: Tensor, bias: Tensor?, activation: Activation = .linear) throws {
        self.name = name
        guard kernel.rank == 2 else {
            throw EngineError(layer: name, kind: "Dense", message: "expected kernel (input_dim, units), found \(kernel.shapeDescription)")
        }
        inputDimension = kernel.shape[0]
        units = kernel.shape[1]
        if let bias { try expectShape(bias, [units], "bias (units)", layer: name, kind: "Dense") }
        self.kernel = PackedMatrix(kernel.scalars, k: inputDimension, n: units)
        self.bias = bias?.scalars
        self.activation = activation
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank >= 1, x.lastDimension == inputDimension else {
            throw error("expected input (..., \(inputDimension)), found \(x.shapeDescription)")
        }
        let rows = x.count / max(inputDimension, 1)
        var y = [Float](repeating: 0, count: rows * units)
        x.scalars.withUnsafeBufferPointer { a in
            y.withUnsafeMutableBufferPointer { y in
                guard rows > 0, units > 0, let a = a.baseAddress else { return }
                RowParallel.multiply(a, lda: inputDimension, kernel, into: y.baseAddress!, ldc: units, m: rows)
                if let bias { bias.withUnsafeBufferPointer { addBias(y.baseAddress!, $0.baseAddress!, rows: rows, width: units) } }
            }
        }
        let shape = Array(x.shape.dropLast()) + [units]
        let output = activation.apply(Tensor(shape: shape, scalars: y))
        return LayerOutput(output, mask: masks.first ?? nil)
    }
}
