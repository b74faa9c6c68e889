import KerasCheckpoint
import ReplayEngine

/// What one operation node computes, whoever wrote it: Keras 3 (`ops.Add` nodes) or tf-keras
/// (`TFOpLambda` with `function: "math.add"`). Gives the output shape and the engine layer.
enum OperationSpec {
    case binary(BinaryOperation.Function, BinaryOperation.Operand, BinaryOperation.Operand)
    case unary(UnaryOperation.Function)
    case rectifier(slope: Float, maxValue: Float?, threshold: Float)
    case exponentialLinear(alpha: Float)
    case reduction(Reduction.Function, axes: [Int]?, keepdims: Bool)
    case shape(ShapeOperation.Function)
    case join(axis: Int, stacks: Bool)
    case matmul(transposeA: Bool, transposeB: Bool, constant: Tensor?, constantFirst: Bool)
    case slice([SliceOperation.Item])

    func makeLayer(name: String, kindName: String) -> any Layer {
        switch self {
        case .binary(let function, let a, let b): return BinaryOperation(name: name, kindName: kindName, function: function, operands: (a, b))
        case .unary(let function): return UnaryOperation(name: name, kindName: kindName, function: function)
        case .rectifier(let slope, let maxValue, let threshold):
            return Rectifier(name: name, kindName: kindName, negativeSlope: slope, maxValue: maxValue, threshold: threshold)
        case .exponentialLinear(let alpha): return ExponentialLinear(name: name, alpha: alpha)
        case .reduction(let function, let axes, let keepdims):
            return Reduction(name: name, kindName: kindName, function: function, axes: axes, keepdims: keepdims)
        case .shape(let function): return ShapeOperation(name: name, kindName: kindName, function: function)
        case .join(let axis, let stacks): return JoinOperation(name: name, kindName: kindName, axis: axis, stacks: stacks)
        case .matmul(let transposeA, let transposeB, let constant, let constantFirst):
            return MatrixProduct(name: name, kindName: kindName, transposeA: transposeA, transposeB: transposeB, constant: constant, constantFirst: constantFirst)
        case .slice(let items): return SliceOperation(name: name, kindName: kindName, items: items)
        }
    }

