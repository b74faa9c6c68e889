/// When two elements count as different, in the manner of `h5diff -d/-p` but combined like
/// NumPy's `isclose`: an element pair (a, b) is *beyond tolerance* when
///
///     |b - a| > absolute + relative * |a|
///
/// with `a` taken from the earlier (first) checkpoint. The defaults (0, 0) flag any change at all,
/// like `h5diff` without options.
///
/// Non-finite values: a pair where both sides are NaN, or both are the same infinity, is equal;
/// any other pair with a NaN or an infinity on either side is beyond tolerance.
public struct DiffTolerance: Sendable, Equatable, Codable {
    public var absolute: Double
    public var relative: Double

    public init(absolute: Double = 0, relative: Double = 0) {
        self.absolute = absolute
        self.relative = relative
    }

    /// Whether the finite pair (a, b) moved more than the tolerance.
    @inline(__always)
    public func isBeyond(_ a: Double, _ b: Double) -> Bool {
        abs(b - a) > absolute + relative * abs(a)
    }

    enum CodingKeys: String, CodingKey { case absolute = "abs", relative = "rel" }
}
