/// `(batch, d1, d2, ...) → (batch, d1·d2·...)` (Keras `Flatten`). Drops the mask.
public final class Flatten: Layer {
    public let name: String
    public var kindName: String { "Flatten" }

    public init(name: String) { self.name = name }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank >= 1 else { throw error("expected input (batch, ...), found a scalar") }
        let batch = x.shape[0]
        return LayerOutput(Tensor(shape: [batch, batch == 0 ? x.shape.dropFirst().reduce(1, *) : x.count / batch], scalars: x.scalars))
    }
}

/// `(batch, ...) → (batch, targetShape)`, one entry of `targetShape` may be -1 (Keras `Reshape`). Drops the mask.
public final class Reshape: Layer {
    public let name: String
    public var kindName: String { "Reshape" }
    public let targetShape: [Int]

    public init(name: String, targetShape: [Int]) {
        self.name = name
        self.targetShape = targetShape
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank >= 1 else { throw error("expected input (batch, ...), found a scalar") }
        let perSample = x.shape.dropFirst().reduce(1, *)
        var shape = targetShape
        let unknown = shape.indices.filter { shape[$0] == -1 }
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        let expected = "target shape " + Tensor.describe(targetShape)
        guard unknown.count <= 1, shape.allSatisfy({ $0 == -1 || $0 >= 0 }) else { throw error("\(expected) is not a valid shape") }
        if let index = unknown.first {
            guard known > 0, perSample % known == 0 else {
                throw error("cannot reshape input \(x.shapeDescription) to \(expected)")
            }
            shape[index] = perSample / known
        }
        guard shape.reduce(1, *) == perSample else { throw error("cannot reshape input \(x.shapeDescription) to \(expected)") }
        return LayerOutput(Tensor(shape: [x.shape[0]] + shape, scalars: x.scalars))
    }
}

/// Reorders the non-batch axes (Keras `Permute`, `dims` 1-based: `(2, 1)` swaps axes 1 and 2). Drops the mask.
public final class Permute: Layer {
    public let name: String
    public var kindName: String { "Permute" }
    public let dims: [Int]

    public init(name: String, dims: [Int]) {
        self.name = name
        self.dims = dims
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank == dims.count + 1, Set(dims) == Set(1...max(dims.count, 1)) || dims.isEmpty else {
            throw error("expected input of rank \(dims.count + 1) for dims \(dims), found \(x.shapeDescription)")
        }
        return LayerOutput(x.transposed([0] + dims))
    }
}

extension Tensor {
    /// The values in reverse order along each of `axes` (a kernel flipped for a true convolution).
    public func reversing(axes: [Int]) -> Tensor {
        var out = scalars
        var strides = [Int](repeating: 1, count: rank)
        for axis in Swift.stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] }
        for position in 0..<count {
            var remaining = position, source = 0
            for axis in 0..<rank {
                var coordinate = remaining / strides[axis]
                remaining %= strides[axis]
                if axes.contains(axis) { coordinate = shape[axis] - 1 - coordinate }
                source += coordinate * strides[axis]
            }
            out[position] = scalars[source]
        }
        return Tensor(shape: shape, scalars: out)
    }

    /// Axes reordered: output axis i is input axis `permutation[i]`.
    public func transposed(_ permutation: [Int]) -> Tensor {
        let outShape = permutation.map { shape[$0] }
        guard rank > 0, count > 0 else { return Tensor(shape: outShape, scalars: scalars) }
        var inStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inStrides[axis] = inStrides[axis + 1] * shape[axis + 1] }
        let strides = permutation.map { inStrides[$0] }
        // Runs along the output's last axis: a copy when it is the input's last axis too, a
        // strided gather otherwise; the outer axes advance like an odometer.
        let inner = outShape[rank - 1], innerStride = strides[rank - 1], outer = count / inner
        var out = [Float](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: rank)
        scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                var base = 0
                for run in 0..<outer {
                    let from = source.baseAddress! + base, to = target.baseAddress! + run * inner
                    if innerStride == 1 {
                        to.update(from: from, count: inner)
                    } else {
                        for i in 0..<inner { to[i] = from[i * innerStride] }
                    }
                    var axis = rank - 2
                    while axis >= 0 {
                        index[axis] += 1
                        base += strides[axis]
                        if index[axis] < outShape[axis] { break }
                        base -= strides[axis] * outShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return Tensor(shape: outShape, scalars: out)
    }
}
