import KerasCheckpoint
import ReplayEngine

/// The spatial rank (1, 2, 3) a class name states (`MaxPooling2D` → 2), and its data format.
struct SpatialLayout {
    var rank: Int
    var channelsFirst: Bool

    init(_ layer: LayerDescription, in context: LayerContext) throws {
        let name = layer.className
        if name.contains("1D") { rank = 1 } else if name.contains("2D") { rank = 2 } else if name.contains("3D") { rank = 3 } else {
            throw context.fail("class name states no dimension (1D, 2D, 3D)")
        }
        let format = try context.config(of: layer).string("data_format", "dim_ordering") ?? "channels_last"
        guard ["channels_last", "channels_first", "tf", "th", "default"].contains(format) else {
            throw context.fail("data_format '\(format)' is not channels_last or channels_first")
        }
        channelsFirst = format == "channels_first" || format == "th"
    }

    /// The spatial sizes of an input shape, and where its channels are.
    func spatial(_ shape: TensorShape) -> [Int?]? {
        guard shape.count == rank + 2 else { return nil }
        return channelsFirst ? Array(shape[2...]) : Array(shape[1...rank])
    }

    /// A shape with new spatial sizes (channels, batch as in `input`).
    func replacingSpatial(_ input: TensorShape, _ spatial: [Int?]) -> TensorShape {
        channelsFirst ? [input[0], input[1]] + spatial : [input[0]] + spatial + [input[rank + 1]]
    }

    /// Per-axis integers from a config value that may be one integer or a list.
    static func perAxis(_ values: [Int]?, rank: Int, default fallback: [Int]) -> [Int] {
        guard let values else { return fallback }
        return values.count == 1 ? Array(repeating: values[0], count: rank) : values
    }
}

/// Keras `MaxPooling1D/2D/3D` and `AveragePooling1D/2D/3D` (aliases `MaxPool2D`, `AvgPool2D`, ...;
/// Keras 1 `pool_length`, `stride`, `border_mode`, `dim_ordering`), either data format. `same`
/// pads as TensorFlow does, or as Keras 1/2 did on Theano (`pool-2` before for odd pools above 2,
/// else `pool-1`); padded positions never count. Engine layer: `Pooling`.
struct PoolingAdapter: LayerAdapter {
    let classNames = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D",
                      "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D"]

    func settings(_ layer: LayerDescription, in context: LayerContext) throws -> (layout: SpatialLayout, pool: [Int], strides: [Int], same: Bool) {
        let layout = try SpatialLayout(layer, in: context)
        let config = context.config(of: layer)
        let pool = SpatialLayout.perAxis(try config.ints("pool_size", "pool_length"), rank: layout.rank, default: Array(repeating: 2, count: layout.rank))
        let strides = SpatialLayout.perAxis(try config.ints("strides", "stride"), rank: layout.rank, default: pool)
        guard pool.count == layout.rank, strides.count == layout.rank,
              (pool + strides).allSatisfy({ (1...ShapeArithmetic.maxDimension).contains($0) }) else {
            throw context.fail("pool_size \(pool) and strides \(strides) must be \(layout.rank) positive sizes")
        }
        let padding = try config.choice("padding", "border_mode", among: ["valid", "same"], default: "valid")
        return (layout, pool, strides, padding == "same")
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let (layout, pool, strides, same) = try settings(layer, in: context)
        guard let input = inputs.first, let spatial = layout.spatial(input) else { return nil }
        let out = spatial.enumerated().map { axis, length in
            length.map { WindowAxis(kernel: pool[axis], stride: strides[axis]).geometry($0, same ? .same : .valid).length }
        }
        return [layout.replacingSpatial(input, out)]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let (layout, pool, strides, same) = try settings(layer, in: context.reading)
        let theano = context.version.map { $0.major == 1 || ($0.major == 2 && $0.backend == "theano") } ?? false
        return Pooling(name: context.engineName, kindName: layer.className, kind: layer.className.hasPrefix("Max") ? .max : .average,
                       poolSize: pool, strides: strides, padding: same ? (theano ? .theanoPoolSame : .same) : .valid,
                       channelsFirst: layout.channelsFirst)
    }
}

/// Keras `GlobalMaxPooling1D/2D/3D` and `GlobalAveragePooling1D/2D/3D` (aliases `GlobalMaxPool2D`,
/// ...), with `keepdims` and either data format; the 1-D average honours a mask. Engine layer:
/// `GlobalPooling`.
struct GlobalPoolingAdapter: LayerAdapter {
    let classNames = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
                      "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
                      "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let layout = try SpatialLayout(layer, in: context)
        let keepdims = try context.config(of: layer).bool("keepdims", default: false)
        guard let input = inputs.first, input.count == layout.rank + 2 else { return nil }
        let channels = input[layout.channelsFirst ? 1 : layout.rank + 1]
        guard keepdims else { return [[input[0], channels]] }
        return [layout.replacingSpatial(input, Array(repeating: 1, count: layout.rank))]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let layout = try SpatialLayout(layer, in: context.reading)
        return GlobalPooling(name: context.engineName, kind: layer.className.hasPrefix("GlobalMax") ? .max : .average, spatialAxes: layout.rank,
                             keepdims: try context.config.bool("keepdims", default: false), channelsFirst: layout.channelsFirst)
    }
}

/// Keras 3 `AdaptiveAveragePooling1D/2D/3D` and `AdaptiveMaxPooling1D/2D/3D` (`output_size`), either
/// data format. Engine layer: `AdaptivePooling`.
struct AdaptivePoolingAdapter: LayerAdapter {
    let classNames = ["AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
                      "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D"]

    func outputSize(_ layer: LayerDescription, _ layout: SpatialLayout, in context: LayerContext) throws -> [Int] {
        let size = SpatialLayout.perAxis(try context.config(of: layer).ints("output_size"), rank: layout.rank, default: [])
        guard size.count == layout.rank, size.allSatisfy({ (1...ShapeArithmetic.maxDimension).contains($0) }) else {
            throw context.fail("output_size \(size) must be \(layout.rank) positive sizes")
        }
        return size
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let layout = try SpatialLayout(layer, in: context)
        let size = try outputSize(layer, layout, in: context)
        guard let input = inputs.first, input.count == layout.rank + 2 else { return nil }
        return [layout.replacingSpatial(input, size)]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let layout = try SpatialLayout(layer, in: context.reading)
        return AdaptivePooling(name: context.engineName, kind: layer.className.hasPrefix("AdaptiveMax") ? .max : .average,
                               outputSize: try outputSize(layer, layout, in: context.reading), channelsFirst: layout.channelsFirst)
    }
}
