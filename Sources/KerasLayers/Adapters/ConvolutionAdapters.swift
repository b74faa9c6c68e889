import KerasCheckpoint
import ReplayEngine

/// The settings every convolution family shares, from a config of any generation: Keras 2/3
/// (`filters`, `kernel_size`, `strides`, `dilation_rate`, `padding`, `data_format`, `groups`,
/// `depth_multiplier`, `output_padding`) and Keras 1 (`nb_filter`, `filter_length` /
/// `nb_row, nb_col` / `kernel_dim1..3`, `subsample_length` / `subsample`, `atrous_rate`,
/// `border_mode`, `dim_ordering`).
struct ConvolutionSettings {
    enum Family { case convolution, transpose, separable, depthwise }

    var family: Family
    /// Spatial axes: 1, 2 or 3, from the class name.
    var rank: Int
    /// nil for depthwise (its output has `channels · depthMultiplier`).
    var filters: Int?
    var kernelSize: [Int]
    var strides: [Int]
    var dilation: [Int]
    var padding: String
    var channelsFirst: Bool
    var useBias: Bool
    var groups: Int
    var depthMultiplier: Int
    var outputPadding: [Int]?
    /// Keras 1 `Deconvolution2D`'s `output_shape`, spatial sizes (it states the size instead of deriving it).
    var explicitOutputSize: [Int]?
    var activation: String

    /// `Conv2DTranspose` → (transpose, 2); `SeparableConvolution1D` → (separable, 1); nil for other classes.
    static func family(of className: String) -> (Family, Int)? {
        let rank: Int
        if className.contains("1D") { rank = 1 } else if className.contains("2D") { rank = 2 } else if className.contains("3D") { rank = 3 } else { return nil }
        if className.contains("Transpose") || className.hasPrefix("Deconvolution") { return (.transpose, rank) }
        if className.hasPrefix("Separable") { return (.separable, rank) }
        if className.hasPrefix("Depthwise") { return (.depthwise, rank) }
        return (.convolution, rank)
    }

    init(_ layer: LayerDescription, in context: LayerContext) throws {
        guard let (family, rank) = Self.family(of: layer.className) else { throw context.fail("is not a convolution") }
        self.family = family
        self.rank = rank
        let config = context.config(of: layer)
        let limit = 1...ShapeArithmetic.maxDimension
        func perAxis(_ values: [Int]?, _ what: String, default fallback: Int) throws -> [Int] {
            guard let values else { return Array(repeating: fallback, count: rank) }
            if values.count == 1 { return Array(repeating: values[0], count: rank) }
            guard values.count == rank else { throw context.fail("\(what) \(values) has \(values.count) entries for \(rank) spatial axes") }
            return values
        }
        // Keras 1 spells the kernel per axis.
        var keras1Kernel: [Int]?
        if let rows = try config.int("nb_row"), let columns = try config.int("nb_col") { keras1Kernel = [rows, columns] }
        if let first = try config.int("kernel_dim1"), let second = try config.int("kernel_dim2"), let third = try config.int("kernel_dim3") {
            keras1Kernel = [first, second, third]
        }
        kernelSize = try perAxis(keras1Kernel ?? config.ints("kernel_size", "filter_length"), "kernel_size", default: 1)
        strides = try perAxis(config.ints("strides", "subsample_length", "subsample"), "strides", default: 1)
        dilation = try perAxis(config.ints("dilation_rate", "atrous_rate"), "dilation_rate", default: 1)
        for (name, values) in [("kernel_size", kernelSize), ("strides", strides), ("dilation_rate", dilation)] {
            guard values.allSatisfy({ limit.contains($0) }) else { throw context.fail("\(name) \(values) must be positive sizes") }
        }
        guard zip(kernelSize, dilation).allSatisfy({ !$0.multipliedReportingOverflow(by: $1).overflow && $0 * $1 <= ShapeArithmetic.maxDimension }) else {
            throw context.fail("kernel_size \(kernelSize) x dilation_rate \(dilation) is larger than any input")
        }
        padding = try config.choice("padding", "border_mode", among: ["valid", "same", "causal", "full"], default: "valid")
        if padding == "full" { throw context.fail("padding 'full' (Keras 1 border_mode) is not replayed") }
        if padding == "causal" && !(family == .convolution && rank == 1) { throw context.fail("padding 'causal' exists for Conv1D only") }
        let format = try config.string("data_format", "dim_ordering") ?? "channels_last"
        guard ["channels_last", "channels_first", "tf", "th", "default"].contains(format) else {
            throw context.fail("data_format '\(format)' is not channels_last or channels_first")
        }
        channelsFirst = format == "channels_first" || format == "th"
        useBias = try config.bool("use_bias", "bias", default: true)
        groups = try config.int("groups", in: limit, default: 1)
        depthMultiplier = try config.int("depth_multiplier", in: limit, default: 1)
        if family == .depthwise {
            filters = nil
        } else {
            filters = try config.int("filters", "nb_filter", in: limit)
        }
        if let (_, value) = config.value(["output_padding"]), !value.isNull {
            outputPadding = try perAxis(config.ints("output_padding"), "output_padding", default: 0)
        }
        activation = try config.activationName(["activation"]) ?? "linear"
        if family == .transpose, let shape = try config.shape("output_shape"), shape.count == rank + 2 {
            let spatial = channelsFirst ? Array(shape[2...]) : Array(shape[1...rank])
            if spatial.allSatisfy({ $0 != nil }) { explicitOutputSize = spatial.map { $0! } }
        }
    }

