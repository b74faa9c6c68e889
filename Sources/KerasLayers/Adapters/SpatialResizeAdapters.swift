import KerasCheckpoint
import ReplayEngine

/// `(before, after)` per spatial axis from a Keras padding / cropping value of any generation:
/// one integer for all, one per axis (symmetric), pairs per axis, or Keras 1's 2-D
/// `(top, bottom, left, right)` and `{top_pad, bottom_pad, left_pad, right_pad}`.
enum SpatialAmounts {
    static func parse(_ value: JSONValue?, rank: Int, key: String, in context: LayerContext) throws -> [(before: Int, after: Int)] {
        func fail() -> LayerError { context.fail("\(key) \(value?.jsonText ?? "null") is not a size per side of \(rank) spatial axes") }
        func size(_ value: JSONValue?) throws -> Int {
            guard let number = value?.int, (0...ShapeArithmetic.maxDimension).contains(number) else { throw fail() }
            return number
        }
        guard let value else { return Array(repeating: (1, 1), count: rank) }
        if let number = value.int {
            let amount = try size(.number(Double(number)))
            return Array(repeating: (amount, amount), count: rank)
        }
        if let object = value.object, rank == 2 {
            return [(try size(object["top_pad"]), try size(object["bottom_pad"])), (try size(object["left_pad"]), try size(object["right_pad"]))]
        }
        guard let list = value.array else { throw fail() }
        if rank == 1, list.count == 2, list.allSatisfy({ $0.int != nil }) { return [(try size(list[0]), try size(list[1]))] }
        if rank == 2, list.count == 4, list.allSatisfy({ $0.int != nil }) {
            return [(try size(list[0]), try size(list[1])), (try size(list[2]), try size(list[3]))]
        }
        guard list.count == rank else { throw fail() }
        return try list.map { element in
            if element.int != nil { let amount = try size(element); return (amount, amount) }
            guard let pair = element.array, pair.count == 2 else { throw fail() }
            return (try size(pair[0]), try size(pair[1]))
        }
    }
}

/// Keras `ZeroPadding1D/2D/3D` (`padding`; either data format). Engine layer: `ZeroPadding`.
struct ZeroPaddingAdapter: LayerAdapter {
    let classNames = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"]

    func amounts(_ layer: LayerDescription, _ layout: SpatialLayout, in context: LayerContext) throws -> [(before: Int, after: Int)] {
        try SpatialAmounts.parse(layer.config["padding"], rank: layout.rank, key: "padding", in: context)
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let layout = try SpatialLayout(layer, in: context)
        let amounts = try amounts(layer, layout, in: context)
        guard let input = inputs.first, let spatial = layout.spatial(input) else { return nil }
        return [layout.replacingSpatial(input, spatial.enumerated().map { axis, length in length.map { $0 + amounts[axis].before + amounts[axis].after } })]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let layout = try SpatialLayout(layer, in: context.reading)
        return ZeroPadding(name: context.engineName, padding: try amounts(layer, layout, in: context.reading), channelsFirst: layout.channelsFirst)
    }
}

/// Keras `Cropping1D/2D/3D` (`cropping`; either data format). Engine layer: `Cropping`.
struct CroppingAdapter: LayerAdapter {
    let classNames = ["Cropping1D", "Cropping2D", "Cropping3D"]

    func amounts(_ layer: LayerDescription, _ layout: SpatialLayout, in context: LayerContext) throws -> [(before: Int, after: Int)] {
        try SpatialAmounts.parse(layer.config["cropping"], rank: layout.rank, key: "cropping", in: context)
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let layout = try SpatialLayout(layer, in: context)
        let amounts = try amounts(layer, layout, in: context)
        guard let input = inputs.first, let spatial = layout.spatial(input) else { return nil }
        return [layout.replacingSpatial(input, spatial.enumerated().map { axis, length in length.map { max(0, $0 - amounts[axis].before - amounts[axis].after) } })]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let layout = try SpatialLayout(layer, in: context.reading)
        return Cropping(name: context.engineName, cropping: try amounts(layer, layout, in: context.reading), channelsFirst: layout.channelsFirst)
    }
}

/// Keras `UpSampling1D/2D/3D` (`size`, Keras 1 `length`; 2-D `interpolation` nearest or
/// bilinear — TensorFlow's half-pixel resize, or Theano's corner-aligned one for Keras 2 files
/// written on Theano; either data format). Engine layer: `UpSampling`.
struct UpSamplingAdapter: LayerAdapter {
    let classNames = ["UpSampling1D", "UpSampling2D", "UpSampling3D"]

    func size(_ layer: LayerDescription, _ layout: SpatialLayout, in context: LayerContext) throws -> [Int] {
        let size = SpatialLayout.perAxis(try context.config(of: layer).ints("size", "length"), rank: layout.rank, default: Array(repeating: 2, count: layout.rank))
        guard size.count == layout.rank, size.allSatisfy({ (1...ShapeArithmetic.maxDimension).contains($0) }) else {
            throw context.fail("size \(size) must be \(layout.rank) positive factors")
        }
        return size
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let layout = try SpatialLayout(layer, in: context)
        let size = try size(layer, layout, in: context)
        guard let input = inputs.first, let spatial = layout.spatial(input) else { return nil }
        return [layout.replacingSpatial(input, spatial.enumerated().map { axis, length in length.map { $0 * size[axis] } })]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let layout = try SpatialLayout(layer, in: context.reading)
        var interpolation = UpSampling.Interpolation(rawValue: try context.config.choice("interpolation", among: ["nearest", "bilinear"], default: "nearest"))!
        // Keras 2 on Theano: Theano's bilinear_upsampling (corners aligned), not TensorFlow's resize.
        if interpolation == .bilinear, context.version?.major == 2, context.version?.backend == "theano" { interpolation = .theanoBilinear }
        return UpSampling(name: context.engineName, size: try size(layer, layout, in: context.reading),
                          interpolation: interpolation, channelsFirst: layout.channelsFirst)
    }
}
