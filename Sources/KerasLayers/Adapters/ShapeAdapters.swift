import KerasCheckpoint
import ReplayEngine

/// Keras `Flatten`: `(batch, d1, d2, ...)` → `(batch, d1·d2·...)`. Engine layer: `Flatten`.
struct FlattenAdapter: LayerAdapter {
    let classNames = ["Flatten"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first, let batch = input.first else { return nil }
        return [[batch, try ShapeArithmetic.product(input.dropFirst(), context)]]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        Flatten(name: context.engineName)
    }
}

/// Keras `Reshape(target_shape)`, one entry may be -1. Engine layer: `Reshape`.
struct ReshapeAdapter: LayerAdapter {
    let classNames = ["Reshape"]

    func target(_ layer: LayerDescription, in context: LayerContext) throws -> [Int] {
        guard let target = try context.config(of: layer).ints("target_shape"),
              target.allSatisfy({ $0 == -1 || (0...ShapeArithmetic.maxDimension).contains($0) }),
              target.filter({ $0 == -1 }).count <= 1 else {
            throw context.fail("config 'target_shape' expected a list of sizes (one may be -1), found \(layer.config["target_shape"]?.jsonText ?? "none")")
        }
        return target
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first, let batch = input.first else { return nil }
        let target = try target(layer, in: context)
        var resolved: TensorShape = target.map { $0 == -1 ? nil : $0 }
        if let unknown = target.firstIndex(of: -1), let total = try ShapeArithmetic.product(input.dropFirst(), context) {
            let rest = target.filter { $0 != -1 }.reduce(1, *)
            resolved[unknown] = rest > 0 ? total / rest : nil
        }
        return [[batch] + resolved]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        Reshape(name: context.engineName, targetShape: try target(layer, in: context.reading))
    }
}

/// Keras `Permute(dims)`, 1-based axes without the batch. Engine layer: `Permute`.
struct PermuteAdapter: LayerAdapter {
    let classNames = ["Permute"]

    func dims(_ layer: LayerDescription, in context: LayerContext) throws -> [Int] {
        guard let dims = try context.config(of: layer).ints("dims"), !dims.isEmpty, Set(dims) == Set(1...dims.count) else {
            throw context.fail("config 'dims' expected a permutation of 1...n, found \(layer.config["dims"]?.jsonText ?? "none")")
        }
        return dims
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        guard let input = inputs.first else { return nil }
        let dims = try dims(layer, in: context)
        guard dims.count == input.count - 1 else { return nil }
        return [[input[0]] + dims.map { input[$0] }]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        Permute(name: context.engineName, dims: try dims(layer, in: context.reading))
    }
}

/// Keras `RepeatVector(n)`: `(batch, features)` → `(batch, n, features)`. Engine layer: `RepeatVector`.
struct RepeatVectorAdapter: LayerAdapter {
    let classNames = ["RepeatVector"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        let count = try context.config(of: layer).int("n", in: 1...ShapeArithmetic.maxDimension)
        guard let input = inputs.first, input.count == 2 else { return nil }
        return [[input[0], count, input[1]]]
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        RepeatVector(name: context.engineName, count: try context.config.int("n", in: 1...ShapeArithmetic.maxDimension))
    }
}

/// Layers that are the identity at inference: dropout and noise, and the image augmentation
/// layers whose inference output the samples show to be their input (`RandomFlip`,
/// `RandomRotation`, `RandomZoom`, `RandomContrast`, `RandomTranslation`; not `RandomCrop`,
/// which crops the centre). Engine layer: `InferenceIdentity`.
struct InferenceIdentityAdapter: LayerAdapter {
    let classNames = ["Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
                      "AlphaDropout", "ActivityRegularization",
                      "RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation"]

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        sameShape(inputs)
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        InferenceIdentity(name: context.engineName, kerasClass: layer.className)
    }
}

/// Size arithmetic on shapes from configs, which a hostile file can make overflow.
enum ShapeArithmetic {
    /// No dimension of a model anyone replays is larger.
    static let maxDimension = 1 << 31

    /// The product of known dimensions (nil if one is unknown), refused beyond 2^40.
    static func product<S: Sequence>(_ dimensions: S, _ context: LayerContext) throws -> Int? where S.Element == Int? {
        var total = 1
        for dimension in dimensions {
            guard let dimension else { return nil }
            let (next, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow, next <= ShapeInference.maxElementsPerSample else {
                throw context.fail("input holds more than 2^40 values per sample")
            }
            total = next
        }
        return total
    }
}
