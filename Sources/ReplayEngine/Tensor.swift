/// A dense float32 tensor in row-major order (the last axis varies fastest), batch first.
///
/// A value type: copies are cheap until written (the scalars are a copy-on-write array).
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    /// Row-major values; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Float]

    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative dimension")
        precondition(scalars.count == shape.reduce(1, *),
                     "Tensor shape \(shape) needs \(shape.reduce(1, *)) scalars, found \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    public var rank: Int { shape.count }
    public var count: Int { scalars.count }

    /// The size of the last axis (1 for a scalar).
    public var lastDimension: Int { shape.last ?? 1 }

    /// Shape text as Keras prints it, e.g. `(4, 3, 7)`.
    public var shapeDescription: String { Tensor.describe(shape) }

    static func describe(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The same scalars viewed with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Reverses the time axis (axis 1) of a `(batch, time, ...)` tensor.
    public func reversingTime() -> Tensor {
        precondition(rank >= 2)
        let batch = shape[0], time = shape[1]
        let step = shape.dropFirst(2).reduce(1, *)
        var result = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for b in 0..<batch {
                    for t in 0..<time {
                        let from = (b * time + t) * step, to = (b * time + (time - 1 - t)) * step
                        for k in 0..<step { target[to + k] = source[from + k] }
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: result)
    }

    /// The largest absolute elementwise difference from `other` (infinity when shapes differ).
    public func maxAbsDifference(_ other: Tensor) -> Float {
        guard shape == other.shape else { return .infinity }
        var worst: Float = 0
        for index in scalars.indices {
            let difference = abs(scalars[index] - other.scalars[index])
            if difference.isNaN { return .nan }
            worst = max(worst, difference)
        }
        return worst
    }
}
