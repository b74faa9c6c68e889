/// Tensor operations that functional graphs hold as nodes of their own: Keras 3 `keras.ops`
/// calls (`ops.add(x, 1.0)`, `ops.matmul(a, b)`, `x[:, 1:3]`) and tf-keras `TFOpLambda` /
/// `SlicingOpLambda` layers (`tf.add`, `tf.reshape`, ...). Each works on whole tensors with
/// NumPy's rules (broadcasting aligned to the trailing axes, axes counted with the batch axis).
/// Operations pass no mask.

/// An elementwise function of two operands, each a tensor input or a constant:
/// `add, subtract, multiply, divide, maximum, minimum, power, floorDivide, mod`, with NumPy broadcasting.
public final class BinaryOperation: Layer {
    public enum Function: String, Sendable {
        case add, subtract, multiply, divide, maximum, minimum, power, floorDivide, mod, squaredDifference
    }

    /// One operand: the next tensor input, or a constant.
    public enum Operand: Sendable {
        case input
        case constant(Tensor)
    }

    public let name: String
    public let kindName: String
    public let function: Function
    public let operands: (Operand, Operand)

    public init(name: String, kindName: String, function: Function, operands: (Operand, Operand)) {
        self.name = name
        self.kindName = kindName
        self.function = function
        self.operands = operands
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var remaining = inputs[...]
        func take(_ operand: Operand) throws -> Tensor {
            switch operand {
            case .constant(let value): return value
            case .input:
                guard let next = remaining.popFirst() else { throw error("expected more tensor inputs, found \(inputs.count)") }
                return next
            }
        }
        let a = try take(operands.0), b = try take(operands.1)
        let function = self.function
        return LayerOutput(try broadcast(a, b) { x, y in
            switch function {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            case .divide: return x / y
            case .maximum: return x.isNaN || y.isNaN ? .nan : max(x, y)
            case .minimum: return x.isNaN || y.isNaN ? .nan : min(x, y)
            case .power: return powf(x, y)
            case .floorDivide: return (x / y).rounded(.down)
            case .mod: let r = fmodf(x, y); return r != 0 && (r < 0) != (y < 0) ? r + y : r
            case .squaredDifference: return (x - y) * (x - y)
            }
        })
    }

    /// `op(a, b)` with NumPy broadcasting (shapes aligned to the trailing axes).
    func broadcast(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) throws -> Tensor {
        if a.shape == b.shape { return Tensor(shape: a.shape, scalars: zip(a.scalars, b.scalars).map(op)) }
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw error("cannot broadcast \(a.shapeDescription) with \(b.shapeDescription)")
        }
        let ia = BroadcastIndex(from: a.shape, to: shape), ib = BroadcastIndex(from: b.shape, to: shape)
        let total = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: total)
        for position in 0..<total { out[position] = op(a.scalars[ia[position]], b.scalars[ib[position]]) }
        return Tensor(shape: shape, scalars: out)
    }
}

/// NumPy's broadcast of two shapes, or nil when they do not broadcast.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
    var shape: [Int] = []
    for (x, y) in zip(pa, pb) {
        guard x == y || x == 1 || y == 1 else { return nil }
        shape.append(x == 1 ? y : x)
    }
    return shape
}

/// An elementwise function of one tensor: every built-in activation, and `abs`, `negative`,
/// `square`, `sqrt`, `exp`, `log`, `log1p`, `expm1`, `reciprocal`, `sign`, `floor`, `ceil`,
/// `round`, `sin`, `cos`, `rsqrt`, `clip(min, max)`, `identity`. Softmax-like activations work
/// along their axis.
public final class UnaryOperation: Layer {
    public enum Function: Sendable, Equatable {
        case activation(Activation)
        case absolute, negative, square, sqrt, exp, log, log1p, expm1, reciprocal, sign, floor, ceil, round, sin, cos, rsqrt, identity
        case clip(minimum: Float, maximum: Float)
    }

    public let name: String
    public let kindName: String
    public let function: Function

