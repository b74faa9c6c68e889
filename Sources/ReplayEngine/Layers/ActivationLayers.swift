/// The rectifier with Keras' options (`ReLU`, `LeakyReLU`, `ThresholdedReLU` layers), computed
/// in the order Keras 3's `relu(x, negative_slope, max_value, threshold)` does:
/// ```
/// slope only (no max, no threshold):  x ≥ 0 ? x : slope·x                 (leaky_relu)
/// otherwise:  pos = threshold ≠ 0 ? (x > threshold ? x : 0) : max(x, 0)
///             pos = min(max(pos, 0), maxValue)                             (when given)
///             y   = pos - slope·max(threshold - x, 0)
/// ```
/// Elementwise on any shape; passes the mask.
public final class Rectifier: Layer {
    public let name: String
    public let kindName: String
    public let negativeSlope: Float
    public let maxValue: Float?
    public let threshold: Float

    public init(name: String, kindName: String = "ReLU", negativeSlope: Float = 0, maxValue: Float? = nil, threshold: Float = 0) {
        self.name = name
        self.kindName = kindName
        self.negativeSlope = negativeSlope
        self.maxValue = maxValue
        self.threshold = threshold
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let slope = negativeSlope, maxValue = self.maxValue, threshold = self.threshold
        x.scalars.withUnsafeMutableBufferPointer { values in
            if slope != 0 && maxValue == nil && threshold == 0 {
                for i in values.indices { let v = values[i]; values[i] = v >= 0 ? v : slope * v }
                return
            }
            for i in values.indices {
                let v = values[i]
                var positive = threshold != 0 ? (v > threshold ? v : 0) : max(v, 0)
                // Keras clips to [0, max_value] (a negative threshold, which Keras 2 allows, keeps
                // values between it and 0 negative until the clip).
                if let maxValue { positive = min(max(positive, 0), maxValue) }
                values[i] = slope != 0 ? positive - slope * max(threshold - v, 0) : positive
            }
        }
        return LayerOutput(x, mask: masks.first ?? nil)
    }
}

/// Exponential linear unit with a slope (Keras `ELU(alpha)` layer): `x > 0 ? x : alpha·(exp(x) - 1)`.
/// Elementwise; passes the mask.
public final class ExponentialLinear: Layer {
    public let name: String
    public var kindName: String { "ELU" }
    public let alpha: Float

    public init(name: String, alpha: Float = 1) {
        self.name = name
        self.alpha = alpha
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let alpha = self.alpha
        x.scalars.withUnsafeMutableBufferPointer { values in
            for i in values.indices where !(values[i] > 0) { values[i] = alpha == 1 ? expm1f(values[i]) : alpha * expm1f(values[i]) }
        }
        return LayerOutput(x, mask: masks.first ?? nil)
    }
}

/// Parametric ReLU (Keras `PReLU`): `y = max(x, 0) - alpha·max(-x, 0)`, i.e. `x` for x > 0 and
/// `alpha·x` otherwise, with a learned `alpha` of the input's shape without the batch axis
/// (size 1 along `shared_axes`, broadcast there). Passes the mask.
public final class ParametricRectifier: Layer {
    public let name: String
    public var kindName: String { "PReLU" }
    /// Shape of one sample, 1 on shared axes.
    public let alphaShape: [Int]
    let alpha: [Float]

    public init(name: String, alpha: Tensor) {
        self.name = name
        alphaShape = alpha.shape
        self.alpha = alpha.scalars
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let sample = Array(x.shape.dropFirst())
        guard sample.count == alphaShape.count, zip(sample, alphaShape).allSatisfy({ $1 == 1 || $0 == $1 }) else {
            throw error("expected input (batch, \(alphaShape.map(String.init).joined(separator: ", "))) (1 = any size), found \(x.shapeDescription)")
        }
        let alphaIndex = BroadcastIndex(from: alphaShape, to: sample)
        let perSample = sample.reduce(1, *)
        let alpha = self.alpha
        x.scalars.withUnsafeMutableBufferPointer { values in
            guard perSample > 0 else { return }
            for position in 0..<perSample {
                let a = alpha[alphaIndex[position]]
                var index = position
                while index < values.count {
                    let v = values[index]
                    values[index] = max(v, 0) - a * max(-v, 0)
                    index += perSample
                }
            }
        }
        return LayerOutput(x, mask: masks.first ?? nil)
    }
}

/// Softmax over one or several axes (Keras `Softmax(axis)` layer), with the masking of the
/// Keras that wrote the file when a mask comes with the input.
public final class SoftmaxLayer: Layer {
    public let name: String
    public var kindName: String { "Softmax" }
    /// Axes counted with the batch axis; negative from the end.
    public let axes: [Int]

    public init(name: String, axes: [Int] = [-1]) {
        self.name = name
        self.axes = axes
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let resolved = try resolve(axes, rank: x.rank)
        return LayerOutput(MaskedSoftmax.apply(x, axes: resolved, mask: nil, style: .keras3), mask: masks.first ?? nil)
    }
}

/// Maps each position of a row-major `target` shape to the position of a `source` shape that
/// broadcasts to it (dimensions of 1 repeat; `source` is aligned to the trailing axes).
struct BroadcastIndex {
    private let indices: [Int]

    init(from source: [Int], to target: [Int]) {
        let padded = [Int](repeating: 1, count: target.count - source.count) + source
        var strides = [Int](repeating: 0, count: padded.count), step = 1
        for axis in stride(from: padded.count - 1, through: 0, by: -1) {
            strides[axis] = padded[axis] == 1 ? 0 : step
            step *= padded[axis]
        }
        let total = target.reduce(1, *)
        var result = [Int](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: target.count)
        for position in 0..<total {
            var source = 0
            for axis in 0..<target.count { source += index[axis] * strides[axis] }
            result[position] = source
            var axis = target.count - 1
            while axis >= 0 { index[axis] += 1; if index[axis] < target[axis] { break }; index[axis] = 0; axis -= 1 }
        }
        indices = result
    }

    subscript(position: Int) -> Int { indices[position] }
}

/// Axes counted with the batch axis (negative from the end) resolved for `rank`, sorted.
func resolve(_ axes: [Int], rank: Int) throws -> [Int] {
    let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
    guard resolved.allSatisfy({ $0 >= 0 && $0 < rank }), Set(resolved).count == resolved.count else {
        throw EngineError(message: "axes \(axes) are out of range for rank \(rank)")
    }
    return resolved.sorted()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
