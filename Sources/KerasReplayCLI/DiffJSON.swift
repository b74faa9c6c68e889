import KerasReplay

/// The `diff --json` documents. Missing values are written as `null`, never left out.
enum DiffJSON {
    static let denominator = "a: relative change is ||b - a|| / ||a||, a being the earlier (first) file"

    /// One tensor or gate block.
    struct Record: Encodable {
        var comparison: TensorComparison

        enum Keys: String, CodingKey {
            case kind, layer, weight, direction, gate, occurrence, columns, shape, elements, compared
            case maxAbsDelta = "max_abs_delta", meanAbsDelta = "mean_abs_delta", l2Delta = "l2_delta", l2A = "l2_a", l2B = "l2_b"
            case relChange = "rel_change", cosine, beyondTolerance = "beyond_tolerance"
            case nanA = "nan_a", nanB = "nan_b", infA = "inf_a", infB = "inf_b"
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            let key = comparison.key, figures = comparison.statistics
            try container.encode(comparison.gate == nil ? "tensor" : "gate_block", forKey: .kind)
            try container.encode(key.layer, forKey: .layer)
            try container.encode(key.weight, forKey: .weight)
            try container.encode(key.direction, forKey: .direction)
            try container.encode(comparison.gate?.rawValue, forKey: .gate)
            try container.encode(key.occurrence, forKey: .occurrence)
            try container.encode(comparison.columns.map { [$0.lowerBound, $0.upperBound] }, forKey: .columns)
            try container.encode(comparison.shape, forKey: .shape)
            try container.encode(comparison.shape.reduce(1, *), forKey: .elements)
            try container.encode(figures.compared, forKey: .compared)
            try container.encode(figures.maxAbsDelta, forKey: .maxAbsDelta)
            try container.encode(figures.meanAbsDelta, forKey: .meanAbsDelta)
            try container.encode(figures.l2Delta, forKey: .l2Delta)
            try container.encode(figures.l2A, forKey: .l2A)
            try container.encode(figures.l2B, forKey: .l2B)
            try container.encode(figures.relativeChange, forKey: .relChange)
            try container.encode(figures.cosine, forKey: .cosine)
            try container.encode(figures.beyondTolerance, forKey: .beyondTolerance)
            try container.encode(figures.nanA, forKey: .nanA)
            try container.encode(figures.nanB, forKey: .nanB)
            try container.encode(figures.infA, forKey: .infA)
            try container.encode(figures.infB, forKey: .infB)
        }
    }

    /// A structural difference.
    struct Structure: Encodable {
        var difference: StructuralDifference
        var step: Int?

        enum Keys: String, CodingKey { case kind, change, note, layer, weight, direction, a, b, message, step }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode("structure", forKey: .kind)
            try container.encode(difference.change.rawValue, forKey: .change)
            try container.encode(difference.change.isNote, forKey: .note)
            try container.encode(difference.layer, forKey: .layer)
            try container.encode(difference.weight, forKey: .weight)
            try container.encode(difference.direction, forKey: .direction)
            try container.encode(difference.a, forKey: .a)
            try container.encode(difference.b, forKey: .b)
            try container.encode(difference.message, forKey: .message)
            try container.encodeIfPresent(step, forKey: .step)
        }
    }

    /// `diff A B`.
    struct Pair: Encodable {
        var a: String
        var b: String
        var denominator = DiffJSON.denominator
        var tolerance: DiffTolerance
        var differs: Bool
        var records: [Record]
        var structure: [Structure]

        init(_ comparison: CheckpointComparison) {
            a = comparison.fileA
            b = comparison.fileB
            tolerance = comparison.tolerance
            differs = comparison.differs
            records = comparison.tensors.map(Record.init)
            structure = comparison.structure.map { Structure(difference: $0) }
        }
    }

    /// `diff FOLDER` or `diff F1 F2 F3 ...`: the matrix `rel_change[step][column]`, step k going from
    /// `files[k]` to `files[k + 1]`, and every step's records.
    struct Series: Encodable {
        struct Column: Encodable {
            var column: DriftColumn
            enum Keys: String, CodingKey { case level, layer, weight, direction, gate, occurrence, label }
            func encode(to encoder: Encoder) throws {
                var container = encoder.container(keyedBy: Keys.self)
                try container.encode(column.level.rawValue, forKey: .level)
                try container.encode(column.layer, forKey: .layer)
                try container.encode(column.weight, forKey: .weight)
                try container.encode(column.direction, forKey: .direction)
                try container.encode(column.gate, forKey: .gate)
                try container.encode(column.occurrence, forKey: .occurrence)
                try container.encode(column.label, forKey: .label)
            }
        }

        var files: [String]
        var epochs: [Int?]
        var denominator = "the earlier file of each step: ||b - a|| / ||a||"
        var tolerance: DiffTolerance
        var differs: Bool
        var columns: [Column]
        var relChange: [[Double?]]
        var structure: [Structure]
        var steps: [Pair]

        enum CodingKeys: String, CodingKey {
            case files, epochs, denominator, tolerance, differs, columns, relChange = "rel_change", structure, steps
        }

        init(_ matrix: DriftMatrix, tolerance: DiffTolerance, steps: [Pair]) {
            files = matrix.files
            epochs = matrix.files.map(CheckpointSeries.epoch(of:))
            self.tolerance = tolerance
            differs = matrix.differs
            columns = matrix.columns.map(Column.init)
            relChange = matrix.values
            structure = matrix.structure.map { Structure(difference: $0.difference, step: $0.step) }
            self.steps = steps
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(files, forKey: .files)
            try container.encode(epochs, forKey: .epochs)
            try container.encode(denominator, forKey: .denominator)
            try container.encode(tolerance, forKey: .tolerance)
            try container.encode(differs, forKey: .differs)
            try container.encode(columns, forKey: .columns)
            var rows = container.nestedUnkeyedContainer(forKey: .relChange)
            for row in relChange {
                var cells = rows.nestedUnkeyedContainer()
                for value in row { if let value { try cells.encode(value) } else { try cells.encodeNil() } }
            }
            try container.encode(structure, forKey: .structure)
            try container.encode(steps, forKey: .steps)
        }
    }
}