    public init(name: String, kindName: String, function: Function) {
        self.name = name
        self.kindName = kindName
        self.function = function
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        switch function {
        case .activation(let activation):
            if !activation.isElementwise {
                if case .softmax(let axis) = activation, x.rank > 0, !(axis >= -x.rank && axis < x.rank) {
                    throw error("softmax axis \(axis) is out of range for \(x.shapeDescription)")
                }
                return LayerOutput(activation.apply(x))
            }
            return LayerOutput(activation.apply(x))
        default:
            let function = self.function
            x.scalars = x.scalars.map { v in
                switch function {
                case .absolute: return abs(v)
                case .negative: return -v
                case .square: return v * v
                case .sqrt: return v.squareRoot()
                case .exp: return expf(v)
                case .log: return logf(v)
                case .log1p: return log1pf(v)
                case .expm1: return expm1f(v)
                case .reciprocal: return 1 / v
                case .sign: return v > 0 ? 1 : (v < 0 ? -1 : 0)
                case .floor: return v.rounded(.down)
                case .ceil: return v.rounded(.up)
                case .round: return v.rounded(.toNearestOrEven)
                case .sin: return sinf(v)
                case .cos: return cosf(v)
                case .rsqrt: return 1 / v.squareRoot()
                case .identity: return v
                case .clip(let low, let high): return min(max(v, low), high)
                case .activation: return v
                }
            }
            return LayerOutput(x)
        }
    }
}

/// A reduction over axes (`mean`, `sum`, `max`, `min`, `prod`), all axes when `axes` is nil,
/// keeping them as size 1 with `keepdims`. Sums run in Double.
public final class Reduction: Layer {
    public enum Function: String, Sendable { case mean, sum, max, min, prod }

    public let name: String
    public let kindName: String
    public let function: Function
    public let axes: [Int]?
    public let keepdims: Bool

    public init(name: String, kindName: String, function: Function, axes: [Int]?, keepdims: Bool) {
        self.name = name
        self.kindName = kindName
        self.function = function
        self.axes = axes
        self.keepdims = keepdims
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        let reduced = try axes.map { try resolve($0, rank: x.rank) } ?? Array(0..<x.rank)
        let kept = (0..<x.rank).filter { !reduced.contains($0) }
        let moved = x.transposedIfNeeded(kept + reduced)
        let n = reduced.reduce(1) { $0 * x.shape[$1] }
        let rows = n == 0 ? kept.reduce(1) { $0 * x.shape[$1] } : x.count / n
        var out = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            let slice = moved.scalars[(row * n)..<((row + 1) * n)]
            switch function {
            case .sum: out[row] = Float(slice.reduce(0.0) { $0 + Double($1) })
            case .mean: out[row] = Float(slice.reduce(0.0) { $0 + Double($1) } / Double(n))
            case .max: out[row] = slice.max() ?? -.infinity
            case .min: out[row] = slice.min() ?? .infinity
            case .prod: out[row] = Float(slice.reduce(1.0) { $0 * Double($1) })
            }
        }
        let shape = keepdims ? x.shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element } : kept.map { x.shape[$0] }
        return LayerOutput(Tensor(shape: shape, scalars: out))
    }
}

/// Shape operations on whole tensors (batch axis included): `reshape` (one -1), `transpose`
/// (a permutation, reversed axes when nil), `expandDims(axis)`, `squeeze(axes)` (every size-1
/// axis when nil), `swapAxes`.
public final class ShapeOperation: Layer {
    public enum Function: Sendable, Equatable {
        case reshape([Int])
        case transpose([Int]?)
        case expandDims(Int)
        case squeeze([Int]?)
        case swapAxes(Int, Int)
    }

    public let name: String
    public let kindName: String
    public let function: Function

    public init(name: String, kindName: String, function: Function) {
        self.name = name
        self.kindName = kindName
        self.function = function
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        switch function {
        case .reshape(let target):
            var shape = target
            let unknown = shape.indices.filter { shape[$0] == -1 }
            let known = shape.filter { $0 != -1 }.reduce(1, *)
            guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else { throw error("cannot reshape to \(target)") }
            if let index = unknown.first {
                guard known > 0, x.count % known == 0 else { throw error("cannot reshape \(x.shapeDescription) to \(target)") }
                shape[index] = x.count / known
            }
            guard shape.reduce(1, *) == x.count else { throw error("cannot reshape \(x.shapeDescription) to \(target)") }
            return LayerOutput(x.reshaped(shape))
        case .transpose(let permutation):
            let order = try permutation.map { try resolveOrdered($0, rank: x.rank) } ?? Array((0..<x.rank).reversed())
            guard order.count == x.rank, Set(order).count == x.rank else { throw error("axes \(permutation ?? []) are not a permutation for \(x.shapeDescription)") }
            return LayerOutput(x.transposedIfNeeded(order))
        case .expandDims(let axis):
            let resolved = axis < 0 ? axis + x.rank + 1 : axis
            guard resolved >= 0, resolved <= x.rank else { throw error("axis \(axis) is out of range for \(x.shapeDescription)") }
            var shape = x.shape
            shape.insert(1, at: resolved)
            return LayerOutput(x.reshaped(shape))
        case .squeeze(let axes):
            let resolved = try axes.map { try resolve($0, rank: x.rank) } ?? x.shape.indices.filter { x.shape[$0] == 1 }
            guard resolved.allSatisfy({ x.shape[$0] == 1 }) else { throw error("cannot squeeze axes \(axes ?? []) of \(x.shapeDescription)") }
            return LayerOutput(x.reshaped(x.shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)))
        case .swapAxes(let first, let second):
            let a = try resolveOrdered([first], rank: x.rank)[0], b = try resolveOrdered([second], rank: x.rank)[0]
            var order = Array(0..<x.rank)
            order.swapAt(a, b)
            return LayerOutput(x.transposedIfNeeded(order))
        }
    }
}