    /// Channels out for `inChannels` in.
    func outputChannels(_ inChannels: Int?) -> Int? {
        family == .depthwise ? inChannels.map { $0 * depthMultiplier } : filters
    }

    var windowAxes: [WindowAxis] { (0..<rank).map { WindowAxis(kernel: kernelSize[$0], stride: strides[$0], dilation: dilation[$0]) } }

    /// Output shape for an input shape (batch first, either data format).
    func outputShape(_ input: TensorShape) -> TensorShape? {
        guard input.count == rank + 2 else { return nil }
        let channelAxis = channelsFirst ? 1 : rank + 1
        let spatial = channelsFirst ? Array(input[2...]) : Array(input[1...rank])
        var out: [Int?] = []
        for (axis, length) in spatial.enumerated() {
            guard let length else { out.append(nil); continue }
            let window = windowAxes[axis]
            switch family {
            case .transpose:
                let span = window.span
                if let explicitOutputSize {
                    out.append(explicitOutputSize[axis])
                } else if let outputPadding {
                    out.append((length - 1) * window.stride + span - 2 * (padding == "same" ? span / 2 : 0) + outputPadding[axis])
                } else {
                    out.append(padding == "same" ? length * window.stride : length * window.stride + max(span - window.stride, 0))
                }
            default:
                out.append(window.geometry(length, padding == "valid" ? .valid : padding == "causal" ? .causal : .same).length)
            }
        }
        let channels = outputChannels(input[channelAxis])
        return channelsFirst ? [input[0], channels] + out : [input[0]] + out + [channels]
    }

    /// "3x3 taps" or "5 taps".
    var tapsText: String { kernelSize.count == 1 ? "\(kernelSize[0]) taps" : kernelSize.map(String.init).joined(separator: "x") + " taps" }
}

