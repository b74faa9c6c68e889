import KerasCheckpoint
import ReplayEngine

/// Keras `MaxPooling1D` / `AveragePooling1D` (aliases `MaxPool1D`, `AvgPool1D`; Keras 1
/// `pool_length`, `stride`, `border_mode`), channels last. Engine layer: `Pooling1D`.
struct Pooling1DAdapter: LayerAdapter {
    let classNames = ["MaxPooling1D", "MaxPool1D", "AveragePooling1D", "AvgPool1D"]

    func settings(_ layer: LayerDescription, in context: LayerContext) throws -> (pool: Int, strides: Int, same: Bool) {
        let config = context.config(of: layer)
        let limit = 1...ShapeArithmetic.maxDimension
        let pool = try config.firstInt("pool_size", "pool_length", in: limit) ?? 2
        let strides = try config.firstInt("strides", "stride", in: limit) ?? pool
        let padding = try config.choice("padding", "border_mode", among: ["valid", "same"], default: "valid")
        if let format = try config.string("data_format"), format != "channels_last" {
            throw context.fail("data_format '\(format)' is not supported (only channels_last)")
        }
        return (pool, strides, padding == "same")
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let (pool, strides, same) = try settings(layer, in: context)
        guard let input = inputs.first, input.count == 3 else { return nil }
        let length = input[1].map { length in same ? (length + strides - 1) / strides : max(0, (length - pool) / strides + 1) }
        return [[input[0], length, input[2]]]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let (pool, strides, same) = try settings(layer, in: context.reading)
        return Pooling1D(name: context.engineName, kind: layer.className.hasPrefix("Max") ? .max : .average,
                         poolSize: pool, strides: strides, padding: same ? .same : .valid)
    }
}

/// Keras `GlobalMaxPooling1D` / `GlobalAveragePooling1D` (aliases `GlobalMaxPool1D`,
/// `GlobalAvgPool1D`), with `keepdims`. Engine layer: `GlobalPooling1D`.
struct GlobalPooling1DAdapter: LayerAdapter {
    let classNames = ["GlobalMaxPooling1D", "GlobalMaxPool1D", "GlobalAveragePooling1D", "GlobalAvgPool1D"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let keepdims = try context.config(of: layer).bool("keepdims", default: false)
        guard let input = inputs.first, input.count == 3 else { return nil }
        return keepdims ? [[input[0], 1, input[2]]] : [[input[0], input[2]]]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        GlobalPooling1D(name: context.engineName, kind: layer.className.hasPrefix("GlobalMax") ? .max : .average,
                        keepdims: try context.config.bool("keepdims", default: false))
    }
}
