import KerasCheckpoint

/// Checks adapters make on a layer's stored arrays before anything is computed from them.
enum WeightChecks {
    /// The layer stores one of `counts` arrays.
    static func count(_ entries: [WeightEntry], _ counts: [Int], _ context: LayerContext) throws {
        guard counts.contains(entries.count) else {
            let expected = counts.map(String.init).joined(separator: " or ")
            throw context.fail("expected \(expected) weight arrays, found \(entries.count)")
        }
    }

    /// `found` matches `expected`, whose nil entries are not checked.
    /// `explain` says where the expectation comes from (` from units=8 x 4 gates`).
    static func shape(_ what: String, _ found: [Int], _ expected: [Int?], explain: String = "", _ context: LayerContext) throws {
        let matches = found.count == expected.count && zip(found, expected).allSatisfy { $1 == nil || $0 == $1 }
        guard matches else {
            let text = "(" + expected.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + (expected.count == 1 ? ",)" : ")")
            throw context.fail("\(what) expected shape \(text)\(explain), found \(formatShape(found))")
        }
    }

    /// Binds `entries` to `roles` in order, after checking there are exactly as many.
    static func roles(_ entries: [WeightEntry], _ roles: [WeightRole], _ context: LayerContext) throws -> [BoundWeight] {
        try count(entries, [roles.count], context)
        return zip(entries, roles).map { BoundWeight(stored: $0, role: $1) }
    }
}

extension LayerContext {
    /// The config of `layer` (this context's layer, or the inner layer a wrapper reads), with
    /// type-checked accessors; failures name this context's layer.
    func config(of layer: LayerDescription) -> LayerConfig { LayerConfig(layer, reportedAs: self.layer) }
}
