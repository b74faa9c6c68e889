/// N-dimensional convolution (Keras `Conv1D`, `Conv2D`, `Conv3D`; also `DepthwiseConv` as a
/// grouped convolution with one group per input channel).
///
/// Channels last: input `(batch, s₁, …, s_d, inChannels)`, `kernel (k₁, …, k_d, inChannels/groups,
/// filters)`, `bias (filters)`:
/// ```
/// y[b, o, f] = activation(bias[f] + Σ_taps Σ_c x[b, o·strides + tap·dilation - padBefore, g·C + c] · kernel[tap, c, f])
/// ```
/// with `g = f / (filters/groups)`, `C = inChannels/groups`; padded positions are zero. Padding per
/// ``WindowPadding`` (TensorFlow's SAME, causal for 1-D, Theano's for Keras 1/2 files).
/// `channelsFirst` takes and gives `(batch, channels, spatial…)` (the kernel layout is the same).
///
/// im2col: the windows of a block of output positions are unfolded into rows `(taps·C)` and
/// multiplied with the packed kernel of each group, so every output is one packed matrix product
/// (no per-element loop); 1×…×1 kernels at stride 1 multiply the input directly. Row blocks are
/// split over the engine's threads. Drops the mask (Keras convolutions do not support masking).
public final class Convolution: Layer {
    public let name: String
    private let tables = PositionTableCache()
    public let kindName: String
    public let axes: [WindowAxis]
    public let padding: WindowPadding
    public let inChannels: Int
    public let filters: Int
    public let groups: Int
    public let channelsFirst: Bool
    public let activation: Activation
    /// Keras 3.7+ channels-first quirk: the bias goes along the last axis when that axis has
    /// `filters` entries (`tf.nn.bias_add` picked from the shapes), per channel otherwise.
    public let biasAlongLastAxis: Bool
    /// Per group: `(taps·inChannels/groups, filters/groups)`, packed once.
    let groupKernels: [PackedMatrix]
    /// Per group, row-major `(taps·C, filters/groups)`: for the direct path of narrow windows.
    let groupKernelRows: [[Float]]
    let bias: [Float]?

