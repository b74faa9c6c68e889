/// Roles and gate blocks of a layer's arrays read without an architecture, from what their
/// stored names and shapes make plain, never guessed beyond that: `kernel`, `recurrent_kernel`,
/// `bias` (Keras 1's `_W`, `_U`, `_b`), and Keras 3's `cell/vars/0..2` (kernel, recurrent kernel,
/// bias of an RNN cell). When a recurrent kernel is `(u, k·u)` with k = 4 (LSTM: i, f, c, o) or
/// 3 (GRU: z, r, h), the gate blocks of the kernel, recurrent kernel and bias follow from it.
/// Paths through `forward_layer` / `forward_*` and `backward_layer` / `backward_*` (Bidirectional)
/// give the direction.
enum StoredNames {
    static func bind(_ entries: [WeightEntry]) -> [BoundWeight] {
        var bound = entries.map { entry -> BoundWeight in
            var role = WeightRole(storedName: entry.storedName)
            let parts = entry.storedName.split(separator: "/")
            if parts.count >= 3, parts[parts.count - 2] == "vars", parts[parts.count - 3] == "cell", let index = Int(parts.last!) {
                role = [WeightRole.kernel, .recurrentKernel, .bias][safe: index] ?? role
            }
            var weight = BoundWeight(stored: entry, role: role)
            if parts.contains(where: { $0.hasPrefix("forward_") }) { weight.direction = .forward }
            if parts.contains(where: { $0.hasPrefix("backward_") }) { weight.direction = .backward }
            return weight
        }
        for direction in [nil, Direction.forward, .backward] {
            // One recurrent kernel per direction; gates when its shape says how many.
            guard let recurrent = bound.first(where: { $0.role == .recurrentKernel && $0.direction == direction }),
                  recurrent.shape.count == 2, recurrent.shape[0] > 0, recurrent.shape[1] % recurrent.shape[0] == 0 else { continue }
            let units = recurrent.shape[0]
            let gates: [Gate]
            switch recurrent.shape[1] / units {
            case 4: gates = Gate.lstmOrder
            case 3: gates = Gate.gruOrder
            default: continue
            }
            let blocks = gates.enumerated().map { GateBlock(gate: $0.element, columns: ($0.offset * units)..<(($0.offset + 1) * units)) }
            for index in bound.indices where bound[index].direction == direction && [.kernel, .recurrentKernel, .bias].contains(bound[index].role) {
                if bound[index].shape.last == gates.count * units { bound[index].gates = blocks }
            }
        }
        return bound
    }
}
