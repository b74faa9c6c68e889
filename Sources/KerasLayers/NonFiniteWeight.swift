/// A weight with NaN or infinite values: replaying it gives NaN, which the user should hear
/// about before reading the outputs.
public struct NonFiniteWeight: Sendable, Equatable, CustomStringConvertible {
    public var layer: String
    /// `kernel`, `forward recurrent_kernel`, ...
    public var weight: String
    public var nanCount: Int
    public var infinityCount: Int

    /// nil when every value is finite.
    public init?(layer: String, weight: String, values: [Float]) {
        var nan = 0, infinity = 0
        for value in values where !value.isFinite {
            if value.isNaN { nan += 1 } else { infinity += 1 }
        }
        guard nan + infinity > 0 else { return nil }
        self.layer = layer
        self.weight = weight
        nanCount = nan
        infinityCount = infinity
    }

    public var description: String {
        "layer '\(layer)' \(weight) holds \(nanCount) NaN and \(infinityCount) infinite values"
    }
}