/// Axes in the given order (not sorted), resolved for `rank`.
func resolveOrdered(_ axes: [Int], rank: Int) throws -> [Int] {
    let resolved = axes.map { $0 < 0 ? $0 + rank : $0 }
    guard resolved.allSatisfy({ $0 >= 0 && $0 < rank }) else { throw EngineError(message: "axes \(axes) are out of range for rank \(rank)") }
    return resolved
}

/// `concatenate` (along an existing axis) or `stack` (along a new axis) of all tensor inputs.
public final class JoinOperation: Layer {
    public let name: String
    public let kindName: String
    public let axis: Int
    public let stacks: Bool

    public init(name: String, kindName: String, axis: Int, stacks: Bool) {
        self.name = name
        self.kindName = kindName
        self.axis = axis
        self.stacks = stacks
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        guard let first = inputs.first else { throw error("expected at least one input") }
        var parts = inputs
        var axis = self.axis
        if stacks {
            let resolved = axis < 0 ? axis + first.rank + 1 : axis
            guard resolved >= 0, resolved <= first.rank else { throw error("axis \(self.axis) is out of range for \(first.shapeDescription)") }
            parts = inputs.map { x in var shape = x.shape; shape.insert(1, at: min(resolved, x.rank)); return x.reshaped(shape) }
            axis = resolved
        }
        return try Merge(name: name, operation: .concatenate(axis: axis)).call(parts, masks: parts.map { _ in nil })
    }
}

/// NumPy `matmul`: the product of the last two axes, leading axes broadcast (a vector operand
/// is promoted and its axis dropped again), optionally with either operand's last two axes
/// swapped first (`tf.matmul(transpose_a=, transpose_b=)`).
public final class MatrixProduct: Layer {
    public let name: String
    public let kindName: String
    public let transposeA: Bool
    public let transposeB: Bool
    /// A constant operand (`ops.matmul(x, W)` with W written in the config), and its position.
    public let constant: Tensor?
    public let constantFirst: Bool

    public init(name: String, kindName: String, transposeA: Bool = false, transposeB: Bool = false, constant: Tensor? = nil, constantFirst: Bool = false) {
        self.name = name
        self.kindName = kindName
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.constant = constant
        self.constantFirst = constantFirst
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var operands = inputs
        if let constant { operands.insert(constant, at: constantFirst ? 0 : operands.count) }
        guard operands.count == 2 else { throw error("expected 2 operands, found \(operands.count)") }
        var a = operands[0], b = operands[1]
        let vectorA = a.rank == 1, vectorB = b.rank == 1
        if vectorA { a = a.reshaped([1, a.shape[0]]) }
        if vectorB { b = b.reshaped([b.shape[0], 1]) }
        guard a.rank >= 2, b.rank >= 2 else { throw error("expected matrices, found \(a.shapeDescription) and \(b.shapeDescription)") }
        if transposeA { var order = Array(0..<a.rank); order.swapAt(a.rank - 1, a.rank - 2); a = a.transposedIfNeeded(order) }
        if transposeB { var order = Array(0..<b.rank); order.swapAt(b.rank - 1, b.rank - 2); b = b.transposedIfNeeded(order) }
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        guard b.shape[b.rank - 2] == k, let batch = broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            throw error("cannot multiply \(a.shapeDescription) by \(b.shapeDescription)")
        }
        let count = batch.reduce(1, *)
        let ia = BroadcastIndex(from: Array(a.shape.dropLast(2)), to: batch), ib = BroadcastIndex(from: Array(b.shape.dropLast(2)), to: batch)
        var out = [Float](repeating: 0, count: count * m * n)
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { pc in
                    guard m > 0, n > 0, k > 0 else { return }
                    for index in 0..<count {
                        MatrixMultiply.multiply(pa.baseAddress! + ia[index] * m * k, pb.baseAddress! + ib[index] * k * n,
                                                into: pc.baseAddress! + index * m * n, m: m, k: k, n: n, accumulate: true)
                    }
                }
            }
        }
        var shape = batch + [m, n]
        if vectorB { shape.removeLast() }
        if vectorA { shape.remove(at: shape.count - (vectorB ? 1 : 2)) }
        return LayerOutput(Tensor(shape: shape, scalars: out))
    }
}

