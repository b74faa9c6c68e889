/// Zeros added around the spatial axes (Keras `ZeroPadding1D/2D/3D`).
///
/// Channels last `(batch, s₁, …, s_d, channels) → (batch, s₁ + before₁ + after₁, …, channels)`;
/// `channelsFirst` takes and gives `(batch, channels, spatial…)`. Drops the mask.
public final class ZeroPadding: Layer {
    public let name: String
    public var kindName: String { "ZeroPadding\(padding.count)D" }
    /// Per spatial axis: zeros before and after.
    public let padding: [(before: Int, after: Int)]
    public let channelsFirst: Bool

    public init(name: String, padding: [(before: Int, after: Int)], channelsFirst: Bool = false) {
        self.name = name
        self.padding = padding
        self.channelsFirst = channelsFirst
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let rank = padding.count
        guard x.rank == rank + 2 else { throw error("expected input (batch, \(rank) spatial axes, channels), found \(x.shapeDescription)") }
        if channelsFirst { x = x.channelsLast() }
        let outSize = (0..<rank).map { x.shape[$0 + 1] + padding[$0].before + padding[$0].after }
        var y = Tensor(shape: [x.shape[0]] + outSize + [x.shape[rank + 1]], scalars: [Float](repeating: 0, count: x.shape[0] * outSize.reduce(1, *) * x.shape[rank + 1]))
        copyBlock(from: x, to: &y, offset: padding.map(\.before))
        if channelsFirst { y = y.channelsFirst() }
        return LayerOutput(y)
    }
}

/// Spatial positions cut off at both ends (Keras `Cropping1D/2D/3D`).
///
/// Channels last `(batch, s₁, …, channels) → (batch, s₁ - before₁ - after₁, …, channels)`;
/// `channelsFirst` takes and gives `(batch, channels, spatial…)`. Keras keeps a 1-D mask cropped
/// the same way; this drops it (convolutional inputs carry none).
public final class Cropping: Layer {
    public let name: String
    public var kindName: String { "Cropping\(cropping.count)D" }
    public let cropping: [(before: Int, after: Int)]
    public let channelsFirst: Bool

    public init(name: String, cropping: [(before: Int, after: Int)], channelsFirst: Bool = false) {
        self.name = name
        self.cropping = cropping
        self.channelsFirst = channelsFirst
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let rank = cropping.count
        guard x.rank == rank + 2 else { throw error("expected input (batch, \(rank) spatial axes, channels), found \(x.shapeDescription)") }
        if channelsFirst { x = x.channelsLast() }
        let outSize = (0..<rank).map { x.shape[$0 + 1] - cropping[$0].before - cropping[$0].after }
        guard outSize.allSatisfy({ $0 > 0 }) else {
            throw error("cropping \(cropping.map { [$0.before, $0.after] }) leaves nothing of input \(x.shapeDescription)")
        }
        var y = Tensor(shape: [x.shape[0]] + outSize + [x.shape[rank + 1]], scalars: [Float](repeating: 0, count: x.shape[0] * outSize.reduce(1, *) * x.shape[rank + 1]))
        copyBlock(from: x, to: &y, offset: cropping.map { -$0.before })
        if channelsFirst { y = y.channelsFirst() }
        return LayerOutput(y)
    }
}

/// Copies every position of `source` that falls inside `target` when shifted by `offset` (per
/// spatial axis; channels-last tensors of the same batch and channels).
func copyBlock(from source: Tensor, to target: inout Tensor, offset: [Int]) {
    let rank = offset.count, channels = source.shape[rank + 1]
    let sourceSize = Array(source.shape[1...rank]), targetSize = Array(target.shape[1...rank])
    let sourcePositions = sourceSize.reduce(1, *), targetPositions = targetSize.reduce(1, *)
    target.scalars.withUnsafeMutableBufferPointer { out in
        source.scalars.withUnsafeBufferPointer { input in
            for b in 0..<source.shape[0] {
                for position in 0..<sourcePositions {
                    var remaining = position, flat = 0, inside = true
                    var stride = sourcePositions
                    for axis in 0..<rank {
                        stride /= sourceSize[axis]
                        let coordinate = remaining / stride + offset[axis]
                        remaining %= stride
                        if coordinate < 0 || coordinate >= targetSize[axis] { inside = false; break }
                        flat = flat * targetSize[axis] + coordinate
                    }
                    guard inside else { continue }
                    let from = (b * sourcePositions + position) * channels, to = (b * targetPositions + flat) * channels
                    for c in 0..<channels { out[to + c] = input[from + c] }
                }
            }
        }
    }
}

/// Spatial axes stretched by whole factors (Keras `UpSampling1D/2D/3D`).
///
/// `nearest` repeats every position `size` times along its axis. `bilinear` (2-D) is TensorFlow's
/// `tf.image.resize(method='bilinear')` with half-pixel centres: output `o` reads input
/// `(o + 0.5)/size - 0.5`, between its floor and ceiling (clamped to the edges), mixed as
/// `top + (bottom - top)·yLerp` of `left + (right - left)·xLerp`. `channelsFirst` takes and gives
/// `(batch, channels, spatial…)`. `theanoBilinear` is Keras 2 on Theano (`bilinear_upsampling`):
/// rows, then columns, each the edge-padded input through a transposed convolution with the
/// kernel `[1, 2, …, r, …, 2, 1]/r` at stride `r`, so output `r·k` is input `k` and the ones between
/// mix neighbours linearly (corners aligned, not half-pixel). Drops the mask.
public final class UpSampling: Layer {
    public enum Interpolation: String, Sendable { case nearest, bilinear, theanoBilinear }