/// Keras convolutions in 1, 2 and 3 dimensions, every generation: `Conv1D/2D/3D` (Keras 1
/// `Convolution1D/2D/3D`, `AtrousConvolution1D/2D`), `Conv1D/2D/3DTranspose` (Keras 1/2
/// `Deconvolution2D/3D`), `SeparableConv1D/2D` and `DepthwiseConv1D/2D`.
///
/// Weights, channels last or first alike: convolution `kernel (taps..., in/groups, filters)`;
/// transposed `kernel (taps..., filters, in)`; depthwise `depthwise_kernel (taps..., in,
/// depth_multiplier)` (output channel `c·depth_multiplier + m`); separable that, then
/// `pointwise_kernel (1..., in·depth_multiplier, filters)`; `bias (filters)` last. Keras 1 files
/// with `dim_ordering='th'` store `(filters, in, taps...)`, and 1-D kernels as `(taps, 1, in, filters)`.
///
/// What the file's own Keras computed:
/// - Keras 1/2 on Theano compute a true convolution (the kernel flipped along every spatial axis)
///   for convolutions and transposed ones, but pre-flip depthwise kernels (so those are not);
///   their `same` pads `span/2` before (Theano's `half`), not TensorFlow's split. Keras 1 files do
///   not record their backend: Theano, Keras 1's default, is assumed.
/// - Keras 3.7+ (TensorFlow) with `channels_first`: `ops.add(x, bias)` turns into a `bias_add` on
///   the LAST axis whenever that axis has as many entries as there are filters; `model.predict`
///   does so for Conv3D, the transposed, separable and depthwise convolutions (not Conv1D/Conv2D,
///   whose static shapes are unknown there), so those add the bias along the last spatial axis.
/// Engine layers: `Convolution` (depthwise as a grouped one), `ConvolutionTranspose`, and for
/// separable a `Sequence` of the depthwise and pointwise parts.
struct ConvolutionAdapter: LayerAdapter {
    let classNames = [
        "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D", "AtrousConvolution1D", "AtrousConvolution2D",
        "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose", "Convolution2DTranspose",
        "Convolution3DTranspose", "Deconvolution2D", "Deconvolution3D",
        "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
        "DepthwiseConv1D", "DepthwiseConv2D",
    ]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let settings = try ConvolutionSettings(layer, in: context)
        guard let input = inputs.first, let output = settings.outputShape(input) else { return nil }
        return [output]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        let settings = try ConvolutionSettings(layer, in: context)
        return (settings.family == .separable ? 2 : 1) + (settings.useBias ? 1 : 0)
    }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        var details = LayerDetails(settings: ConfigSettings.shown(layer.config))
        if let settings = try? ConvolutionSettings(layer, in: context) {
            details.activations = [("activation", settings.activation)]
            if theano(context), settings.family != .depthwise {
                details.notes.append("\(context.version?.major == 1 ? "Keras 1 (Theano assumed: the file does not say)" : "Theano") computes a true convolution: replayed with the kernel flipped along every spatial axis")
            }
            if biasAlongLastAxis(layer, settings, context) {
                details.notes.append("Keras \(context.version?.text ?? "3") adds the bias along the last axis when it has as many entries as there are filters (tf.nn.bias_add quirk): replayed so")
            }
        }
        return details
    }

    /// Keras 1/2 files written on Theano (Keras 1 files do not say: Theano assumed).
    func theano(_ context: LayerContext) -> Bool {
        guard let version = context.version else { return false }
        if version.major == 1 { return version.backend == nil || version.backend == "theano" }
        return version.major == 2 && version.backend == "theano"
    }

    /// Keras 3.7+'s channels_first bias quirk (see the type's documentation).
    func biasAlongLastAxis(_ layer: LayerDescription, _ settings: ConvolutionSettings, _ context: LayerContext) -> Bool {
        guard settings.channelsFirst, let version = context.version, version.isAtLeast(3, 7) else { return false }
        return !(settings.family == .convolution && settings.rank <= 2)
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let settings = try ConvolutionSettings(layer, in: context)
        let inputChannels = inputShapes?.first.flatMap { $0.count == settings.rank + 2 ? $0[settings.channelsFirst ? 1 : settings.rank + 1] : nil } ?? nil
        var roles: [WeightRole]
        switch settings.family {
        case .separable: roles = [.other("depthwise_kernel"), .other("pointwise_kernel")]
        case .depthwise: roles = [.other("depthwise_kernel")]
        default: roles = [.kernel]
        }
        if settings.useBias { roles.append(.bias) }
        var bound = try WeightChecks.roles(entries, roles, context)
        let taps = settings.kernelSize.map { Optional($0) }
        let keras1ChannelsFirst = context.version?.major == 1 && settings.channelsFirst
        for index in bound.indices {
            // Keras 1 stores a 1-D convolution kernel as 2-D: (taps, 1, in, filters).
            if context.version?.major == 1, settings.rank == 1, bound[index].role == .kernel, bound[index].shape.count == 4, bound[index].shape[1] == 1 {
                let stored = bound[index].shape
                bound[index].shape = [stored[0], stored[2], stored[3]]
            }
            let shape = bound[index].shape
            switch bound[index].role {
            case .kernel where settings.family == .transpose && context.version?.major == 1:
                // Keras 1 Deconvolution2D keeps Convolution2D's layout: (taps, in, filters), 'th' (filters, in, taps).
                if settings.channelsFirst {
                    try WeightChecks.shape("kernel", shape, [settings.filters, inputChannels] + taps, explain: " (Keras 1 'th' order)", context)
                    bound[index].meaning = "\(shape[0]) filters x \(shape[1]) input channels x \(settings.tapsText) (Keras 1 'th' order)"
                } else {
                    try WeightChecks.shape("kernel", shape, taps + [inputChannels, settings.filters], explain: " (Keras 1 order)", context)
                    bound[index].meaning = "\(settings.tapsText) x \(shape[settings.rank]) input channels x \(shape[settings.rank + 1]) filters (Keras 1 order)"
                }
            case .kernel where settings.family == .transpose:
                try WeightChecks.shape("kernel", shape, taps + [settings.filters, inputChannels], context)
                bound[index].meaning = "\(settings.tapsText) x \(shape[settings.rank]) filters x \(shape[settings.rank + 1]) input channels"
            case .kernel:
                if keras1ChannelsFirst {
                    try WeightChecks.shape("kernel", shape, [settings.filters, inputChannels] + taps, explain: " (Keras 1 'th' order)", context)
                    bound[index].meaning = "\(shape[0]) filters x \(shape[1]) input channels x \(settings.tapsText) (Keras 1 'th' order)"
                } else {
                    try WeightChecks.shape("kernel", shape, taps + [inputChannels.map { $0 / settings.groups }, settings.filters], context)
                    bound[index].meaning = "\(settings.tapsText) x \(shape[settings.rank]) input channels\(settings.groups > 1 ? " per group (\(settings.groups) groups)" : "") x \(shape[settings.rank + 1]) filters"
                }
            case .other("depthwise_kernel"):
                try WeightChecks.shape("depthwise_kernel", shape, taps + [inputChannels, settings.depthMultiplier], context)
                bound[index].meaning = "\(settings.tapsText) x \(shape[settings.rank]) input channels x \(shape[settings.rank + 1]) per channel"
            case .other("pointwise_kernel"):
                let ones = [Int?](repeating: 1, count: settings.rank)
                try WeightChecks.shape("pointwise_kernel", shape, ones + [inputChannels.map { $0 * settings.depthMultiplier }, settings.filters], context)
                bound[index].meaning = "1x1 x \(shape[settings.rank]) depthwise channels x \(shape[settings.rank + 1]) filters"
            case .bias:
                try WeightChecks.shape("bias", shape, [settings.outputChannels(inputChannels)], context)
            default: break
            }
        }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let settings = try ConvolutionSettings(layer, in: context.reading)
        let flip = theano(context.reading)
        let padding: WindowPadding
        switch settings.padding {
        case "same": padding = flip ? .theanoSame : .same
        case "causal": padding = .causal
        default: padding = .valid
        }
        let activation = try context.activation("activation")
        let bias = try context.tensor(.bias)
        let kindName = layer.className
        let lastAxisBias = biasAlongLastAxis(layer, settings, context.reading)
        do {
            switch settings.family {
            case .convolution:
                var kernel = try context.required(.kernel)
                if context.version?.major == 1 && settings.channelsFirst {
                    // Keras 1 'th': (filters, in, taps...) → (taps..., in, filters).
                    kernel = kernel.transposed(Array(2..<kernel.rank) + [1, 0])
                }
                if flip { kernel = kernel.reversing(axes: Array(0..<settings.rank)) }
                return try Convolution(name: context.engineName, kindName: kindName, kernel: kernel, bias: bias, strides: settings.strides,
                                       dilation: settings.dilation, padding: padding, groups: settings.groups, activation: activation,
                                       channelsFirst: settings.channelsFirst, biasAlongLastAxis: lastAxisBias)
            case .transpose:
                var kernel = try context.required(.kernel)
                if context.version?.major == 1 {
                    let spatial = Array(0..<settings.rank)
                    kernel = settings.channelsFirst ? kernel.transposed(spatial.map { $0 + 2 } + [0, 1])
                                                    : kernel.transposed(spatial + [settings.rank + 1, settings.rank])
                }
                if flip { kernel = kernel.reversing(axes: Array(0..<settings.rank)) }
                return try ConvolutionTranspose(name: context.engineName, kindName: kindName, kernel: kernel, bias: bias, strides: settings.strides,
                                                dilation: settings.dilation, padding: padding, outputPadding: settings.outputPadding,
                                                outputSize: settings.explicitOutputSize, activation: activation, channelsFirst: settings.channelsFirst, biasAlongLastAxis: lastAxisBias)
            case .depthwise:
                let kernel = try Self.groupedDepthwise(context.required(.other("depthwise_kernel")), rank: settings.rank)
                return try Convolution(name: context.engineName, kindName: kindName, kernel: kernel.kernel, bias: bias, strides: settings.strides,
                                       dilation: settings.dilation, padding: padding, groups: kernel.groups, activation: activation,
                                       channelsFirst: settings.channelsFirst, biasAlongLastAxis: lastAxisBias)
            case .separable:
                let depthwise = try Self.groupedDepthwise(context.required(.other("depthwise_kernel")), rank: settings.rank)
                let first = try Convolution(name: context.engineName + "/depthwise", kindName: kindName, kernel: depthwise.kernel, bias: nil,
                                            strides: settings.strides, dilation: settings.dilation, padding: padding, groups: depthwise.groups,
                                            channelsFirst: settings.channelsFirst)
                let ones = [Int](repeating: 1, count: settings.rank)
                let second = try Convolution(name: context.engineName + "/pointwise", kindName: kindName, kernel: context.required(.other("pointwise_kernel")),
                                             bias: bias, strides: ones, dilation: ones, padding: .valid, activation: activation,
                                             channelsFirst: settings.channelsFirst, biasAlongLastAxis: lastAxisBias)
                return LayerSequence(name: context.engineName, kindName: kindName, layers: [first, second])
            }
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }

    /// A depthwise kernel `(taps..., in, m)` as a grouped convolution's `(taps..., 1, in·m)`, `in` groups.
    static func groupedDepthwise(_ kernel: Tensor, rank: Int) throws -> (kernel: Tensor, groups: Int) {
        guard kernel.rank == rank + 2 else { return (kernel, 1) }
        let channels = kernel.shape[rank], multiplier = kernel.shape[rank + 1]
        return (Tensor(shape: Array(kernel.shape[..<rank]) + [1, channels * multiplier], scalars: kernel.scalars), channels)
    }
}
