import KerasCheckpoint
import ReplayEngine

/// Keras `Activation(name)`: any built-in activation, with `hard_sigmoid` as the file's Keras
/// meant it. Engine layer: `ActivationLayer`.
struct ActivationAdapter: LayerAdapter {
    let classNames = ["Activation"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first else { return nil }
        switch try context.config(of: layer).activationName(["activation"]) {
        case "glu"?: return [Array(input.dropLast()) + [input.last!.map { $0 / 2 }]]
        case "crelu"?: return [Array(input.dropLast()) + [input.last!.map { $0 * 2 }]]
        default: return [input]
        }
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        ActivationLayer(name: context.engineName, activation: try context.activation("activation"))
    }
}

/// Keras `Masking(mask_value)`: a step whose features all equal the value is masked. Engine layer: `Masking`.
struct MaskingAdapter: LayerAdapter {
    let classNames = ["Masking"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        Masking(name: context.engineName, maskValue: Float(try context.config.number("mask_value", default: 0)))
    }
}

/// Keras `InputLayer`: the declared input shape. The graph feeds it; there is nothing to run.
struct InputLayerAdapter: LayerAdapter {
    let classNames = ["InputLayer"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let shape = ShapeInference.declaredInputShape(layer.config) else { return nil }
        // A hostile config can declare sizes whose product overflows; name the key that says so.
        var product = 1
        for dimension in shape.dropFirst() {
            guard let dimension else { continue }
            let (next, overflow) = product.multipliedReportingOverflow(by: max(dimension, 1))
            guard !overflow, next <= ShapeInference.maxElementsPerSample else {
                let key = ["batch_shape", "batch_input_shape", "shape"].first { layer.config[$0] != nil } ?? "batch_shape"
                throw context.fail("config '\(key)' declares \(formatShape(shape)), more than 2^40 values per sample")
            }
            product = next
        }
        return [shape]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        throw context.fail("an input layer is fed by the model's input, not called")
    }
}

/// Layers whose computation is Python code stored in the file (`Lambda`): listed by `inspect`,
/// never run.
struct PythonCodeAdapter: LayerAdapter {
    let classNames = ["Lambda"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? { nil }

    func details(of layer: LayerDescription, in context: LayerContext) -> LayerDetails {
        LayerDetails(notes: ["holds Python code: never run, so predict and gates refuse this model"])
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        throw context.fail("holds Python code; keras-replay never runs code from a file, so this model cannot be replayed")
    }
}
