/// A layer whose output row `i` (first axis) depends only on input row `i`, holds no state, and
/// whose weights are small next to its activations: convolutions, pooling, padding, elementwise
/// activations, ConvLSTM, and TimeDistributed around them. The graph may run a chain of such layers a few
/// rows at a time, so their intermediates (a `TimeDistributed(Conv2D)` over 256 × 16 frames makes
/// 236 MB) stay in cache instead of being written to and read back from memory.
///
/// Dense and Flatten are left out on purpose: their kernels can be megabytes, re-read per chunk.
public protocol RowChunkable: Layer {
    /// False when this instance must see the whole batch (a TimeDistributed around a layer that
    /// is not chunkable).
    var chunksByRows: Bool { get }
}

extension RowChunkable {
    public var chunksByRows: Bool { !isStateful }
}

extension Convolution: RowChunkable {}
extension Pooling: RowChunkable {}
extension GlobalPooling: RowChunkable {}
extension AdaptivePooling: RowChunkable {}
extension ZeroPadding: RowChunkable {}
extension Cropping: RowChunkable {}
extension UpSampling: RowChunkable {}
extension ActivationLayer: RowChunkable {}
extension Rectifier: RowChunkable {}
extension ExponentialLinear: RowChunkable {}
extension InferenceIdentity: RowChunkable {}
extension BatchNormalization: RowChunkable {}
extension LayerSequence: RowChunkable {
    public var chunksByRows: Bool { layers.allSatisfy { ($0 as? any RowChunkable)?.chunksByRows == true } }
}
extension TimeDistributed: RowChunkable {
    public var chunksByRows: Bool { (inner as? any RowChunkable)?.chunksByRows == true }
}

/// Runs `layers` one after the other on `input` a block of rows at a time, as if on the whole
/// batch: the same numbers (every layer is row-independent), less memory traffic. The first block
/// is one row; its largest intermediate sets the block height for the rest (about 1 MiB each).
func runRowChunked(_ layers: [any Layer], on input: Tensor) throws -> Tensor {
    let rows = input.shape[0]
    func pass(_ block: Tensor) throws -> (output: Tensor, largest: Int) {
        var tensor = block, largest = block.count
        for layer in layers {
            let result = try layer.call([tensor], masks: [nil])
            guard result.tensors.count == 1, result.masks.first ?? nil == nil, let next = result.tensors.first,
                  next.shape.first == tensor.shape.first else {
                throw EngineError(layer: layer.name, kind: layer.kindName, message: "expected one output row per input row")
            }
            tensor = next
            largest = max(largest, tensor.count)
        }
        return (tensor, largest)
    }
    let first = try pass(input.rowSlice(0..<1))
    let rowSize = first.output.count
    var scalars = [Float](repeating: 0, count: rows * rowSize)
    scalars.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: first.output.scalars, count: rowSize) }
    let blockRows = max(1, (1 << 20) / max(1, first.largest))
    var start = 1
    while start < rows {
        let end = min(rows, start + blockRows)
        let block = try pass(input.rowSlice(start..<end)).output
        guard block.count == (end - start) * rowSize else {
            throw EngineError(layer: layers.last!.name, kind: layers.last!.kindName, message: "gave rows of different sizes for one batch")
        }
        scalars.withUnsafeMutableBufferPointer { buffer in
            block.scalars.withUnsafeBufferPointer { buffer.baseAddress!.advanced(by: start * rowSize).update(from: $0.baseAddress!, count: $0.count) }
        }
        start = end
    }
    return Tensor(shape: [rows] + first.output.shape.dropFirst(), scalars: scalars)
}

/// ConvLSTM: rows never interact and its kernels are small, while one step's maps at batch 256
/// are tens of megabytes; a block of rows runs the whole sequence (a stateful layer keeps state
/// for its whole batch, so it never chunks).
extension ConvLSTM: RowChunkable {
    /// One output (no return_state) and no state kept between calls.
    public var chunksByRows: Bool { !stateful && !returnState }
}
