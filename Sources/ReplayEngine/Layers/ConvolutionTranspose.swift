/// N-dimensional transposed convolution (Keras `Conv1DTranspose`, `Conv2DTranspose`,
/// `Conv3DTranspose`): the gradient of a convolution with respect to its input.
///
/// Channels last: input `(batch, s₁, …, s_d, inChannels)`, `kernel (k₁, …, k_d, filters, inChannels)`
/// (note: filters before input channels), `bias (filters)`. Every input position scatters its
/// taps into the output:
/// ```
/// y[b, i·strides + tap·dilation - padBefore, f] += Σ_c x[b, i, c] · kernel[tap, f, c]
/// ```
/// Output length per axis (Keras' `deconv_output_length`): without `outputPadding`, `valid` gives
/// `in·stride + max(span - stride, 0)` and `same` `in·stride`; with it, `(in-1)·stride + span -
/// 2·pad + outputPadding` (`pad = span/2` for `same`). `padBefore` is TensorFlow's for that output
/// size (`valid` 0; `same` half of `max((in-1)·stride + span - out, 0)`, floor), or `span/2` for
/// Keras 1/2 files on Theano. Positions that land outside the output are dropped.
///
/// Each block of input rows is one packed product `(rows, inChannels) · (inChannels, taps·filters)`,
/// then the columns are added into their output positions. Drops the mask.
public final class ConvolutionTranspose: Layer {
    public let name: String
    public let kindName: String
    public let axes: [WindowAxis]
    public let padding: WindowPadding
    public let outputPadding: [Int]?
    /// Output sizes stated outright (Keras 1 `Deconvolution2D`'s `output_shape`), instead of derived.
    public let outputSize: [Int]?
    public let inChannels: Int
    public let filters: Int
    public let channelsFirst: Bool
    public let activation: Activation
    /// Keras 3.7+ channels-first quirk: the bias goes along the last axis when that axis has
    /// `filters` entries (`tf.nn.bias_add` picked from the shapes), per channel otherwise.
    public let biasAlongLastAxis: Bool
    /// `(inChannels, taps·filters)`: column `tap·filters + f` is `kernel[tap, f, :]`.
    let scatterKernel: PackedMatrix
    let bias: [Float]?