    /// The output shape for the tensor inputs' shapes (nil dimensions unknown).
    func outputShape(_ inputs: [TensorShape]) -> TensorShape? {
        switch self {
        case .binary(_, let a, let b):
            var remaining = inputs[...]
            func shape(_ operand: BinaryOperation.Operand) -> TensorShape? {
                if case .constant(let value) = operand { return value.shape.map { $0 } }
                return remaining.popFirst()
            }
            guard let left = shape(a), let right = shape(b) else { return nil }
            return Self.broadcast(left, right)
        case .unary, .rectifier, .exponentialLinear:
            return inputs.first
        case .reduction(_, let axes, let keepdims):
            guard let input = inputs.first else { return nil }
            let reduced = Set((axes ?? Array(0..<input.count)).map { $0 < 0 ? $0 + input.count : $0 })
            return keepdims ? input.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
                            : input.enumerated().filter { !reduced.contains($0.offset) }.map(\.element)
        case .shape(let function):
            guard let input = inputs.first else { return nil }
            switch function {
            case .reshape(let target):
                var result: TensorShape = target.map { $0 == -1 ? nil : $0 }
                if let unknown = target.firstIndex(of: -1), input.allSatisfy({ $0 != nil }) {
                    let known = target.filter { $0 != -1 }.reduce(1, *)
                    result[unknown] = known > 0 ? input.reduce(1) { $0 * $1! } / known : nil
                } else if let unknown = target.firstIndex(of: -1), unknown == 0, input.first == nil {
                    result[0] = nil
                }
                return result
            case .transpose(let permutation):
                let order = permutation?.map { $0 < 0 ? $0 + input.count : $0 } ?? Array((0..<input.count).reversed())
                guard order.allSatisfy({ $0 >= 0 && $0 < input.count }) else { return nil }
                return order.map { input[$0] }
            case .expandDims(let axis):
                var result = input
                let resolved = axis < 0 ? axis + input.count + 1 : axis
                guard resolved >= 0, resolved <= input.count else { return nil }
                result.insert(1, at: resolved)
                return result
            case .squeeze(let axes):
                let resolved = Set(axes?.map { $0 < 0 ? $0 + input.count : $0 } ?? input.indices.filter { input[$0] == 1 })
                return input.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)
            case .swapAxes(let a, let b):
                var result = input
                let first = a < 0 ? a + input.count : a, second = b < 0 ? b + input.count : b
                guard result.indices.contains(first), result.indices.contains(second) else { return nil }
                result.swapAt(first, second)
                return result
            }
        case .join(let axis, let stacks):
            guard let first = inputs.first else { return nil }
            if stacks {
                var result = first
                let resolved = axis < 0 ? axis + first.count + 1 : axis
                guard resolved >= 0, resolved <= first.count else { return nil }
                result.insert(inputs.count, at: resolved)
                return result
            }
            let resolved = axis < 0 ? axis + first.count : axis
            guard resolved >= 0, resolved < first.count else { return nil }
            var result = first
            result[resolved] = inputs.reduce(0) { total, shape in
                guard let total, let dimension = shape[safe: resolved] ?? nil else { return nil }
                return total + dimension
            }
            return result
        case .matmul(let transposeA, let transposeB, let constant, let constantFirst):
            var operands = inputs
            if let constant { operands.insert(constant.shape.map { $0 }, at: constantFirst ? 0 : operands.count) }
            guard operands.count == 2, operands[0].count >= 2, operands[1].count >= 2 else { return nil }
            var a = operands[0], b = operands[1]
            if transposeA { a.swapAt(a.count - 1, a.count - 2) }
            if transposeB { b.swapAt(b.count - 1, b.count - 2) }
            guard let batch = Self.broadcast(Array(a.dropLast(2)), Array(b.dropLast(2))) else { return nil }
            return batch + [a[a.count - 2], b[b.count - 1]]
        case .slice(let items):
            guard let input = inputs.first else { return nil }
            let consuming = items.filter { item in
                switch item { case .newAxis, .ellipsis: return false; default: return true }
            }.count
            var result: TensorShape = []
            var axis = 0
            var expanded: [SliceOperation.Item] = []
            for item in items {
                if case .ellipsis = item { expanded += Array(repeating: .range(start: nil, stop: nil, step: nil), count: max(0, input.count - consuming)) }
                else { expanded.append(item) }
            }
            if !items.contains(.ellipsis) { expanded += Array(repeating: .range(start: nil, stop: nil, step: nil), count: max(0, input.count - consuming)) }
            for item in expanded {
                switch item {
                case .newAxis: result.append(1)
                case .index: axis += 1
                case .range(let start, let stop, let step):
                    guard axis < input.count else { return nil }
                    if let size = input[axis] {
                        let probe = SliceOperation.Item.range(start: start, stop: stop, step: step)
                        result.append(Self.sliceLength(probe, size: size))
                    } else {
                        result.append(start == nil && stop == nil && (step ?? 1) == 1 ? nil : nil)
                    }
                    axis += 1
                case .ellipsis: break
                }
            }
            return result
        }
    }

    static func sliceLength(_ item: SliceOperation.Item, size: Int) -> Int {
        guard case .range(let start, let stop, let step) = item else { return 1 }
        let stride = step ?? 1
        func clamp(_ value: Int?, _ fallback: Int, low: Int, high: Int) -> Int {
            guard var value else { return fallback }
            if value < 0 { value += size }
            return min(max(value, low), high)
        }
        if stride > 0 {
            let begin = clamp(start, 0, low: 0, high: size), end = clamp(stop, size, low: 0, high: size)
            return end > begin ? (end - begin + stride - 1) / stride : 0
        }
        let begin = clamp(start, size - 1, low: -1, high: size - 1), end = clamp(stop, -1, low: -1, high: size - 1)
        return begin > end ? (begin - end - stride - 1) / -stride : 0
    }

    static func broadcast(_ a: TensorShape, _ b: TensorShape) -> TensorShape? {
        let rank = max(a.count, b.count)
        let pa = TensorShape(repeating: 1, count: rank - a.count) + a, pb = TensorShape(repeating: 1, count: rank - b.count) + b
        var result: TensorShape = []
        for (x, y) in zip(pa, pb) {
            switch (x, y) {
            case (1?, _): result.append(y)
            case (_, 1?): result.append(x)
            case (nil, _): result.append(y)
            case (_, nil): result.append(x)
            case (let x?, let y?): guard x == y else { return nil }; result.append(x)
            }
        }
        return result
    }

    /// A number or nested list of numbers written in a config, as a tensor (a number: rank 0).
    static func constant(_ value: JSONValue) -> Tensor? {
        if let number = value.number { return Tensor(shape: [], scalars: [Float(number)]) }
        if let flag = value.bool { return Tensor(shape: [], scalars: [flag ? 1 : 0]) }
        func flatten(_ value: JSONValue) -> (shape: [Int], scalars: [Float])? {
            if let number = value.number { return ([], [Float(number)]) }
            guard let list = value.array, !list.isEmpty else { return nil }
            let parts = list.compactMap(flatten)
            guard parts.count == list.count, Set(parts.map(\.shape)).count == 1 else { return nil }
            return ([list.count] + parts[0].shape, parts.flatMap(\.scalars))
        }
        return flatten(value).map { Tensor(shape: $0.shape, scalars: $0.scalars) }
    }

    /// Slice items as Keras 3 (`{"class_name": "__slice__", "config": {...}}`, `__ellipsis__`,
    /// integers, null for a new axis) or tf-keras (`{"start", "stop", "step"}`) write them.
    static func sliceItems(_ value: JSONValue) -> [SliceOperation.Item]? {
        let list = value.array ?? [value]
        var items: [SliceOperation.Item] = []
        for element in list {
            if element.isNull { items.append(.newAxis); continue }
            if let index = element.int { items.append(.index(index)); continue }
            if element["class_name"]?.string == "__ellipsis__" { items.append(.ellipsis); continue }
            let config = element["class_name"]?.string == "__slice__" ? element["config"] : element
            guard let config, config.object != nil else { return nil }
            func bound(_ key: String) -> Int?? {
                guard let value = config[key], !value.isNull else { return .some(nil) }
                return value.int.map { .some($0) } ?? nil
            }
            guard let start = bound("start"), let stop = bound("stop"), let step = bound("step") else { return nil }
            items.append(.range(start: start, stop: stop, step: step))
        }
        return items
    }
}

