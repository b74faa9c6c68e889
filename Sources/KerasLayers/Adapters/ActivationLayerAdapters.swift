import KerasCheckpoint
import ReplayEngine

/// Keras `ReLU` (`max_value`, `negative_slope`, `threshold`), `LeakyReLU` (`alpha`, Keras 3
/// `negative_slope`; default 0.3 before Keras 3, 0.2 in Keras 3) and `ThresholdedReLU`
/// (`theta`, default 1). Engine layer: `Rectifier`.
struct RectifierAdapter: LayerAdapter {
    let classNames = ["ReLU", "LeakyReLU", "ThresholdedReLU"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        let config = context.config
        switch layer.className {
        case "LeakyReLU":
            let fallback = context.version?.major ?? 3 >= 3 ? 0.2 : 0.3
            let slope = try config.number("negative_slope", "alpha", default: fallback)
            return Rectifier(name: context.engineName, kindName: "LeakyReLU", negativeSlope: Float(slope))
        case "ThresholdedReLU":
            return Rectifier(name: context.engineName, kindName: "ThresholdedReLU", threshold: Float(try config.number("theta", default: 1)))
        default:
            return Rectifier(name: context.engineName, negativeSlope: Float(try config.number("negative_slope", default: 0)),
                             maxValue: try config.optionalNumber("max_value").map(Float.init),
                             threshold: Float(try config.number("threshold", default: 0)))
        }
    }
}

/// Keras `ELU(alpha)`: `x > 0 ? x : alpha·(exp(x) - 1)`. Engine layer: `ExponentialLinear`.
struct ELUAdapter: LayerAdapter {
    let classNames = ["ELU"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        ExponentialLinear(name: context.engineName, alpha: Float(try context.config.number("alpha", default: 1)))
    }
}

/// Keras `PReLU`: a learned slope `alpha` of the input's shape without the batch axis, 1 along
/// `shared_axes`. Engine layer: `ParametricRectifier`.
struct PReLUAdapter: LayerAdapter {
    let classNames = ["PReLU"]

    func weightCount(of layer: LayerDescription, in context: LayerContext) throws -> Int? { 1 }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func storesWeights(_ layer: LayerDescription, in context: LayerContext) -> Bool { true }

    func bindWeights(_ entries: [WeightEntry], of layer: LayerDescription, inputShapes: [TensorShape]?,
                     in context: LayerContext) throws -> [BoundWeight] {
        var bound = try WeightChecks.roles(entries, [.other("alpha")], context)
        if let input = inputShapes?.first {
            // Keras 1 does not write shared_axes; its alpha has 1 on them all the same.
            let shared = try context.config(of: layer).ints("shared_axes")
            let sample = Array(input.dropFirst())
            let alpha = bound[0].shape
            let fits = alpha.count == sample.count && zip(alpha, sample).enumerated().allSatisfy { index, pair in
                let (stored, dimension) = pair
                if let shared { return stored == (shared.contains(index + 1) ? 1 : (dimension ?? stored)) }
                return stored == 1 || dimension == nil || stored == dimension
            }
            if !fits {
                let expected: [Int?] = sample.enumerated().map { shared?.contains($0.offset + 1) == true ? 1 : $0.element }
                try WeightChecks.shape("alpha", alpha, expected, explain: shared == nil ? " (or 1 on shared axes)" : " from shared_axes", context)
            }
        }
        bound[0].meaning = "one slope per " + (bound[0].shape.allSatisfy { $0 == 1 } ? "layer" : "input position, 1 on shared axes")
        return bound
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        ParametricRectifier(name: context.engineName, alpha: try context.required(.other("alpha")))
    }
}

/// Keras `Softmax(axis)` layer (one axis, or a list in Keras 3). Engine layer: `SoftmaxLayer`.
struct SoftmaxAdapter: LayerAdapter {
    let classNames = ["Softmax"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        SoftmaxLayer(name: context.engineName, axes: try context.config.ints("axis") ?? [-1])
    }
}
