/// Keras merge layers: `Concatenate`, `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`.
///
/// Elementwise ops fold left over the inputs (`((x0 + x1) + x2)`, Average divides the sum by n),
/// broadcasting axes of size 1; an input of lower rank is first expanded at axis 1 (Keras'
/// `(batch, 4)` + `(batch, 5, 4)` is `(batch, 1, 4)` + `(batch, 5, 4)`). Concatenate joins along `axis` (counted with the batch axis, -1 = last).
/// Masks (Keras `compute_mask`): elementwise ops AND the given masks; Concatenate treats a missing
/// mask as all-ones and ORs the per-step masks over features (joined along time for axis 1).
public final class Merge: Layer {
    public enum Operation: Sendable, Equatable {
        case concatenate(axis: Int)
        case add, subtract, multiply, average, maximum, minimum
    }

    public let name: String
    public let operation: Operation
    public var kindName: String {
        switch operation {
        case .concatenate: return "Concatenate"
        case .add: return "Add"
        case .subtract: return "Subtract"
        case .multiply: return "Multiply"
        case .average: return "Average"
        case .maximum: return "Maximum"
        case .minimum: return "Minimum"
        }
    }

    public init(name: String, operation: Operation) {
        self.name = name
        self.operation = operation
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        guard inputs.count >= (operation == .subtract ? 2 : 1) else { throw error("expected at least 2 inputs, found \(inputs.count)") }
        if operation == .subtract, inputs.count != 2 { throw error("expected exactly 2 inputs, found \(inputs.count)") }
        let masks = masks + [Tensor?](repeating: nil, count: max(0, inputs.count - masks.count))
        switch operation {
        case .concatenate(let axis):
            return try concatenate(inputs, masks: masks, axis: axis)
        default:
            // Keras expands lower-rank inputs at axis 1 until every rank is equal, then broadcasts.
            let rank = inputs.map(\.rank).max() ?? 0
            let inputs = inputs.map { x -> Tensor in
                guard x.rank < rank, x.rank >= 1 else { return x }
                return x.reshaped([x.shape[0]] + [Int](repeating: 1, count: rank - x.rank) + x.shape.dropFirst())
            }
            var result = inputs[0]
            for next in inputs.dropFirst() {
                // One loop per operation, so each is a plain vector loop (a residual Add of a
                // transformer block is 100k values at batch 256).
                switch operation {
                case .add, .average: try combine(&result, next, +)
                case .subtract: try combine(&result, next, -)
                case .multiply: try combine(&result, next, *)
                case .maximum: try combine(&result, next, max)
                case .minimum: try combine(&result, next, min)
                case .concatenate: break
                }
            }
            if operation == .average {
                let n = Float(inputs.count)
                result.scalars.withUnsafeMutableBufferPointer { values in
                    for position in values.indices { values[position] /= n }
                }
            }
            let given = masks.compactMap { $0 }
            var mask: Tensor? = nil
            if var combined = given.first {
                for other in given.dropFirst() where other.shape == combined.shape {
                    combined.scalars = zip(combined.scalars, other.scalars).map { $0 != 0 && $1 != 0 ? 1 : 0 }
                }
                mask = combined
            }
            return LayerOutput(result, mask: mask)
        }
    }

    /// `a = op(a, b)` elementwise: in place when the shapes are equal, broadcast otherwise.
    @inline(__always)
    private func combine(_ a: inout Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) throws {
        guard a.shape == b.shape else { a = try broadcast(a, b, op); return }
        b.scalars.withUnsafeBufferPointer { right in
            a.scalars.withUnsafeMutableBufferPointer { left in
                for position in left.indices { left[position] = op(left[position], right[position]) }
            }
        }
    }