/// The operations both Keras 3 (`keras.ops.*`, activation functions) and tf-keras (`tf.*`) name.
enum OperationNames {
    static let binary: [String: BinaryOperation.Function] = [
        "Add": .add, "Subtract": .subtract, "Multiply": .multiply, "Divide": .divide, "TrueDivide": .divide,
        "Maximum": .maximum, "Minimum": .minimum, "Power": .power, "FloorDivide": .floorDivide, "Mod": .mod,
    ]
    static let unary: [String: UnaryOperation.Function] = [
        "Absolute": .absolute, "Abs": .absolute, "Negative": .negative, "Square": .square, "Sqrt": .sqrt, "Exp": .exp,
        "Log": .log, "Log1p": .log1p, "Expm1": .expm1, "Reciprocal": .reciprocal, "Sign": .sign, "Floor": .floor,
        "Ceil": .ceil, "Round": .round, "Sin": .sin, "Cos": .cos, "Rsqrt": .rsqrt,
        "Tanh": .activation(.tanh), "Sigmoid": .activation(.sigmoid), "Relu": .activation(.relu), "Relu6": .activation(.relu6),
        "Softplus": .activation(.softplus), "Softsign": .activation(.softsign), "Silu": .activation(.swish), "Swish": .activation(.swish),
        "Selu": .activation(.selu), "Mish": .activation(.mish), "LogSigmoid": .activation(.logSigmoid), "Celu": .activation(.celu),
        "HardTanh": .activation(.hardTanh), "SoftShrink": .activation(.softShrink), "HardShrink": .activation(.hardShrink),
        "TanhShrink": .activation(.tanhShrink), "SparsePlus": .activation(.sparsePlus), "SquarePlus": .activation(.squarePlus),
        "Cast": .identity, "Identity": .identity,
    ]
}

/// Keras 3 operation nodes of functional graphs (`keras.ops.add(x, 1.0)`, `ops.reshape`,
/// `x[:, 1:3]`, `keras.activations.relu(x)`), named `ops.Add`, `ops.Reshape`, ... Arguments are
/// the call's tensors and constants in order; options are in the node's config. An operation
/// keras-replay does not replay is refused by its name. Engine layers: `BinaryOperation`,
/// `UnaryOperation`, `Reduction`, `ShapeOperation`, `JoinOperation`, `MatrixProduct`, `SliceOperation`.
struct KerasOperationAdapter: LayerAdapter {
    static let names: [String] = Array(OperationNames.binary.keys) + Array(OperationNames.unary.keys) + [
        "ReLU", "Gelu", "Elu", "LeakyRelu", "HardSigmoid", "HardSilu", "HardSwish", "Softmax", "LogSoftmax", "Clip",
        "Mean", "Sum", "Max", "Min", "Prod", "Reshape", "Transpose", "ExpandDims", "Squeeze", "Swapaxes",
        "Concatenate", "Stack", "Matmul", "GetItem",
    ]
    var classNames: [String] { Self.names.map { LayerDescription.operationPrefix + $0 } }

