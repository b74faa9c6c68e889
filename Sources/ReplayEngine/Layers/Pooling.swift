/// Max or average pooling in 1, 2 or 3 dimensions (Keras `MaxPooling1D/2D/3D`,
/// `AveragePooling1D/2D/3D`).
///
/// Channels last `(batch, s₁, …, s_d, channels) → (batch, o₁, …, o_d, channels)`, each channel on
/// its own; window `poolSize` every `strides` per axis. Padding per ``WindowPadding``: padded
/// positions are ignored, so the max is over the real values and the average divides by how many
/// real values the window holds (TensorFlow's avg_pool; Theano's `average_exc_pad`).
/// `channelsFirst` takes and gives `(batch, channels, spatial…)`. Drops the mask.
public final class Pooling: Layer {
    public enum Kind: Sendable { case max, average }

    public let name: String
    private let tables = PositionTableCache()
    public let kindName: String
    public let kind: Kind
    public let axes: [WindowAxis]
    public let padding: WindowPadding
    public let channelsFirst: Bool

    public init(name: String, kindName: String? = nil, kind: Kind, poolSize: [Int], strides: [Int]? = nil,
                padding: WindowPadding = .valid, channelsFirst: Bool = false) {
        self.name = name
        self.kind = kind
        self.kindName = kindName ?? (kind == .max ? "MaxPooling\(poolSize.count)D" : "AveragePooling\(poolSize.count)D")
        axes = poolSize.indices.map { WindowAxis(kernel: poolSize[$0], stride: strides?[$0] ?? poolSize[$0]) }
        self.padding = padding
        self.channelsFirst = channelsFirst
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let rank = axes.count
        guard x.rank == rank + 2 else { throw error("expected input (batch, \(rank) spatial axes, channels), found \(x.shapeDescription)") }
        guard axes.allSatisfy({ $0.kernel >= 1 && $0.stride >= 1 }) else {
            throw error("expected pool_size and strides ≥ 1, found \(axes.map(\.kernel)), \(axes.map(\.stride))")
        }
        if channelsFirst { x = x.channelsLast() }
        let batch = x.shape[0], channels = x.shape[rank + 1]
        let grid = WindowGrid(axes: axes, inputSize: Array(x.shape[1...rank]), padding: padding)
        guard !grid.isEmpty else { throw error("input \(x.shapeDescription) is smaller than pool_size \(axes.map(\.kernel))") }
        let positions = grid.outputPositions, taps = grid.taps, inputPositions = grid.inputPositions
        var out = [Float](repeating: 0, count: batch * positions * channels)
        let table = tables.table(for: grid)
        let kind = self.kind
        // Rows (samples) never interact: split them over the engine's threads when there is work.
        let threads = batch * positions * taps * channels >= RowParallel.minimumWork ? min(Parallelism.maximumThreads, batch) : 1
        x.scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                table.withUnsafeBufferPointer { table in
                    let pointers = RowParallel.RowPointers(a: source.baseAddress!, c: target.baseAddress!)
                    let windows = TablePointer(base: table.baseAddress!)
                    Parallelism.run(threads) { slice in
                        for b in (batch * slice / threads)..<(batch * (slice + 1) / threads) {
                            let image = pointers.a + b * inputPositions * channels
                            for position in 0..<positions {
                                let window = windows.base + position * taps
                                let result = pointers.c + (b * positions + position) * channels
                                var real = 0
                                for tap in 0..<taps where window[tap] >= 0 {
                                    let values = image + Int(window[tap]) * channels
                                    if real == 0 {
                                        result.update(from: values, count: channels)
                                    } else if kind == .max {
                                        for c in 0..<channels { result[c] = max(result[c], values[c]) }
                                    } else {
                                        for c in 0..<channels { result[c] += values[c] }
                                    }
                                    real += 1
                                }
                                if kind == .average {
                                    let count = Float(real)
                                    for c in 0..<channels { result[c] /= count }
                                }
                            }
                        }
                    }
                }
            }
        }
        var y = Tensor(shape: [batch] + grid.outputSize + [channels], scalars: out)
        if channelsFirst { y = y.channelsFirst() }
        return LayerOutput(y)
    }
}

/// Max or average over every spatial position (Keras `GlobalMaxPooling1D/2D/3D`,
/// `GlobalAveragePooling1D/2D/3D`).
///
/// `(batch, s₁, …, s_d, channels) → (batch, channels)`, or `(batch, 1, …, 1, channels)` with
/// `keepdims` (channels first: `(batch, channels, 1, …)`). In 1-D with a mask the average is
/// `Σ x·mask / Σ mask` over the kept steps (Keras); max ignores the mask, as Keras does. The
/// output has no mask.
public final class GlobalPooling: Layer {
    public let name: String
    public let kindName: String
    public let kind: Pooling.Kind
    public let spatialAxes: Int
    public let keepdims: Bool
    public let channelsFirst: Bool

