/// Running sums over element pairs (a, b) of one tensor or one gate block, in Double.
/// Sums are additive, so a layer's or a gate's figure can be built from its tensors' sums.
public struct DeltaAccumulator: Sendable, Equatable {
    /// Pairs where both sides are finite; the figures below are over these pairs only.
    public var compared = 0
    public var maxAbsDelta = 0.0
    public var sumAbsDelta = 0.0
    public var sumSquaredDelta = 0.0
    public var sumSquaredA = 0.0
    public var sumSquaredB = 0.0
    public var dotAB = 0.0
    public var beyondTolerance = 0
    public var nanA = 0, nanB = 0, infA = 0, infB = 0

    public init() {}

    /// Adds one pair.
    @inline(__always)
    public mutating func add(_ a: Double, _ b: Double, tolerance: DiffTolerance) {
        if a.isFinite && b.isFinite {
            let delta = b - a
            let magnitude = abs(delta)
            compared += 1
            if magnitude > maxAbsDelta { maxAbsDelta = magnitude }
            sumAbsDelta += magnitude
            sumSquaredDelta += delta * delta
            sumSquaredA += a * a
            sumSquaredB += b * b
            dotAB += a * b
            if tolerance.isBeyond(a, b) { beyondTolerance += 1 }
            return
        }
        if a.isNaN { nanA += 1 } else if a.isInfinite { infA += 1 }
        if b.isNaN { nanB += 1 } else if b.isInfinite { infB += 1 }
        let same = (a.isNaN && b.isNaN) || (a.isInfinite && a == b)
        if !same { beyondTolerance += 1 }
    }

    /// Adds another accumulator's pairs (for layer and gate totals).
    public mutating func merge(_ other: DeltaAccumulator) {
        compared += other.compared
        maxAbsDelta = max(maxAbsDelta, other.maxAbsDelta)
        sumAbsDelta += other.sumAbsDelta
        sumSquaredDelta += other.sumSquaredDelta
        sumSquaredA += other.sumSquaredA
        sumSquaredB += other.sumSquaredB
        dotAB += other.dotAB
        beyondTolerance += other.beyondTolerance
        nanA += other.nanA; nanB += other.nanB; infA += other.infA; infB += other.infB
    }

    public var statistics: DeltaStatistics { DeltaStatistics(self) }
}

/// The figures reported for one tensor or gate block. All over the finite pairs.
public struct DeltaStatistics: Sendable, Equatable {
    public var compared: Int
    /// max |b - a|.
    public var maxAbsDelta: Double
    /// mean |b - a|; 0 when nothing was compared.
    public var meanAbsDelta: Double
    /// ||b - a||₂.
    public var l2Delta: Double
    /// ||a||₂ and ||b||₂.
    public var l2A: Double
    public var l2B: Double
    /// ||b - a|| / ||a||, the earlier file being the denominator. 0 when nothing changed;
    /// nil when ||a|| = 0 but something changed (the ratio is infinite).
    public var relativeChange: Double?
    /// a·b / (||a|| ||b||); nil when either side is all zeros.
    public var cosine: Double?
    public var beyondTolerance: Int
    public var nanA: Int, nanB: Int, infA: Int, infB: Int

    public init(_ sums: DeltaAccumulator) {
        compared = sums.compared
        maxAbsDelta = sums.maxAbsDelta
        meanAbsDelta = sums.compared > 0 ? sums.sumAbsDelta / Double(sums.compared) : 0
        l2Delta = sums.sumSquaredDelta.squareRoot()
        l2A = sums.sumSquaredA.squareRoot()
        l2B = sums.sumSquaredB.squareRoot()
        relativeChange = Self.relativeChange(squaredDelta: sums.sumSquaredDelta, squaredA: sums.sumSquaredA)
        cosine = sums.sumSquaredA > 0 && sums.sumSquaredB > 0 ? sums.dotAB / (l2A * l2B) : nil
        beyondTolerance = sums.beyondTolerance
        nanA = sums.nanA; nanB = sums.nanB; infA = sums.infA; infB = sums.infB
    }

    static func relativeChange(squaredDelta: Double, squaredA: Double) -> Double? {
        if squaredDelta == 0 { return 0 }
        guard squaredA > 0 else { return nil }
        return squaredDelta.squareRoot() / squaredA.squareRoot()
    }
}