    func spec(_ layer: LayerDescription, call: InboundNode?, in context: LayerContext) throws -> OperationSpec {
        let name = String(layer.className.dropFirst(LayerDescription.operationPrefix.count))
        let config = context.config(of: layer)
        let arguments = call?.arguments ?? []
        func operand(_ index: Int) throws -> BinaryOperation.Operand {
            guard index < arguments.count else { throw context.fail("expected 2 arguments, found \(arguments.count)") }
            switch arguments[index] {
            case .tensor: return .input
            case .constant(let value):
                guard let tensor = OperationSpec.constant(value) else { throw context.fail("argument \(index + 1) expected a number or an array, found \(value.jsonText.prefix(40))") }
                return .constant(tensor)
            }
        }
        func constantNumber(_ index: Int) -> Float? {
            guard index < arguments.count, case .constant(let value) = arguments[index] else { return nil }
            return value.number.map(Float.init)
        }
        if let function = OperationNames.binary[name] { return .binary(function, try operand(0), try operand(1)) }
        if let function = OperationNames.unary[name] { return .unary(function) }
        switch name {
        case "ReLU":
            return .rectifier(slope: Float(try config.number("negative_slope", default: 0)), maxValue: try config.optionalNumber("max_value").map(Float.init),
                              threshold: Float(try config.number("threshold", default: 0)))
        case "Gelu": return .unary(.activation(.gelu(approximate: try config.bool("approximate", default: true))))
        case "Elu": return .exponentialLinear(alpha: Float(try config.number("alpha", default: 1)))
        case "LeakyRelu": return .unary(.activation(.leakyRelu(negativeSlope: Float(try config.number("negative_slope", default: 0.2)))))
        case "HardSigmoid": return .unary(.activation(.hardSigmoid(.keras3)))
        case "HardSilu", "HardSwish": return .unary(.activation(.hardSilu(nil)))
        case "Softmax": return .unary(.activation(.softmax(axis: try config.int("axis") ?? -1)))
        case "LogSoftmax": return .unary(.activation(.logSoftmax(axis: try config.int("axis") ?? -1)))
        case "Clip":
            let configLow = try config.optionalNumber("x_min").map(Float.init), configHigh = try config.optionalNumber("x_max").map(Float.init)
            guard let low = constantNumber(1) ?? configLow, let high = constantNumber(2) ?? configHigh else {
                throw context.fail("expected clip bounds as numbers")
            }
            return .unary(.clip(minimum: low, maximum: high))
        case "Mean": return .reduction(.mean, axes: try config.ints("axis"), keepdims: try config.bool("keepdims", default: false))
        case "Sum": return .reduction(.sum, axes: try config.ints("axis"), keepdims: try config.bool("keepdims", default: false))
        case "Max": return .reduction(.max, axes: try config.ints("axis"), keepdims: try config.bool("keepdims", default: false))
        case "Min": return .reduction(.min, axes: try config.ints("axis"), keepdims: try config.bool("keepdims", default: false))
        case "Prod": return .reduction(.prod, axes: try config.ints("axis"), keepdims: try config.bool("keepdims", default: false))
        case "Reshape":
            guard let shape = try config.ints("newshape", "new_shape") else { throw context.fail("config has no 'newshape'") }
            return .shape(.reshape(shape))
        case "Transpose": return .shape(.transpose(try config.ints("axes")))
        case "ExpandDims":
            guard let axis = try config.ints("axis")?.first else { throw context.fail("config has no 'axis'") }
            return .shape(.expandDims(axis))
        case "Squeeze": return .shape(.squeeze(try config.ints("axis")))
        case "Swapaxes": return .shape(.swapAxes(try config.int("axis1") ?? 0, try config.int("axis2") ?? 1))
        case "Concatenate": return .join(axis: try config.int("axis") ?? 0, stacks: false)
        case "Stack": return .join(axis: try config.int("axis") ?? 0, stacks: true)
        case "Matmul":
            let first = try operand(0), second = try operand(1)
            switch (first, second) {
            case (.constant(let value), .input): return .matmul(transposeA: false, transposeB: false, constant: value, constantFirst: true)
            case (.input, .constant(let value)): return .matmul(transposeA: false, transposeB: false, constant: value, constantFirst: false)
            default: return .matmul(transposeA: false, transposeB: false, constant: nil, constantFirst: false)
            }
        case "GetItem":
            guard arguments.count >= 2, case .constant(let key) = arguments[1], let items = OperationSpec.sliceItems(key) else {
                throw context.fail("expected a slice key, found none")
            }
            return .slice(items)
        default:
            throw context.fail("keras.ops.\(name) is not an operation keras-replay replays")
        }
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        try spec(layer, call: layer.inboundNodes.first, in: context).outputShape(inputs).map { [$0] }
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        try spec(layer, call: context.call, in: context.reading).makeLayer(name: context.engineName, kindName: layer.className)
    }
}