    public init(name: String, kindName: String = "Conv", kernel: Tensor, bias: Tensor?, strides: [Int], dilation: [Int],
                padding: WindowPadding, groups: Int = 1, activation: Activation = .linear, channelsFirst: Bool = false, biasAlongLastAxis: Bool = false) throws {
        self.name = name
        self.kindName = kindName
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: kindName, message: message) }
        let rank = kernel.rank - 2
        guard rank >= 1, strides.count == rank, dilation.count == rank else {
            throw fail("expected kernel (taps per axis..., channels, filters) with \(strides.count) spatial axes, found \(kernel.shapeDescription)")
        }
        guard strides.allSatisfy({ $0 >= 1 }), dilation.allSatisfy({ $0 >= 1 }), groups >= 1 else {
            throw fail("expected strides, dilation_rate and groups ≥ 1, found \(strides), \(dilation), \(groups)")
        }
        if padding == .causal && rank != 1 { throw fail("causal padding exists for 1-D convolutions only") }
        let groupChannels = kernel.shape[rank], filters = kernel.shape[rank + 1]
        guard filters % groups == 0, groupChannels > 0 else { throw fail("filters \(filters) is not a multiple of groups \(groups)") }
        if let bias { try expectShape(bias, [filters], "bias (filters)", layer: name, kind: kindName) }
        axes = (0..<rank).map { WindowAxis(kernel: kernel.shape[$0], stride: strides[$0], dilation: dilation[$0]) }
        self.padding = padding
        self.filters = filters
        self.groups = groups
        inChannels = groupChannels * groups
        self.channelsFirst = channelsFirst
        self.biasAlongLastAxis = biasAlongLastAxis
        self.activation = activation
        self.bias = bias?.scalars
        let groupFilters = filters / groups
        let rows = kernel.count / filters
        let blocks = (0..<groups).map { g in
            var block = [Float]()
            block.reserveCapacity(rows * groupFilters)
            for row in 0..<rows {
                let start = row * filters + g * groupFilters
                block += kernel.scalars[start..<(start + groupFilters)]
            }
            return block
        }
        groupKernelRows = blocks
        groupKernels = blocks.map { PackedMatrix($0, k: rows, n: groupFilters) }
    }

    /// The output shape for an input shape (the layer's own data format), nil when it does not fit.
    public func outputShape(inputShape shape: [Int]) -> [Int]? {
        let rank = axes.count
        guard shape.count == rank + 2 else { return nil }
        let spatial = channelsFirst ? Array(shape[2...]) : Array(shape[1...rank])
        let grid = WindowGrid(axes: axes, inputSize: spatial, padding: padding)
        return channelsFirst ? [shape[0], filters] + grid.outputSize : [shape[0]] + grid.outputSize + [filters]
    }

    /// Multiply-adds of one call on an input of `shape`: per output position, taps × channels per group × filters.
    public func multiplyAdds(inputShape shape: [Int]) -> Int {
        guard let output = outputShape(inputShape: shape) else { return 0 }
        let positions = channelsFirst ? output[2...].reduce(1, *) : output[1..<(output.count - 1)].reduce(1, *)
        let taps = axes.reduce(1) { $0 * $1.kernel }
        return shape[0] * positions * taps * (inChannels / groups) * filters
    }

    /// Output positions unfolded at once per thread: a window buffer of ≤ 1 MiB.
    static let windowBufferFloats = 1 << 18

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try channelsLastInput(inputs, rank: axes.count, inChannels: inChannels, channelsFirst: channelsFirst)
        let rank = axes.count
        let batch = x.shape[0]
        let grid = WindowGrid(axes: axes, inputSize: Array(x.shape[1...rank]), padding: padding)
        guard !grid.isEmpty else {
            throw error("input \(x.shapeDescription) is smaller than the kernel span \(axes.map(\.span))")
        }
        let rows = batch * grid.outputPositions
        var out = [Float](repeating: 0, count: rows * filters)
        let pointwise = grid.taps == 1 && axes.allSatisfy { $0.stride == 1 } && groups == 1 && grid.padBefore.allSatisfy { $0 == 0 }
        x.scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                if pointwise {
                    RowParallel.multiply(source.baseAddress!, lda: inChannels, groupKernels[0], into: target.baseAddress!, ldc: filters, m: rows)
                } else {
                    unfoldAndMultiply(source.baseAddress!, grid: grid, batch: batch, into: target.baseAddress!)
                }
            }
        }
        var y = Tensor(shape: [batch] + grid.outputSize + [filters], scalars: out)
        out = []  // y holds the only reference: the bias and activation go in place
        finish(&y, bias: bias, activation: activation, channelsFirst: channelsFirst, biasAlongLastAxis: biasAlongLastAxis)
        return LayerOutput(y)
    }

    /// Every output row: its window unfolded into `(taps·C)` values per group, times the group's kernel.
    private func unfoldAndMultiply(_ x: UnsafePointer<Float>, grid: WindowGrid, batch: Int, into out: UnsafeMutablePointer<Float>) {
        let taps = grid.taps, groupChannels = inChannels / groups, groupFilters = filters / groups
        let width = taps * groupChannels
        let positions = grid.outputPositions, rows = batch * positions
        let work = rows * width * filters
        // Blocks of unfolded windows that fit the buffer, and at least one per thread: a single
        // sequence (batch 1) is split over the cores too.
        let parallel = work >= RowParallel.minimumWork ? Parallelism.maximumThreads : 1
        let blockRows = max(1, min((rows + parallel - 1) / parallel, Self.windowBufferFloats / max(width, 1)))
        let blocks = (rows + blockRows - 1) / blockRows
        let threads = min(parallel, blocks)
        let pointers = RowParallel.RowPointers(a: x, c: out)
        let table = tables.table(for: grid)
        let imageSize = grid.inputPositions * inChannels
        let inChannels = self.inChannels, groups = self.groups, groupKernels = self.groupKernels, filters = self.filters
        // One spatial axis, no dilation, no padding: the unfolded row of output t is the input's
        // own contiguous slice from position t·stride, so the multiply reads the input in place
        // (rows stride·C apart) instead of copying each window (Conv1D's im2col copied K times
        // the input).
        if width > 32, groups == 1, axes.count == 1, axes[0].dilation == 1, grid.padBefore == [0],
           (positions - 1) * axes[0].stride + axes[0].kernel <= grid.inputPositions {
            let step = axes[0].stride * inChannels, kernel = groupKernels[0]
            let threads = work >= RowParallel.minimumWork ? min(Parallelism.maximumThreads, max(1, rows / 64)) : 1
            Parallelism.run(threads) { slice in
                let last = rows * (slice + 1) / threads
                var row = rows * slice / threads
                while row < last {
                    let b = row / positions, t = row % positions, count = min(last - row, positions - t)
                    MatrixMultiply.multiply(pointers.a + b * imageSize + t * step, lda: step, kernel,
                                            into: pointers.c + row * filters, ldc: filters, m: count)
                    row += count
                }
            }
            return
        }
        // A narrow window (a few taps of one channel: an image's first layer) is summed straight
        // into the filters, 8 at a time, in the multiply's order: unfolding it would cost more
        // than the multiply-adds.
        if width <= 32, groupFilters % 8 == 0 {
            directNarrow(x, table: table, taps: taps, imageSize: imageSize, rows: rows, positions: positions, into: out)
            return
        }
        table.withUnsafeBufferPointer { table in
            let positionsOf = TablePointer(base: table.baseAddress!)
            Parallelism.run(threads) { slice in
                let firstBlock = blocks * slice / threads, lastBlock = blocks * (slice + 1) / threads
                var windows = [Float](repeating: 0, count: blockRows * width)
                windows.withUnsafeMutableBufferPointer { windows in
                    let w = windows.baseAddress!
                    for block in firstBlock..<lastBlock {
                        let first = block * blockRows, count = min(blockRows, rows - first)
                        for g in 0..<groups {
                            for r in 0..<count {
                                let b = (first + r) / positions
                                let image = pointers.a + b * imageSize + g * groupChannels
                                let window = positionsOf.base + ((first + r) % positions) * taps
                                let row = w + r * width
                                if groupChannels == 1 {
                                    for tap in 0..<taps {
                                        let position = Int(window[tap])
                                        row[tap] = position < 0 ? 0 : image[position * inChannels]
                                    }
                                } else {
                                    for tap in 0..<taps {
                                        let position = Int(window[tap])
                                        let target = row + tap * groupChannels
                                        if position < 0 {
                                            target.update(repeating: 0, count: groupChannels)
                                        } else {
                                            target.update(from: image + position * inChannels, count: groupChannels)
                                        }
                                    }
                                }
                            }
                            MatrixMultiply.multiply(w, lda: width, groupKernels[g], into: pointers.c + first * filters + g * groupFilters,
                                                    ldc: filters, m: count)
                        }
                    }
                }
            }
        }
    }
}