    public let name: String
    public var kindName: String { "UpSampling\(size.count)D" }
    public let size: [Int]
    public let interpolation: Interpolation
    public let channelsFirst: Bool

    public init(name: String, size: [Int], interpolation: Interpolation = .nearest, channelsFirst: Bool = false) {
        self.name = name
        self.size = size
        self.interpolation = interpolation
        self.channelsFirst = channelsFirst
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let rank = size.count
        guard x.rank == rank + 2 else { throw error("expected input (batch, \(rank) spatial axes, channels), found \(x.shapeDescription)") }
        guard size.allSatisfy({ $0 >= 1 }) else { throw error("expected size ≥ 1, found \(size)") }
        if channelsFirst { x = x.channelsLast() }
        var y: Tensor
        switch interpolation {
        case .nearest:
            y = x
            for axis in 0..<rank where size[axis] > 1 { y = Self.repeating(y, axis: axis + 1, times: size[axis]) }
        case .bilinear:
            guard rank == 2 else { throw error("bilinear upsampling is 2-D only") }
            y = Self.bilinear(x, factors: size)
        case .theanoBilinear:
            guard rank == 2 else { throw error("bilinear upsampling is 2-D only") }
            y = Self.theanoBilinear(Self.theanoBilinear(x, axis: 1, ratio: size[0]), axis: 2, ratio: size[1])
        }
        if channelsFirst { y = y.channelsFirst() }
        return LayerOutput(y)
    }

    static func repeating(_ x: Tensor, axis: Int, times: Int) -> Tensor {
        let outer = x.shape[..<axis].reduce(1, *), length = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        var out = [Float]()
        out.reserveCapacity(x.count * times)
        for o in 0..<outer {
            for i in 0..<length {
                let start = (o * length + i) * inner
                for _ in 0..<times { out += x.scalars[start..<(start + inner)] }
            }
        }
        var shape = x.shape
        shape[axis] *= times
        return Tensor(shape: shape, scalars: out)
    }

    /// Theano's `bilinear_upsampling` along one axis: the input with its first and last entries
    /// repeated, scattered through the kernel `[1, …, r, …, 1]/r` at stride `r` from `2r - (r-1)/2 - 1` before.
    static func theanoBilinear(_ x: Tensor, axis: Int, ratio: Int) -> Tensor {
        guard ratio > 1 else { return x }
        let outer = x.shape[..<axis].reduce(1, *), length = x.shape[axis], inner = x.shape[(axis + 1)...].reduce(1, *)
        let kernel = (1...ratio).map { Float($0) } + (1..<ratio).reversed().map { Float($0) }
        let weights = kernel.map { $0 / Float(ratio) }
        let pad = 2 * ratio - (ratio - 1) / 2 - 1
        let outLength = length * ratio
        var out = [Float](repeating: 0, count: outer * outLength * inner)
        for o in 0..<outer {
            for padded in 0..<(length + 2) {
                let source = min(max(padded - 1, 0), length - 1)
                for (tap, weight) in weights.enumerated() {
                    let target = padded * ratio + tap - pad
                    guard target >= 0, target < outLength else { continue }
                    for k in 0..<inner {
                        out[(o * outLength + target) * inner + k] += x.scalars[(o * length + source) * inner + k] * weight
                    }
                }
            }
        }
        var shape = x.shape
        shape[axis] = outLength
        return Tensor(shape: shape, scalars: out)
    }

    /// TensorFlow's half-pixel bilinear resize of `(batch, h, w, channels)` by whole factors.
    static func bilinear(_ x: Tensor, factors: [Int]) -> Tensor {
        let batch = x.shape[0], height = x.shape[1], width = x.shape[2], channels = x.shape[3]
        let outHeight = height * factors[0], outWidth = width * factors[1]
        func weights(_ count: Int, _ length: Int) -> [(low: Int, high: Int, lerp: Float)] {
            let scale = Float(length) / Float(count)
            return (0..<count).map { o in
                let position = (Float(o) + 0.5) * scale - 0.5
                let floor = position.rounded(.down)
                return (max(Int(floor), 0), min(Int(position.rounded(.up)), length - 1), position - floor)
            }
        }
        let rows = weights(outHeight, height), columns = weights(outWidth, width)
        var out = [Float](repeating: 0, count: batch * outHeight * outWidth * channels)
        for b in 0..<batch {
            for (i, row) in rows.enumerated() {
                for (j, column) in columns.enumerated() {
                    for c in 0..<channels {
                        func value(_ y: Int, _ z: Int) -> Float { x.scalars[((b * height + y) * width + z) * channels + c] }
                        let topLeft = value(row.low, column.low), topRight = value(row.low, column.high)
                        let bottomLeft = value(row.high, column.low), bottomRight = value(row.high, column.high)
                        let top = topLeft + (topRight - topLeft) * column.lerp
                        let bottom = bottomLeft + (bottomRight - bottomLeft) * column.lerp
                        out[((b * outHeight + i) * outWidth + j) * channels + c] = top + (bottom - top) * row.lerp
                    }
                }
            }
        }
        return Tensor(shape: [batch, outHeight, outWidth, channels], scalars: out)
    }
}