    public init(name: String, kind: Pooling.Kind, spatialAxes: Int = 1, keepdims: Bool = false, channelsFirst: Bool = false) {
        self.name = name
        self.kind = kind
        self.spatialAxes = spatialAxes
        self.keepdims = keepdims
        self.channelsFirst = channelsFirst
        kindName = kind == .max ? "GlobalMaxPooling\(spatialAxes)D" : "GlobalAveragePooling\(spatialAxes)D"
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        guard x.rank == spatialAxes + 2 else { throw error("expected input (batch, \(spatialAxes) spatial axes, channels), found \(x.shapeDescription)") }
        if channelsFirst { x = x.channelsLast() }
        let batch = x.shape[0], channels = x.shape[spatialAxes + 1]
        let positions = x.shape[1...spatialAxes].reduce(1, *)
        let mask = kind == .average && spatialAxes == 1 ? (masks.first ?? nil) : nil
        if let mask, mask.shape != [batch, positions] { throw error("expected mask (\(batch), \(positions)), found \(mask.shapeDescription)") }
        var out = [Float](repeating: 0, count: batch * channels)
        let kind = self.kind
        x.scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for b in 0..<batch {
                    let result = target.baseAddress! + b * channels
                    var kept: Float = 0
                    // Position by position, all channels at once (contiguous: the loop vectorises).
                    for s in 0..<positions {
                        let values = source.baseAddress! + (b * positions + s) * channels
                        switch kind {
                        case .max:
                            if s == 0 { result.update(from: values, count: channels) } else {
                                for c in 0..<channels { result[c] = max(result[c], values[c]) }
                            }
                        case .average:
                            if let mask {
                                let weight = mask.scalars[b * positions + s]
                                kept += weight
                                for c in 0..<channels { result[c] += values[c] * weight }
                            } else {
                                for c in 0..<channels { result[c] += values[c] }
                            }
                        }
                    }
                    if kind == .average {
                        let count = mask == nil ? Float(positions) : kept
                        for c in 0..<channels { result[c] /= count }
                    }
                }
            }
        }
        let ones = [Int](repeating: 1, count: spatialAxes)
        let shape = keepdims ? (channelsFirst ? [batch, channels] + ones : [batch] + ones + [channels]) : [batch, channels]
        return LayerOutput(Tensor(shape: shape, scalars: out))
    }
}

/// Pooling to a fixed output size (Keras 3 `AdaptiveAveragePooling1D/2D/3D`,
/// `AdaptiveMaxPooling1D/2D/3D`), one axis after the other as Keras' TensorFlow backend does.
///
/// Along an axis of length `n` pooled to `m`: output `i` covers `[start, start + size)` with
/// `start = floor(i·n/m)` and `end = ceil((i+1)·n/m)` (computed in float32), `size = small + 1`
/// when `end - start` is that, else `small = ceil(n/m)`. Channels last unless `channelsFirst`.
public final class AdaptivePooling: Layer {
    public let name: String
    public let kindName: String
    public let kind: Pooling.Kind
    public let outputSize: [Int]
    public let channelsFirst: Bool

    public init(name: String, kind: Pooling.Kind, outputSize: [Int], channelsFirst: Bool = false) {
        self.name = name
        self.kind = kind
        self.outputSize = outputSize
        self.channelsFirst = channelsFirst
        kindName = kind == .max ? "AdaptiveMaxPooling\(outputSize.count)D" : "AdaptiveAveragePooling\(outputSize.count)D"
    }

    /// The windows `[start, end)` along an axis of `length` pooled to `count`.
    static func windows(length: Int, count: Int) -> [Range<Int>] {
        let small = (length + count - 1) / count, big = small + 1
        return (0..<count).map { i in
            let start = min(Int((Float(i) * Float(length) / Float(count)).rounded(.down)), length - 1)
            let end = min(Int((Float(i + 1) * Float(length) / Float(count)).rounded(.up)), length)
            let size = end - start == big ? big : small
            return start..<min(start + size, length)
        }
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var x = try single(inputs)
        let rank = outputSize.count
        guard x.rank == rank + 2 else { throw error("expected input (batch, \(rank) spatial axes, channels), found \(x.shapeDescription)") }
        guard outputSize.allSatisfy({ $0 >= 1 }) else { throw error("expected output_size ≥ 1, found \(outputSize)") }
        if channelsFirst { x = x.channelsLast() }
        for axis in 1...rank {
            let length = x.shape[axis], count = outputSize[axis - 1]
            let windows = Self.windows(length: length, count: count)
            let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
            var out = [Float](repeating: 0, count: outer * count * inner)
            for o in 0..<outer {
                for (i, window) in windows.enumerated() {
                    let target = (o * count + i) * inner
                    for k in 0..<inner {
                        var value: Float = kind == .max ? -.infinity : 0
                        for s in window {
                            let v = x.scalars[(o * length + s) * inner + k]
                            value = kind == .max ? max(value, v) : value + v
                        }
                        out[target + k] = kind == .max ? value : value / Float(window.count)
                    }
                }
            }
            var shape = x.shape
            shape[axis] = count
            x = Tensor(shape: shape, scalars: out)
        }
        if channelsFirst { x = x.channelsFirst() }
        return LayerOutput(x)
    }
}
