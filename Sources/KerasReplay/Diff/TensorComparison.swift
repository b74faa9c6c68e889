import KerasCheckpoint

/// Names one weight tensor across checkpoints: the layer, Keras' name for the weight's role
/// (`kernel`, `recurrent_kernel`, `bias`, ...), the Bidirectional direction, and which
/// occurrence of that role it is (0 unless a layer has two weights with the same role).
/// Stored dataset names are not used: they differ between Keras generations
/// (`lstm_1/kernel:0`, `lstm_cell/kernel`, Keras 1's `lstm_1_W_i`), the roles do not.
public struct TensorKey: Sendable, Hashable, Codable {
    public var layer: String
    public var weight: String
    public var direction: String?
    public var occurrence: Int

    public init(layer: String, weight: String, direction: String?, occurrence: Int = 0) {
        self.layer = layer
        self.weight = weight
        self.direction = direction
        self.occurrence = occurrence
    }

    /// `forward kernel`, `bias`, `bias#2`.
    public var label: String {
        let base = (direction.map { "\($0) " } ?? "") + weight
        return occurrence == 0 ? base : "\(base)#\(occurrence + 1)"
    }
}

/// The figures for one tensor, or for one gate block of it (`gate` set).
public struct TensorComparison: Sendable, Equatable {
    public var key: TensorKey
    /// nil for the whole tensor.
    public var gate: Gate?
    /// Column range of the last axis for a gate block.
    public var columns: Range<Int>?
    /// The tensor's shape, or the block's (last axis = block width).
    public var shape: [Int]
    public var sums: DeltaAccumulator
    public var statistics: DeltaStatistics { sums.statistics }

    public init(key: TensorKey, gate: Gate? = nil, columns: Range<Int>? = nil, shape: [Int], sums: DeltaAccumulator) {
        self.key = key
        self.gate = gate
        self.columns = columns
        self.shape = shape
        self.sums = sums
    }

    /// `forward kernel` or `forward kernel [input gate]`.
    public var label: String { key.label + (gate.map { " [\($0.spokenName)]" } ?? "") }

    /// Compares two flat row-major arrays of the same shape: the whole tensor, then each gate block
    /// (columns of the last axis, as Keras lays out LSTM i,f,c,o and GRU z,r,h; see `BoundWeight.gates`).
    public static func compare<Element: BinaryFloatingPoint>(_ a: [Element], _ b: [Element], key: TensorKey, shape: [Int],
                                                             gates: [(gate: Gate, columns: Range<Int>)],
                               tolerance: DiffTolerance) -> [TensorComparison] {
        precondition(a.count == b.count, "compare() needs arrays of equal size")
        var whole = DeltaAccumulator()
        for index in a.indices { whole.add(Double(a[index]), Double(b[index]), tolerance: tolerance) }
        var results = [TensorComparison(key: key, shape: shape, sums: whole)]
        let width = shape.last ?? 1
        guard width > 0 else { return results }
        let rows = a.count / width
        for block in gates where block.columns.upperBound <= width {
            var sums = DeltaAccumulator()
            for row in 0..<rows {
                let base = row * width
                for column in block.columns { sums.add(Double(a[base + column]), Double(b[base + column]), tolerance: tolerance) }
            }
            var blockShape = shape
            blockShape[blockShape.count - 1] = block.columns.count
            results.append(TensorComparison(key: key, gate: block.gate, columns: block.columns, shape: blockShape, sums: sums))
        }
        return results
    }
}