    public init(name: String, kindName: String = "ConvTranspose", kernel: Tensor, bias: Tensor?, strides: [Int], dilation: [Int],
                padding: WindowPadding, outputPadding: [Int]? = nil, outputSize: [Int]? = nil, activation: Activation = .linear, channelsFirst: Bool = false, biasAlongLastAxis: Bool = false) throws {
        self.name = name
        self.kindName = kindName
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: kindName, message: message) }
        let rank = kernel.rank - 2
        guard rank >= 1, strides.count == rank, dilation.count == rank, outputPadding.map({ $0.count == rank }) ?? true else {
            throw fail("expected kernel (taps per axis..., filters, channels) with \(strides.count) spatial axes, found \(kernel.shapeDescription)")
        }
        guard strides.allSatisfy({ $0 >= 1 }), dilation.allSatisfy({ $0 >= 1 }), (outputPadding ?? []).allSatisfy({ $0 >= 0 }) else {
            throw fail("expected strides and dilation_rate ≥ 1 and output_padding ≥ 0, found \(strides), \(dilation), \(outputPadding ?? [])")
        }
        guard padding == .valid || padding == .same || padding == .theanoSame else { throw fail("padding \(padding.rawValue) is not one of valid, same") }
        filters = kernel.shape[rank]
        inChannels = kernel.shape[rank + 1]
        if let bias { try expectShape(bias, [filters], "bias (filters)", layer: name, kind: kindName) }
        axes = (0..<rank).map { WindowAxis(kernel: kernel.shape[$0], stride: strides[$0], dilation: dilation[$0]) }
        self.padding = padding
        self.outputPadding = outputPadding
        self.outputSize = outputSize
        self.channelsFirst = channelsFirst
        self.biasAlongLastAxis = biasAlongLastAxis
        self.activation = activation
        self.bias = bias?.scalars
        let taps = kernel.count / (filters * inChannels)
        var matrix = [Float](repeating: 0, count: inChannels * taps * filters)
        for tap in 0..<taps {
            for f in 0..<filters {
                for c in 0..<inChannels {
                    matrix[c * taps * filters + tap * filters + f] = kernel.scalars[(tap * filters + f) * inChannels + c]
                }
            }
        }
        scatterKernel = PackedMatrix(matrix, k: inChannels, n: taps * filters)
    }

    /// Output length and padding before for one axis, as Keras and TensorFlow size them.
    func geometry(_ axis: Int, input length: Int) -> (length: Int, padBefore: Int) {
        let window = axes[axis], span = window.span, stride = window.stride
        let out: Int
        if let outputSize, axis < outputSize.count {
            out = outputSize[axis]
        } else if let outputPadding {
            let pad = padding == .valid ? 0 : span / 2
            out = (length - 1) * stride + span - 2 * pad + outputPadding[axis]
        } else {
            out = padding == .valid ? length * stride + max(span - stride, 0) : length * stride
        }
        switch padding {
        case .valid: return (out, 0)
        case .theanoSame: return (out, span / 2)
        default: return (out, max((length - 1) * stride + span - out, 0) / 2)
        }
    }

    /// Multiply-adds of one call on an input of `shape`: per input position, channels × taps × filters.
    public func multiplyAdds(inputShape shape: [Int]) -> Int {
        guard shape.count == axes.count + 2 else { return 0 }
        let positions = channelsFirst ? shape[2...].reduce(1, *) : shape[1..<(shape.count - 1)].reduce(1, *)
        return shape[0] * positions * inChannels * axes.reduce(1) { $0 * $1.kernel } * filters
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try channelsLastInput(inputs, rank: axes.count, inChannels: inChannels, channelsFirst: channelsFirst)
        let rank = axes.count
        let batch = x.shape[0], inputSize = Array(x.shape[1...rank])
        let geometry = (0..<rank).map { self.geometry($0, input: inputSize[$0]) }
        let outputSize = geometry.map(\.length), padBefore = geometry.map(\.padBefore)
        guard outputSize.allSatisfy({ $0 > 0 }) else { throw error("input \(x.shapeDescription) gives an empty output \(outputSize)") }
        let inputPositions = inputSize.reduce(1, *), outputPositions = outputSize.reduce(1, *)
        let taps = axes.reduce(1) { $0 * $1.kernel }, width = taps * filters
        var out = [Float](repeating: 0, count: batch * outputPositions * filters)
        // Where each (input position, tap) lands, -1 outside the output: the same for every sample.
        var landing = [Int](repeating: -1, count: inputPositions * taps)
        var inputCoordinate = [Int](repeating: 0, count: rank), tapCoordinate = [Int](repeating: 0, count: rank)
        for position in 0..<inputPositions {
            var remaining = position
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                inputCoordinate[axis] = remaining % inputSize[axis]
                remaining /= inputSize[axis]
            }
            for axis in 0..<rank { tapCoordinate[axis] = 0 }
            for tap in 0..<taps {
                var flat = 0, inside = true
                for axis in 0..<rank {
                    let o = inputCoordinate[axis] * axes[axis].stride + tapCoordinate[axis] * axes[axis].dilation - padBefore[axis]
                    if o < 0 || o >= outputSize[axis] { inside = false; break }
                    flat = flat * outputSize[axis] + o
                }
                landing[position * taps + tap] = inside ? flat : -1
                var axis = rank - 1
                while axis >= 0 {
                    tapCoordinate[axis] += 1
                    if tapCoordinate[axis] < axes[axis].kernel { break }
                    tapCoordinate[axis] = 0
                    axis -= 1
                }
            }
        }
        let blockRows = max(1, min(inputPositions, Convolution.windowBufferFloats / max(width, 1)))
        var columns = [Float](repeating: 0, count: blockRows * width)
        x.scalars.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                columns.withUnsafeMutableBufferPointer { columns in
                    let c = columns.baseAddress!
                    for b in 0..<batch {
                        let image = target.baseAddress! + b * outputPositions * filters
                        var first = 0
                        while first < inputPositions {
                            let count = min(blockRows, inputPositions - first)
                            RowParallel.multiply(source.baseAddress! + (b * inputPositions + first) * inChannels, lda: inChannels,
                                                 scatterKernel, into: c, ldc: width, m: count)
                            for r in 0..<count {
                                let row = c + r * width
                                for tap in 0..<taps {
                                    let o = landing[(first + r) * taps + tap]
                                    guard o >= 0 else { continue }
                                    let destination = image + o * filters, contribution = row + tap * filters
                                    for f in 0..<filters { destination[f] += contribution[f] }
                                }
                            }
                            first += count
                        }
                    }
                }
            }
        }
        var y = Tensor(shape: [batch] + outputSize + [filters], scalars: out)
        out = []  // y holds the only reference: the bias and activation go in place
        finish(&y, bias: bias, activation: activation, channelsFirst: channelsFirst, biasAlongLastAxis: biasAlongLastAxis)
        return LayerOutput(y)
    }
}