extension Convolution {
    /// `unfoldAndMultiply` for windows of at most 32 values and filters per group a multiple of 8:
    /// each output's filters accumulate `x · kernel[tap·C + c, :]` in the same (tap, channel) order
    /// with one rounding per multiply-add, so the numbers are the packed multiply's.
    fileprivate func directNarrow(_ x: UnsafePointer<Float>, table: [Int32], taps: Int, imageSize: Int, rows: Int, positions: Int,
                                  into out: UnsafeMutablePointer<Float>) {
        typealias V = SIMD8<Float>
        let groupChannels = inChannels / groups, groupFilters = filters / groups, width = taps * groupChannels
        let threads = rows * width * filters >= RowParallel.minimumWork ? min(Parallelism.maximumThreads, max(1, rows / 64)) : 1
        let pointers = RowParallel.RowPointers(a: x, c: out)
        let inChannels = self.inChannels, filters = self.filters, groups = self.groups, kernels = groupKernelRows
        table.withUnsafeBufferPointer { table in
            let windows = TablePointer(base: table.baseAddress!)
            Parallelism.run(threads) { slice in
                // Four rows at a time, two chunks of 8 filters each: eight independent FMA chains,
                // so the multiply-adds are not waiting on each other's latency (one row's chain of
                // `width` FMAs alone ran at a tenth of the core's rate). Each input value is
                // broadcast straight from the image (a padding tap is zero), never copied first.
                for g in 0..<groups {
                    kernels[g].withUnsafeBufferPointer { kernel in
                        let w = kernel.baseAddress!
                        let first = rows * slice / threads, last = rows * (slice + 1) / threads
                        var row = first
                        while row < last {
                            let count = min(4, last - row)
                            // Past the slice's end, repeat its last row (computed, not stored).
                            func image(_ r: Int) -> UnsafePointer<Float> {
                                pointers.a + ((row + min(r, count - 1)) / positions) * imageSize + g * groupChannels
                            }
                            func window(_ r: Int) -> UnsafePointer<Int32> { windows.base + ((row + min(r, count - 1)) % positions) * taps }
                            let image0 = image(0), image1 = image(1), image2 = image(2), image3 = image(3)
                            let window0 = window(0), window1 = window(1), window2 = window(2), window3 = window(3)
                            @inline(__always) func value(_ image: UnsafePointer<Float>, _ position: Int32, _ c: Int) -> V {
                                position < 0 ? V() : V(repeating: image[Int(position) * inChannels + c])
                            }
                            var chunk = 0
                            while chunk < groupFilters {
                                let second = chunk + 8 < groupFilters ? chunk + 8 : chunk
                                var s00 = V(), s01 = V(), s10 = V(), s11 = V(), s20 = V(), s21 = V(), s30 = V(), s31 = V()
                                for tap in 0..<taps {
                                    let p0 = window0[tap], p1 = window1[tap], p2 = window2[tap], p3 = window3[tap]
                                    for c in 0..<groupChannels {
                                        let base = w + (tap * groupChannels + c) * groupFilters
                                        let w0 = UnsafeRawPointer(base + chunk).loadUnaligned(as: V.self)
                                        let w1 = UnsafeRawPointer(base + second).loadUnaligned(as: V.self)
                                        let a = value(image0, p0, c), b = value(image1, p1, c)
                                        let d = value(image2, p2, c), e = value(image3, p3, c)
                                        s00 = VectorMath.fma(a, w0, s00); s01 = VectorMath.fma(a, w1, s01)
                                        s10 = VectorMath.fma(b, w0, s10); s11 = VectorMath.fma(b, w1, s11)
                                        s20 = VectorMath.fma(d, w0, s20); s21 = VectorMath.fma(d, w1, s21)
                                        s30 = VectorMath.fma(e, w0, s30); s31 = VectorMath.fma(e, w1, s31)
                                    }
                                }
                                func store(_ r: Int, _ low: V, _ high: V) {
                                    guard r < count else { return }
                                    let result = pointers.c + (row + r) * filters + g * groupFilters
                                    UnsafeMutableRawPointer(result + chunk).storeBytes(of: low, as: V.self)
                                    if second != chunk { UnsafeMutableRawPointer(result + second).storeBytes(of: high, as: V.self) }
                                }
                                store(0, s00, s01); store(1, s10, s11); store(2, s20, s21); store(3, s30, s31)
                                chunk += 16
                            }
                            row += count
                        }
                    }
                }
            }
        }
    }
}

