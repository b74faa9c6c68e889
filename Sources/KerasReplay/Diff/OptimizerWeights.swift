import HDF5
import KerasCheckpoint

/// The `optimizer_weights` group of a legacy `.h5` checkpoint (slots such as SGD momentum `m`, Adam's
/// `m` and `v`, the iteration counter). Keras' own `load_model` restores them by position; here they
/// are matched by dataset path below `optimizer_weights`, which is stable within one Keras generation.
enum OptimizerWeights {
    static let groupName = "optimizer_weights"

    /// Every dataset below `optimizer_weights`, by path relative to it, with its shape, in name order.
    static func datasets(in file: HDF5File) throws -> [(path: String, shape: [Int])] {
        let root = try file.root()
        guard root.contains(groupName), try root.kind(of: groupName) == .group else { return [] }
        var found: [(path: String, shape: [Int])] = []
        // A group that hard-links back to itself or an ancestor would make the walk endless.
        var visited = Set<String>()
        func walk(_ group: HDF5Group, prefix: String, depth: Int) throws {
            guard visited.insert(try group.identity()).inserted else {
                throw HDF5Error(file: file.path, object: group.path, message: "is reached a second time (a hard link back to a group already walked, a cycle); refused")
            }
            guard depth < 64 else { throw HDF5Error(file: file.path, object: group.path, message: "is nested deeper than 64 groups; refused") }
            for name in try group.childNames() {
                let relative = prefix.isEmpty ? name : prefix + "/" + name
                switch try group.kind(of: name) {
                case .group: try walk(try group.group(name), prefix: relative, depth: depth + 1)
                case .dataset: found.append((relative, try group.dataset(name).shape))
                case .link, .other: continue
                }
            }
        }
        try walk(try root.group(groupName), prefix: "", depth: 0)
        return found
    }

    /// Compares the optimizer datasets of two files; records use layer `optimizer_weights` and the
    /// relative dataset path as the weight name.
    static func compare(_ pathA: String, _ pathB: String, tolerance: DiffTolerance) throws -> (tensors: [TensorComparison], structure: [StructuralDifference]) {
        do {
            let fileA = try HDF5File(path: pathA)
            let fileB = try HDF5File(path: pathB)
            let listA = try datasets(in: fileA)
            let listB = try datasets(in: fileB)
            let shapesB = Dictionary(listB.map { ($0.path, $0.shape) }, uniquingKeysWith: { first, _ in first })
            let pathsA = Set(listA.map(\.path))
            var tensors: [TensorComparison] = []
            var structure: [StructuralDifference] = []
            for (path, shapeA) in listA {
                guard let shapeB = shapesB[path] else {
                    structure.append(StructuralDifference(.weightRemoved, layer: groupName, weight: path, a: formatShape(shapeA)))
                    continue
                }
                guard shapeA == shapeB else {
                    structure.append(StructuralDifference(.shapeChanged, layer: groupName, weight: path, a: formatShape(shapeA), b: formatShape(shapeB)))
                    continue
                }
                let dataA = try fileA.root().group(groupName).dataset(path).readDoubles()
                let dataB = try fileB.root().group(groupName).dataset(path).readDoubles()
                let key = TensorKey(layer: groupName, weight: path, direction: nil)
                tensors += TensorComparison.compare(dataA, dataB, key: key, shape: shapeA, gates: [], tolerance: tolerance)
            }
            for (path, shapeB) in listB where !pathsA.contains(path) {
                structure.append(StructuralDifference(.weightAdded, layer: groupName, weight: path, b: formatShape(shapeB)))
            }
            return (tensors, structure)
        } catch let error as HDF5Error {
            throw CheckpointError(file: error.file, message: error.object.map { "\($0): \(error.message)" } ?? error.message)
        }
    }
}
