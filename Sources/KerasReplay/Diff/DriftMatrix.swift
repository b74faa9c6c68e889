import HDF5
import KerasCheckpoint

/// One column of a drift matrix: a whole layer, one tensor, one gate block of a tensor, or one gate
/// of a layer across its kernel, recurrent kernel and bias (per direction).
public struct DriftColumn: Sendable, Hashable, Codable {
    public enum Level: String, Sendable, Codable, CaseIterable {
        /// All weights of a layer together: ||Δ|| over every tensor / ||A|| over every tensor.
        case layer
        /// One weight tensor, as in the pairwise records.
        case tensor
        /// One gate block of one tensor, as in the pairwise records.
        case gateBlock = "gate_block"
        /// One gate of a layer (per direction): its blocks of kernel, recurrent kernel and bias together.
        case gate
    }

    public var level: Level
    public var layer: String
    public var weight: String?
    public var direction: String?
    public var gate: String?
    public var occurrence: Int?

    /// `encoder_lstm`, `encoder_lstm forward kernel`, `encoder_lstm forward kernel [input gate]`,
    /// `encoder_lstm forward input gate`.
    public var label: String {
        switch level {
        case .layer:
            return layer
        case .tensor, .gateBlock:
            let key = TensorKey(layer: layer, weight: weight ?? "", direction: direction, occurrence: occurrence ?? 0)
            return "\(layer) \(key.label)" + (gate.map { " [\($0.replacingOccurrences(of: "_", with: " "))]" } ?? "")
        case .gate:
            return [layer, direction, gate?.replacingOccurrences(of: "_", with: " ")].compactMap { $0 }.joined(separator: " ")
        }
    }
}

/// Relative change from each checkpoint of a series to the next, epoch by column.
///
/// Built by streaming: each step opens the next file while the previous one stays open, and reads
/// one tensor of each at a time, so never more than two checkpoints' weights are in memory.
public struct DriftMatrix: Sendable {
    /// The checkpoints, earliest first.
    public var files: [String]
    public var columns: [DriftColumn]
    /// `values[step][column]`: relative change ||b - a|| / ||a|| from `files[step]` to `files[step + 1]`;
    /// nil when the column is missing in either file or ||a|| = 0 with a change.
    public var values: [[Double?]]
    /// Structural differences per step (index into `values`).
    public var structure: [(step: Int, difference: StructuralDifference)]
    /// Whether any step differs beyond the tolerance (see `CheckpointComparison.differs`).
    public var differs: Bool

    /// Compares each file with the next. `onStep` sees every pairwise comparison as it is made (for
    /// progress and for callers that keep the full records).
    public init(series: CheckpointSeries, tolerance: DiffTolerance = DiffTolerance(), includeOptimizer: Bool = false,
                architecture: Architecture? = nil, limits: ReadLimits = .standard,
                onStep: (Int, CheckpointComparison) throws -> Void = { _, _ in }) throws {
        files = series.paths
        columns = []
        values = []
        structure = []
        differs = false
        guard series.paths.count >= 2 else { return }
        var columnIndex: [DriftColumn: Int] = [:]
        var (previous, second) = try CheckpointComparison.openPair(series.paths[0], series.paths[1], architecture: architecture, limits: limits)
        // Weights-only files in the series take the given architecture, or the first one found.
        let shared = try architecture ?? previous.model.map { _ in try Architecture(checkpoint: previous) } ?? Architecture(checkpoint: second)
        for step in 0..<(series.paths.count - 1) {
            let next = step == 0 ? second : try KerasCheckpoint(path: series.paths[step + 1], limits: limits, architecture: shared)
            let comparison = try CheckpointComparison(previous, next, tolerance: tolerance, includeOptimizer: includeOptimizer)
            var row: [Int: Double?] = [:]
            for (column, sums) in Self.columnSums(comparison.tensors) {
                let index: Int
                if let known = columnIndex[column] {
                    index = known
                } else {
                    index = columns.count
                    columnIndex[column] = index
                    columns.append(column)
                }
                row[index] = DeltaStatistics.relativeChange(squaredDelta: sums.sumSquaredDelta, squaredA: sums.sumSquaredA)
            }
            values.append((0..<columns.count).map { row[$0] ?? nil })
            structure += comparison.structure.map { (step, $0) }
            differs = differs || comparison.differs
            try onStep(step, comparison)
            previous = next
        }
        values = values.map { $0 + Array(repeating: nil, count: columns.count - $0.count) }
    }

    /// The sums for every column level, in model order: layer, then its tensors and gate blocks,
    /// then its per-gate totals.
    static func columnSums(_ tensors: [TensorComparison]) -> [(DriftColumn, DeltaAccumulator)] {
        var ordered: [(DriftColumn, DeltaAccumulator)] = []
        var layerTotals: [String: DeltaAccumulator] = [:]
        var gateTotals: [DriftColumn: DeltaAccumulator] = [:]
        var layerOrder: [String] = []
        var gateOrder: [String: [DriftColumn]] = [:]
        var perLayer: [String: [(DriftColumn, DeltaAccumulator)]] = [:]
        for tensor in tensors {
            let key = tensor.key
            if layerTotals[key.layer] == nil { layerOrder.append(key.layer); layerTotals[key.layer] = DeltaAccumulator() }
            let column = DriftColumn(level: tensor.gate == nil ? .tensor : .gateBlock, layer: key.layer, weight: key.weight,
                                     direction: key.direction, gate: tensor.gate?.rawValue, occurrence: key.occurrence)
            perLayer[key.layer, default: []].append((column, tensor.sums))
            if let gate = tensor.gate {
                let total = DriftColumn(level: .gate, layer: key.layer, direction: key.direction, gate: gate.rawValue)
                if gateTotals[total] == nil { gateOrder[key.layer, default: []].append(total) }
                gateTotals[total, default: DeltaAccumulator()].merge(tensor.sums)
            } else {
                layerTotals[key.layer]!.merge(tensor.sums)
            }
        }
        for layer in layerOrder {
            ordered.append((DriftColumn(level: .layer, layer: layer), layerTotals[layer]!))
            ordered += perLayer[layer] ?? []
            ordered += (gateOrder[layer] ?? []).map { ($0, gateTotals[$0]!) }
        }
        return ordered
    }

    /// `epoch 2`, `epoch 3`, ...: the label of the later file of each step.
    public var stepLabels: [String] { files.dropFirst().map(CheckpointSeries.label(of:)) }

    /// The x value of each step: the later file's epoch number, or its position when names carry none.
    public var stepPositions: [Double] {
        let epochs = files.dropFirst().map(CheckpointSeries.epoch(of:))
        if epochs.allSatisfy({ $0 != nil }), Set(epochs).count == epochs.count { return epochs.map { Double($0!) } }
        return (0..<(files.count - 1)).map { Double($0 + 2) }
    }
}
