import ReplayEngine

/// Where a streamed replay gets its input rows and puts its output rows: any storage that can
/// give a block of rows (an `.npy` read with `pread`) and take one (written in place).
public struct RowStream {
    /// Rows of every input, in model input order, each `(rows, rowShape...)` flattened.
    public var read: (Range<Int>) throws -> [[Float]]
    /// The outputs for a block of rows, in model output order.
    public var write: (Range<Int>, [Tensor]) throws -> Void

    public init(read: @escaping (Range<Int>) throws -> [[Float]], write: @escaping (Range<Int>, [Tensor]) throws -> Void) {
        self.read = read
        self.write = write
    }
}

extension ReplayModel {
    /// Values a chunk's layer outputs hold by default: 4 Mi floats (16 MiB); a recurrent layer's
    /// own buffers (gate projections) come on top, a few times that.
    public static let defaultChunkValues = 1 << 22

    /// Rows per chunk for inputs of `inputRowShapes`: about `defaultChunkValues` values of layer
    /// outputs (worked out from the configs; the inputs alone when they cannot be), at least one
    /// row, a whole number of a stateful model's batches.
    public func defaultChunkRows(inputRowShapes: [[Int]]) -> Int {
        let perRow = activationValuesPerRow(inputRowShapes: inputRowShapes) ?? inputRowShapes.reduce(0) { $0 + $1.reduce(1, *) }
        let rows = max(1, Self.defaultChunkValues / max(perRow, 1))
        guard let fixed = graph.fixedBatchSize else { return rows }
        return max(fixed, rows / fixed * fixed)
    }

    /// `predict` over rows `rows` of inputs too large to hold, `chunkRows` at a time: each chunk
    /// is read, replayed (in batches of `batchSize`, as `predict(_:batchSize:)`), written, and
    /// dropped, so memory does not grow with the number of rows. Same numbers as one `predict`
    /// call on all the rows. A stateful model carries its state from chunk to chunk as from batch
    /// to batch, so its chunks are whole batches and `rows` must start at 0 (a later start would
    /// begin from zero state, not from the rows before it). `progress` gets the rows done so far.
    public func replay(rows: Range<Int>, inputRowShapes: [[Int]], chunkRows: Int, batchSize: Int?, stream: RowStream,
                       progress: (Int) -> Void = { _ in }) throws {
        guard chunkRows > 0 else { throw ReplayError(file: checkpoint.path, message: "chunk rows must be positive, found \(chunkRows)") }
        var chunk = chunkRows
        if let fixed = graph.fixedBatchSize {
            guard rows.lowerBound == 0 else {
                throw ReplayError(file: checkpoint.path, message: "this model is stateful (batches of \(fixed) carry state): replay its rows from row 0, not from \(rows.lowerBound)")
            }
            guard rows.count % fixed == 0 else {
                throw ReplayError(file: checkpoint.path, message: "this stateful model runs batches of exactly \(fixed) samples; \(rows.count) rows is not a multiple of \(fixed)")
            }
            chunk = max(fixed, chunk / fixed * fixed)
        }
        var start = rows.lowerBound
        while start < rows.upperBound {
            let block = start..<min(start + chunk, rows.upperBound)
            let values = try stream.read(block)
            let inputs = zip(values, inputRowShapes).map { Tensor(shape: [block.count] + $1, scalars: $0) }
            let outputs = try predict(inputs, batchSize: batchSize)
            try stream.write(block, outputs)
            start = block.upperBound
            progress(start - rows.lowerBound)
        }
    }
}
