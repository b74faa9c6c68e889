import KerasCheckpoint
import ReplayEngine

/// Keras `Conv1D` (Keras 1 `Convolution1D`: `nb_filter`, `filter_length`, `subsample_length`,
/// `border_mode`), channels last: `kernel (kernel_size, input_channels, filters)`, `bias (filters)`.
/// Engine layer: `Conv1D`.
struct Conv1DAdapter: LayerAdapter {
    let classNames = ["Conv1D", "Convolution1D"]

    struct Settings {
        var filters: Int
        var kernelSize: Int
        var strides: Int
        var dilationRate: Int
        var padding: String
        var useBias: Bool
    }

    func settings(_ layer: LayerDescription, in context: LayerContext) throws -> Settings {
        let config = context.config(of: layer)
        let limit = 1...ShapeArithmetic.maxDimension
        let settings = Settings(
            filters: try config.int("filters", "nb_filter", in: limit),
            kernelSize: try config.firstInt("kernel_size", "filter_length", in: limit) ?? 1,
            strides: try config.firstInt("strides", "subsample_length", in: limit) ?? 1,
            dilationRate: try config.firstInt("dilation_rate", in: limit) ?? 1,
            padding: try config.choice("padding", "border_mode", among: ["valid", "same", "causal"], default: "valid"),
            useBias: try config.bool("use_bias", "bias", default: true))
        _ = try config.activationName(["activation"])
        guard settings.kernelSize.multipliedReportingOverflow(by: settings.dilationRate).partialValue <= ShapeArithmetic.maxDimension,
              !settings.kernelSize.multipliedReportingOverflow(by: settings.dilationRate).overflow else {
            throw context.fail("kernel_size \(settings.kernelSize) x dilation_rate \(settings.dilationRate) is larger than any input")
        }
        return settings
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let settings = try settings(layer, in: context)
        guard let input = inputs.first, input.count == 3 else { return nil }
        let length = input[1].map { length -> Int in
            if settings.padding == "valid" {
                return max(0, (length - settings.dilationRate * (settings.kernelSize - 1) - 1) / settings.strides + 1)
            }
            return (length + settings.strides - 1) / settings.strides
        }
        return [[input[0], length, settings.filters]]
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? {
        try settings(layer, in: context).useBias ? 2 : 1
    }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        let settings = try settings(layer, in: context)
        var bound = try WeightChecks.roles(entries, settings.useBias ? [.kernel, .bias] : [.kernel], context)
        let kernel = bound[0].shape
        if kernel.count == 3 {
            try WeightChecks.shape("kernel", kernel, [settings.kernelSize, inputShapes?.first?.last ?? nil, settings.filters], context)
            bound[0].meaning = "\(kernel[0]) taps x \(kernel[1]) input channels x \(kernel[2]) filters"
        }
        if settings.useBias { try WeightChecks.shape("bias", bound[1].shape, [settings.filters], context) }
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let settings = try settings(layer, in: context.reading)
        if let groups = try context.config.int("groups"), groups != 1 { throw context.fail("groups=\(groups) is not supported (only 1)") }
        if let format = try context.config.string("data_format"), format != "channels_last" {
            throw context.fail("data_format '\(format)' is not supported (only channels_last)")
        }
        do {
            return try Conv1D(name: context.engineName, kernel: context.required(.kernel), bias: context.tensor(.bias),
                              strides: settings.strides, padding: Conv1D.Padding(rawValue: settings.padding)!,
                              dilationRate: settings.dilationRate, activation: context.activation("activation"))
        } catch let error as EngineError {
            throw context.fail(error.message)
        }
    }
}