/// A read-only table shared by the threads of one call.
struct TablePointer: @unchecked Sendable {
    var base: UnsafePointer<Int32>
}

/// The single input of a convolution as channels-last `(batch, spatial…, inChannels)`, or an
/// error naming what was found.
extension Layer {
    func channelsLastInput(_ inputs: [Tensor], rank: Int, inChannels: Int, channelsFirst: Bool) throws -> Tensor {
        var x = try single(inputs)
        guard x.rank == rank + 2 else {
            throw error("expected input (batch, \(rank) spatial axes, channels), found \(x.shapeDescription)")
        }
        if channelsFirst { x = x.channelsLast() }
        guard x.shape[rank + 1] == inChannels else {
            throw error("expected \(inChannels) input channels, found input \(x.shapeDescription)\(channelsFirst ? " (channels first)" : "")")
        }
        return x
    }
}

/// A channels-last convolution output made the layer's output, in the layer's own layout: the bias
/// per channel, or (Keras 3.7+ channels-first quirk) along the last axis when that axis has as many
/// entries as the bias, then the activation (Keras applies it there: softmax's axis -1).
func finish(_ y: inout Tensor, bias: [Float]?, activation: Activation, channelsFirst: Bool, biasAlongLastAxis: Bool) {
    guard channelsFirst else { return finishRows(&y, bias: bias, activation: activation) }
    y = y.channelsFirst()
    if let bias {
        let width = y.shape.last ?? 0
        if biasAlongLastAxis && width == bias.count {
            // Keras 3.7+ channels_first quirk: the bias runs along the last axis.
            finishRows(&y, bias: bias, activation: .linear)
        } else {
            let batch = y.shape[0], channels = y.shape[1], inner = y.shape[2...].reduce(1, *)
            y.scalars.withUnsafeMutableBufferPointer { o in
                for b in 0..<batch {
                    for c in 0..<channels {
                        let start = (b * channels + c) * inner
                        for i in 0..<inner { o[start + i] += bias[c] }
                    }
                }
            }
        }
    }
    applyInPlace(activation, &y)
}