/// Indexing with slices (`x[:, 1:3]`, `x[..., ::2]`, `x[:, 0]`, `x[:, None]`), as NumPy does it.
public final class SliceOperation: Layer {
    public enum Item: Sendable, Equatable {
        case index(Int)
        case range(start: Int?, stop: Int?, step: Int?)
        case ellipsis
        case newAxis
    }

    public let name: String
    public let kindName: String
    public let items: [Item]

    public init(name: String, kindName: String, items: [Item]) {
        self.name = name
        self.kindName = kindName
        self.items = items
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        // Expand the ellipsis to full slices; pad with full slices.
        let consuming = items.filter { if case .newAxis = $0 { return false }; if case .ellipsis = $0 { return false }; return true }.count
        guard consuming <= x.rank else { throw error("too many indices (\(consuming)) for \(x.shapeDescription)") }
        var expanded: [Item] = []
        var sawEllipsis = false
        for item in items {
            if case .ellipsis = item {
                guard !sawEllipsis else { throw error("more than one '...' in a slice") }
                sawEllipsis = true
                expanded += Array(repeating: .range(start: nil, stop: nil, step: nil), count: x.rank - consuming)
            } else {
                expanded.append(item)
            }
        }
        if !sawEllipsis { expanded += Array(repeating: .range(start: nil, stop: nil, step: nil), count: x.rank - consuming) }
        // Per input axis: the indices it keeps, and whether the axis stays.
        var axisIndices: [[Int]] = []
        var outputShape: [Int] = []
        var axis = 0
        for item in expanded {
            switch item {
            case .newAxis:
                outputShape.append(1)
            case .index(let value):
                let size = x.shape[axis]
                let resolved = value < 0 ? value + size : value
                guard resolved >= 0, resolved < size else { throw error("index \(value) is out of range for axis \(axis) of \(x.shapeDescription)") }
                axisIndices.append([resolved])
                axis += 1
            case .range(let start, let stop, let step):
                let size = x.shape[axis], stride = step ?? 1
                guard stride != 0 else { throw error("slice step 0") }
                func clamp(_ value: Int?, _ fallback: Int, low: Int, high: Int) -> Int {
                    guard var value else { return fallback }
                    if value < 0 { value += size }
                    return min(max(value, low), high)
                }
                var kept: [Int] = []
                if stride > 0 {
                    var i = clamp(start, 0, low: 0, high: size)
                    let end = clamp(stop, size, low: 0, high: size)
                    while i < end { kept.append(i); i += stride }
                } else {
                    var i = clamp(start, size - 1, low: -1, high: size - 1)
                    let end = clamp(stop, -1, low: -1, high: size - 1)
                    while i > end { kept.append(i); i += stride }
                }
                axisIndices.append(kept)
                outputShape.append(kept.count)
                axis += 1
            case .ellipsis:
                break
            }
        }
        var strides = [Int](repeating: 1, count: x.rank)
        for index in stride(from: x.rank - 2, through: 0, by: -1) { strides[index] = strides[index + 1] * x.shape[index + 1] }
        var out: [Float] = []
        out.reserveCapacity(axisIndices.reduce(1) { $0 * $1.count })
        func gather(_ depth: Int, _ offset: Int) {
            if depth == axisIndices.count { out.append(x.scalars[offset]); return }
            for index in axisIndices[depth] { gather(depth + 1, offset + index * strides[depth]) }
        }
        gather(0, 0)
        return LayerOutput(Tensor(shape: outputShape, scalars: out))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