/// tf-keras `TFOpLambda` and `SlicingOpLambda` layers: a TensorFlow function (`function:
/// "math.add"`) called on Keras tensors. The first tensor comes positionally, the function's
/// other arguments by their TensorFlow names (`y`, `b`, `axis`, `shape`, `perm`, `slice_spec`).
/// A function keras-replay does not replay is refused by its name. Engine layers: as `ops.*`.
struct TFOpLambdaAdapter: LayerAdapter {
    let classNames = ["TFOpLambda", "SlicingOpLambda"]

    static let binary: [String: BinaryOperation.Function] = [
        "math.add": .add, "__operators__.add": .add, "math.add_v2": .add, "math.subtract": .subtract, "__operators__.sub": .subtract,
        "math.multiply": .multiply, "__operators__.mul": .multiply, "math.truediv": .divide, "math.divide": .divide,
        "__operators__.truediv": .divide, "math.maximum": .maximum, "math.minimum": .minimum, "math.pow": .power,
        "__operators__.pow": .power, "math.floordiv": .floorDivide, "__operators__.floordiv": .floorDivide,
        "math.squared_difference": .squaredDifference, "math.floormod": .mod, "__operators__.mod": .mod,
    ]
    static let unary: [String: UnaryOperation.Function] = [
        "math.abs": .absolute, "math.negative": .negative, "__operators__.neg": .negative, "math.square": .square,
        "math.sqrt": .sqrt, "math.exp": .exp, "math.log": .log, "math.log1p": .log1p, "math.expm1": .expm1,
        "math.reciprocal": .reciprocal, "math.sign": .sign, "math.floor": .floor, "math.ceil": .ceil, "math.round": .round,
        "math.sin": .sin, "math.cos": .cos, "math.rsqrt": .rsqrt, "math.sigmoid": .activation(.sigmoid), "nn.sigmoid": .activation(.sigmoid),
        "math.tanh": .activation(.tanh), "nn.tanh": .activation(.tanh), "nn.relu": .activation(.relu), "nn.relu6": .activation(.relu6),
        "math.softplus": .activation(.softplus), "nn.softplus": .activation(.softplus), "nn.softsign": .activation(.softsign),
        "math.softsign": .activation(.softsign), "nn.silu": .activation(.swish), "nn.swish": .activation(.swish), "nn.selu": .activation(.selu),
        "nn.elu": .activation(.elu), "identity": .identity, "cast": .identity, "math.log_sigmoid": .activation(.logSigmoid),
    ]