/// Layers run one after the other as one Keras layer (SeparableConv's depthwise and pointwise parts).
public final class LayerSequence: Layer {
    public let name: String
    public let kindName: String
    public let layers: [any Layer]

    public init(name: String, kindName: String, layers: [any Layer]) {
        self.name = name
        self.kindName = kindName
        self.layers = layers
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        var output = LayerOutput(tensors: inputs, masks: masks)
        for layer in layers { output = try layer.call(output.tensors, masks: output.masks) }
        return output
    }

    public func resetStates() { for layer in layers { layer.resetStates() } }
    public var isStateful: Bool { layers.contains { $0.isStateful } }
}

/// `activation` on a tensor this layer owns: in place for elementwise activations (no copy of the
/// output), through ``Activation/apply(_:)-(Tensor)`` otherwise.
/// A channels-last output `(rows…, width)`: `bias` added to every row (when given) and then an
/// elementwise `activation` applied, in one pass split over the engine's threads. The same
/// numbers as adding the bias and then activating the whole tensor.
func finishRows(_ y: inout Tensor, bias: [Float]?, activation: Activation) {
    let width = y.shape.last ?? 0, count = y.count
    guard width > 0, count > 0, bias == nil || bias!.count == width, activation.isElementwise else {
        if let bias { y.scalars.withUnsafeMutableBufferPointer { o in bias.withUnsafeBufferPointer { addBias(o.baseAddress!, $0.baseAddress!, rows: count / max(width, 1), width: width) } } }
        return applyInPlace(activation, &y)
    }
    let rows = count / width
    let threads = count >= 1 << 16 ? min(Parallelism.maximumThreads, rows) : 1
    let bias = bias ?? []
    y.scalars.withUnsafeMutableBufferPointer { o in
        bias.withUnsafeBufferPointer { b in
            let pointers = RowParallel.RowPointers(a: UnsafePointer(o.baseAddress!), c: o.baseAddress!)
            let biasPointer = RowParallel.RowPointers(a: b.baseAddress ?? UnsafePointer(o.baseAddress!), c: o.baseAddress!)
            let hasBias = !bias.isEmpty
            Parallelism.run(threads) { slice in
                let first = rows * slice / threads, last = rows * (slice + 1) / threads
                // Blocks of about 4K values: the bias pass leaves them in L1 for the activation.
                let block = max(1, 4096 / width)
                var row = first
                while row < last {
                    let end = min(last, row + block), start = pointers.c + row * width
                    if hasBias { addBias(start, biasPointer.a, rows: end - row, width: width) }
                    if case .linear = activation {} else { activation.apply(start, count: (end - row) * width, rowLength: (end - row) * width) }
                    row = end
                }
            }
        }
    }
}

func applyInPlace(_ activation: Activation, _ tensor: inout Tensor) {
    if case .linear = activation { return }
    guard activation.isElementwise else { tensor = activation.apply(tensor); return }
    let count = tensor.count
    tensor.scalars.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: count, rowLength: count) }
}