    private func broadcast(_ a: Tensor, _ b: Tensor, _ op: (Float, Float) -> Float) throws -> Tensor {
        guard a.rank == b.rank, zip(a.shape, b.shape).allSatisfy({ $0 == $1 || $0 == 1 || $1 == 1 }) else {
            throw error("expected inputs of the same shape, found \(a.shapeDescription) and \(b.shapeDescription)")
        }
        let shape = zip(a.shape, b.shape).map { max($0, $1) }
        func strides(_ s: [Int]) -> [Int] {
            var result = [Int](repeating: 0, count: s.count), step = 1
            for axis in stride(from: s.count - 1, through: 0, by: -1) { result[axis] = s[axis] == 1 ? 0 : step; step *= s[axis] }
            return result
        }
        let sa = strides(a.shape), sb = strides(b.shape)
        let total = shape.reduce(1, *)
        var out = [Float](repeating: 0, count: total)
        var index = [Int](repeating: 0, count: shape.count)
        for position in 0..<total {
            var ia = 0, ib = 0
            for axis in 0..<shape.count { ia += index[axis] * sa[axis]; ib += index[axis] * sb[axis] }
            out[position] = op(a.scalars[ia], b.scalars[ib])
            var axis = shape.count - 1
            while axis >= 0 { index[axis] += 1; if index[axis] < shape[axis] { break }; index[axis] = 0; axis -= 1 }
        }
        return Tensor(shape: shape, scalars: out)
    }

    private func concatenate(_ inputs: [Tensor], masks: [Tensor?], axis: Int) throws -> LayerOutput {
        let rank = inputs[0].rank
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0, resolved < rank else { throw error("axis \(axis) is out of range for rank \(rank)") }
        for x in inputs {
            guard x.rank == rank, (0..<rank).allSatisfy({ $0 == resolved || x.shape[$0] == inputs[0].shape[$0] }) else {
                throw error("expected inputs that match except on axis \(axis), found " + inputs.map(\.shapeDescription).joined(separator: " and "))
            }
        }
        let outer = inputs[0].shape[..<resolved].reduce(1, *)
        let inner = inputs[0].shape[(resolved + 1)...].reduce(1, *)
        let total = inputs.reduce(0) { $0 + $1.shape[resolved] }
        var out = [Float]()
        out.reserveCapacity(outer * total * inner)
        for o in 0..<outer {
            for x in inputs {
                let block = x.shape[resolved] * inner
                out += x.scalars[(o * block)..<((o + 1) * block)]
            }
        }
        var shape = inputs[0].shape
        shape[resolved] = total
        return LayerOutput(Tensor(shape: shape, scalars: out), mask: concatenatedMask(inputs, masks: masks, axis: resolved))
    }

    /// Keras: missing masks count as all-ones; masks join along `axis`, then `any` over the last axis.
    private func concatenatedMask(_ inputs: [Tensor], masks: [Tensor?], axis: Int) -> Tensor? {
        guard masks.contains(where: { $0 != nil }), inputs[0].rank == 3 else { return nil }
        let batch = inputs[0].shape[0]
        if axis == 2 {
            let time = inputs[0].shape[1]
            var combined = [Float](repeating: 0, count: batch * time)
            for mask in masks {
                guard let mask, mask.count == batch * time else { return Tensor(repeating: 1, shape: [batch, time]) }
                for index in combined.indices where mask.scalars[index] != 0 { combined[index] = 1 }
            }
            return Tensor(shape: [batch, time], scalars: combined)
        }
        if axis == 1 {
            let total = inputs.reduce(0) { $0 + $1.shape[1] }
            var combined = [Float]()
            combined.reserveCapacity(batch * total)
            for b in 0..<batch {
                for (x, mask) in zip(inputs, masks) {
                    let time = x.shape[1]
                    if let mask, mask.count == batch * time { combined += mask.scalars[(b * time)..<((b + 1) * time)] }
                    else { combined += [Float](repeating: 1, count: time) }
                }
            }
            return Tensor(shape: [batch, total], scalars: combined)
        }
        return nil
    }
}