    func spec(_ layer: LayerDescription, call: InboundNode?, in context: LayerContext) throws -> OperationSpec {
        guard let function = try context.config(of: layer).string("function") else { throw context.fail("config has no 'function'") }
        let options = call?.options ?? [:]
        let keywords = call?.keywordTensors ?? [:]
        func option(_ name: String) -> JSONValue? { options[name].flatMap { $0.isNull ? nil : $0 } }
        func int(_ name: String) -> Int? { option(name)?.int }
        func ints(_ name: String) -> [Int]? { option(name)?.int.map { [$0] } ?? option(name)?.array?.compactMap(\.int) }
        func flag(_ name: String) -> Bool { option(name)?.bool ?? false }
        func second(_ names: String...) throws -> BinaryOperation.Operand {
            for name in names {
                if keywords[name] != nil { return .input }
                if let value = option(name) {
                    guard let tensor = OperationSpec.constant(value) else { throw context.fail("argument '\(name)' expected a number or an array, found \(value.jsonText.prefix(40))") }
                    return .constant(tensor)
                }
            }
            // Both operands positional (a list call): the second tensor.
            if (call?.tensorArguments.count ?? 0) >= 2 { return .input }
            throw context.fail("\(function): expected a second operand (\(names.joined(separator: " or "))), found none")
        }
        if let binary = Self.binary[function] { return .binary(binary, .input, try second("y")) }
        if let unary = Self.unary[function] { return .unary(unary) }
        switch function {
        case "nn.gelu": return .unary(.activation(.gelu(approximate: flag("approximate"))))
        case "nn.leaky_relu": return .unary(.activation(.leakyRelu(negativeSlope: Float(option("alpha")?.number ?? 0.2))))
        case "nn.softmax", "math.softmax": return .unary(.activation(.softmax(axis: int("axis") ?? -1)))
        case "nn.log_softmax", "math.log_softmax": return .unary(.activation(.logSoftmax(axis: int("axis") ?? -1)))
        case "clip_by_value":
            guard let low = option("clip_value_min")?.number, let high = option("clip_value_max")?.number else {
                throw context.fail("clip_by_value: expected numeric bounds")
            }
            return .unary(.clip(minimum: Float(low), maximum: Float(high)))
        case "math.reduce_mean": return .reduction(.mean, axes: ints("axis"), keepdims: flag("keepdims"))
        case "math.reduce_sum": return .reduction(.sum, axes: ints("axis"), keepdims: flag("keepdims"))
        case "math.reduce_max": return .reduction(.max, axes: ints("axis"), keepdims: flag("keepdims"))
        case "math.reduce_min": return .reduction(.min, axes: ints("axis"), keepdims: flag("keepdims"))
        case "math.reduce_prod": return .reduction(.prod, axes: ints("axis"), keepdims: flag("keepdims"))
        case "reshape":
            guard let shape = ints("shape") else { throw context.fail("reshape: expected a constant shape") }
            return .shape(.reshape(shape))
        case "compat.v1.transpose", "transpose", "linalg.transpose":
            return .shape(.transpose(ints("perm")))
        case "expand_dims":
            guard let axis = int("axis") else { throw context.fail("expand_dims: expected an axis") }
            return .shape(.expandDims(axis))
        case "compat.v1.squeeze", "squeeze": return .shape(.squeeze(ints("axis") ?? ints("squeeze_dims")))
        case "concat": return .join(axis: int("axis") ?? 0, stacks: false)
        case "stack": return .join(axis: int("axis") ?? 0, stacks: true)
        case "linalg.matmul", "matmul":
            var constant: Tensor?
            if keywords["b"] == nil, (call?.tensorArguments.count ?? 0) < 2 {
                guard let value = option("b"), let tensor = OperationSpec.constant(value) else { throw context.fail("matmul: expected an operand b") }
                constant = tensor
            }
            return .matmul(transposeA: flag("transpose_a") || flag("adjoint_a"), transposeB: flag("transpose_b") || flag("adjoint_b"),
                           constant: constant, constantFirst: false)
        case "__operators__.getitem":
            guard let spec = option("slice_spec"), let items = OperationSpec.sliceItems(spec) else {
                throw context.fail("getitem: expected a constant slice")
            }
            return .slice(items)
        default:
            throw context.fail("tf.\(function) is not a TensorFlow function keras-replay replays")
        }
    }

    /// The first tensor, then the function's other tensor arguments (`y`, `b`, ...).
    func callArguments(_ call: InboundNode, of layer: LayerDescription, in context: LayerContext) throws -> [InboundArgument] {
        call.tensorArguments.map { .tensor($0) } + ["y", "b"].compactMap { call.keywordTensors[$0].map { .tensor($0) } }
    }

    func outputShapes(of layer: LayerDescription, inputs: [TensorShape], in context: LayerContext) throws -> [TensorShape]? {
        try spec(layer, call: layer.inboundNodes.first, in: context).outputShape(inputs).map { [$0] }
    }

    func makeLayer(_ layer: LayerDescription, in context: BuildContext) throws -> any Layer {
        try spec(layer, call: context.call, in: context.reading).makeLayer(name: context.engineName, kindName: "tf.\(try context.config.string("function") ?? "")")
    }
}
