import ReplayEngine

extension ReplayModel {
    /// `predict` in batches of `batchSize` rows (Keras' `predict(x, batch_size=)`): same numbers,
    /// bounded memory. Stateful models always walk their fixed batch size, carrying state.
    public func predict(_ inputs: [Tensor], batchSize: Int?) throws -> [Tensor] {
        guard let batchSize, graph.fixedBatchSize == nil, let rows = inputs.first?.shape.first, rows > batchSize, batchSize > 0 else {
            return try predict(inputs)
        }
        var collected: [[Tensor]] = []
        var start = 0
        while start < rows {
            let end = min(start + batchSize, rows)
            collected.append(try predict(inputs.map { $0.rows(start..<end) }))
            start = end
        }
        return (0..<collected[0].count).map { output in Tensor(concatenatingRows: collected.map { $0[output] }) }
    }
}

extension Tensor {
    /// Rows `range` of the first axis.
    func rows(_ range: Range<Int>) -> Tensor {
        let rowSize = shape.dropFirst().reduce(1, *)
        return Tensor(shape: [range.count] + shape.dropFirst(), scalars: Array(scalars[(range.lowerBound * rowSize)..<(range.upperBound * rowSize)]))
    }

    /// Stacks tensors with equal trailing shapes along the first axis.
    init(concatenatingRows parts: [Tensor]) {
        let rows = parts.reduce(0) { $0 + ($1.shape.first ?? 0) }
        self.init(shape: [rows] + parts[0].shape.dropFirst(), scalars: parts.flatMap(\.scalars))
    }
}
