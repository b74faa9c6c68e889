import KerasCheckpoint

/// The order in which Keras 3's functional model runs its layer calls (`map_graph` in
/// keras/src/ops/function.py): a depth-first walk from the outputs gives each call a depth
/// (outputs 0, their inputs 1, ...), and calls run deepest first, in the order the walk first
/// gave them their depth. Any topological order gives the same numbers, except where a layer
/// changes a tensor it reads: Keras 3.8+'s MultiHeadAttention clears the masks of its inputs,
/// so layers that read the same tensor afterwards see no mask. Calls no output depends on are
/// not run, as in Keras.
enum ExecutionOrder {
    struct Call: Hashable {
        var layer: String
        var node: Int
    }

    /// Calls in Keras' execution order (input layers left out).
    static func of(_ model: ModelDescription) throws -> [Call] {
        var layers: [String: LayerDescription] = [:]
        for layer in model.layers { layers[layer.name] = layer }
        func parents(_ call: Call) -> [Call] {
            guard let layer = layers[call.layer], call.node < layer.inboundNodes.count else { return [] }
            let node = layer.inboundNodes[call.node]
            // Keras flattens args then kwargs (keys sorted, the `mask` keyword among them).
            var keyword: [(String, TensorReference)] = node.keywordTensors.map { ($0.key, $0.value) }
            keyword += node.masks.compactMap { $0 }.map { ("mask", $0) }
            keyword.sort { $0.0 < $1.0 }
            return (node.tensorArguments + keyword.map(\.1)).map { Call(layer: $0.layer, node: $0.node) }
        }
        func isInput(_ call: Call) -> Bool { layers[call.layer]?.className == "InputLayer" }

        // Depth-first from each output, parents in argument order, iteratively (a hostile
        // config can chain more calls than a thread's stack holds).
        var finished = Set<Call>(), inProgress = Set<Call>()
        var postOrder: [Call] = []
        for output in model.outputs {
            var stack: [(call: Call, parents: [Call], next: Int)] = []
            func push(_ call: Call) throws {
                guard !finished.contains(call) else { return }
                guard let layer = layers[call.layer] else {
                    throw ModelError("the model reads layer '\(call.layer)', which is not in its config")
                }
                guard !inProgress.contains(call) else {
                    throw ModelError("layer '\(layer.name)' (\(layer.className)): its call is part of a cycle in the model's graph")
                }
                if !isInput(call), call.node >= layer.inboundNodes.count {
                    throw ModelError("layer '\(layer.name)' (\(layer.className)): reads call \(call.node) of it, which the config does not have")
                }
                inProgress.insert(call)
                stack.append((call, isInput(call) ? [] : parents(call), 0))
            }
            try push(Call(layer: output.layer, node: output.node))
            while let top = stack.last {
                if top.next < top.parents.count {
                    stack[stack.count - 1].next += 1
                    try push(top.parents[top.next])
                } else {
                    stack.removeLast()
                    finished.insert(top.call)
                    inProgress.remove(top.call)
                    postOrder.append(top.call)
                }
            }
        }

        // Depths, in Keras' dict insertion order.
        var depthOf: [Call: Int] = [:], insertion: [Call] = []
        var layerDepth: [String: Int] = [:]
        func setDepth(_ call: Call, _ depth: Int) {
            if depthOf[call] == nil { insertion.append(call) }
            depthOf[call] = depth
        }
        for call in postOrder.reversed() {
            if depthOf[call] == nil { setDepth(call, 0) }
            let depth = max(depthOf[call]!, layerDepth[call.layer] ?? 0)
            layerDepth[call.layer] = depth
            setDepth(call, depth)
            for parent in parents(call) where finished.contains(parent) {
                setDepth(parent, max(depth + 1, depthOf[parent] ?? 0))
            }
        }
        var byDepth: [Int: [Call]] = [:]
        for call in insertion { byDepth[depthOf[call]!, default: []].append(call) }
        return byDepth.keys.sorted(by: >).flatMap { byDepth[$0]! }.filter { !isInput($0) }
    }
}
