import HDF5
import KerasCheckpoint

/// Everything that differs between two checkpoints: figures for every weight tensor and, for
/// recurrent kernels, recurrent kernels and biases, every gate block (per Bidirectional direction),
/// plus the structural differences found on the way.
///
/// The first file (`a`, the earlier epoch) is the reference: deltas are `b - a`, relative change is
/// `||b - a|| / ||a||`, and the tolerance scales with `|a|`.
///
/// Weights are matched by layer name, then by role and direction (see `TensorKey`), not by stored
/// dataset name, so files from different Keras generations compare. Only one tensor from each file
/// is in memory at a time.
public struct CheckpointComparison: Sendable {
    public var fileA: String
    public var fileB: String
    public var tolerance: DiffTolerance
    /// In model order (layer_names of the first file, then layers only in the second); each tensor's
    /// gate blocks follow it. Optimizer weights, when asked for, come last.
    public var tensors: [TensorComparison]
    public var structure: [StructuralDifference]

    /// Whether anything moved beyond the tolerance, or the structure differs (Keras version and
    /// format notes aside).
    public var differs: Bool {
        tensors.contains { $0.gate == nil && $0.sums.beyondTolerance > 0 } || structure.contains { !$0.change.isNote }
    }

    public init(_ a: KerasCheckpoint, _ b: KerasCheckpoint, tolerance: DiffTolerance = DiffTolerance(),
                includeOptimizer: Bool = false) throws {
        fileA = a.path
        fileB = b.path
        self.tolerance = tolerance
        tensors = []
        structure = []
        compareFiles(a, b)
        let layersB = Dictionary(b.layers.map { ($0.layerName, $0) }, uniquingKeysWith: { first, _ in first })
        let namesA = Set(a.layers.map(\.layerName))
        for layerA in a.layers {
            guard let layerB = layersB[layerA.layerName] else {
                structure.append(StructuralDifference(.layerRemoved, layer: layerA.layerName, a: Self.describe(layerA)))
                continue
            }
            try compareLayer(layerA, layerB, a, b)
        }
        for layerB in b.layers where !namesA.contains(layerB.layerName) {
            structure.append(StructuralDifference(.layerAdded, layer: layerB.layerName, b: Self.describe(layerB)))
        }
        if includeOptimizer {
            let optimizer = try OptimizerWeights.compare(a.path, b.path, tolerance: tolerance)
            tensors += optimizer.tensors
            structure += optimizer.structure
        }
    }

    /// Opens both files (metadata only) and compares them. A weights-only file (Keras 3
    /// `.weights.h5`, Keras 2 `save_weights`) takes `architecture`, or else the other file's.
    public init(pathA: String, pathB: String, tolerance: DiffTolerance = DiffTolerance(), includeOptimizer: Bool = false,
                architecture: Architecture? = nil, limits: ReadLimits = .standard) throws {
        let (a, b) = try Self.openPair(pathA, pathB, architecture: architecture, limits: limits)
        try self.init(a, b, tolerance: tolerance, includeOptimizer: includeOptimizer)
    }

    /// Opens two checkpoints, lending each the other's architecture when it has none of its own.
    static func openPair(_ pathA: String, _ pathB: String, architecture: Architecture?, limits: ReadLimits) throws -> (KerasCheckpoint, KerasCheckpoint) {
        if let architecture {
            return (try KerasCheckpoint(path: pathA, limits: limits, architecture: architecture),
                    try KerasCheckpoint(path: pathB, limits: limits, architecture: architecture))
        }
        if let a = try? KerasCheckpoint(path: pathA, limits: limits), a.model != nil {
            return (a, try KerasCheckpoint(path: pathB, limits: limits, architecture: Architecture(checkpoint: a)))
        }
        let b = try KerasCheckpoint(path: pathB, limits: limits)
        let borrowed = b.model != nil ? try Architecture(checkpoint: b) : nil
        return (try KerasCheckpoint(path: pathA, limits: limits, architecture: borrowed), b)
    }

    private mutating func compareFiles(_ a: KerasCheckpoint, _ b: KerasCheckpoint) {
        let versionA = a.kerasVersion.map { "\($0)" }
        let versionB = b.kerasVersion.map { "\($0)" }
        if versionA != versionB {
            structure.append(StructuralDifference(.kerasVersionChanged, a: versionA, b: versionB))
        }
        if a.format != b.format {
            structure.append(StructuralDifference(.formatChanged, a: a.format.rawValue, b: b.format.rawValue))
        }
    }

    private mutating func compareLayer(_ layerA: LayerWeights, _ layerB: LayerWeights, _ a: KerasCheckpoint, _ b: KerasCheckpoint) throws {
        let name = layerA.layerName
        if let classA = layerA.className, let classB = layerB.className,
           Self.canonicalClass(classA) != Self.canonicalClass(classB) {
            structure.append(StructuralDifference(.classChanged, layer: name, a: classA, b: classB))
        }
        let weightsA = Self.keyed(layerA)
        let weightsB = Self.keyed(layerB)
        let keysA = Set(weightsA.map(\.key))
        let byKeyB = Dictionary(weightsB.map { ($0.key, $0.weight) }, uniquingKeysWith: { first, _ in first })
        for (key, weightA) in weightsA {
            guard let weightB = byKeyB[key] else {
                structure.append(StructuralDifference(.weightRemoved, layer: name, weight: key.weight, direction: key.direction, a: formatShape(weightA.shape)))
                continue
            }
            guard weightA.shape == weightB.shape else {
                structure.append(StructuralDifference(.shapeChanged, layer: name, weight: key.weight, direction: key.direction,
                                                      a: formatShape(weightA.shape), b: formatShape(weightB.shape)))
                continue
            }
            let dataA = try a.tensorData(for: weightA)
            let dataB = try b.tensorData(for: weightB)
            tensors += TensorComparison.compare(dataA, dataB, key: key, shape: weightA.shape, gates: weightA.gates.map { ($0.gate, $0.columns) }, tolerance: tolerance)
        }
        for (key, weightB) in weightsB where !keysA.contains(key) {
            structure.append(StructuralDifference(.weightAdded, layer: name, weight: key.weight, direction: key.direction, b: formatShape(weightB.shape)))
        }
    }

    /// The layer's bound weights with their keys, counting repeated (role, direction) pairs.
    static func keyed(_ layer: LayerWeights) -> [(key: TensorKey, weight: BoundWeight)] {
        var seen: [String: Int] = [:]
        return layer.bound.map { weight in
            let role = "\(weight.role)"
            let direction = weight.direction?.rawValue
            let slot = "\(direction ?? "")/\(role)"
            let occurrence = seen[slot, default: 0]
            seen[slot] = occurrence + 1
            return (TensorKey(layer: layer.layerName, weight: role, direction: direction, occurrence: occurrence), weight)
        }
    }

    static func describe(_ layer: LayerWeights) -> String {
        "\(layer.className ?? "class unknown"), \(layer.parameterCount) parameters"
    }

    /// Keras 1 class names that Keras 2 renamed without changing the weights.
    static func canonicalClass(_ name: String) -> String {
        let renamed = ["Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "AtrousConvolution1D": "Conv1D"]
        return renamed[name] ?? name
    }
}

/// `(4, 48)`, `()` for a scalar.
func formatShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
