/// The Keras that wrote a file. Semantics depend on it: `hard_sigmoid`, default activations,
/// GRU's `reset_after` default.
public struct KerasVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// As written in the file, e.g. `2.2.4`, `3.15.1`, `2.21.0`.
    public var text: String
    /// The backend attribute (`theano`, `tensorflow`, `jax`), absent in Keras 1 files.
    public var backend: String?

    public init?(_ text: String, backend: String? = nil) {
        let numbers = text.split(separator: ".").map { Int($0.prefix { $0.isNumber }) }
        guard let major = numbers.first ?? nil else { return nil }
        self.major = major
        self.minor = numbers.count > 1 ? numbers[1] ?? 0 : 0
        self.patch = numbers.count > 2 ? numbers[2] ?? 0 : 0
        self.text = text
        self.backend = backend
    }

    public var description: String { text }

    /// True when this version is `major.minor` or later. A version that names only its major
    /// (`3`, what a Keras 3 `.weights.h5` with a `to_json()` architecture gives) counts as the
    /// latest of that major.
    public func isAtLeast(_ major: Int, _ minor: Int) -> Bool {
        if self.major != major { return self.major > major }
        let namesMinor = text.split(separator: ".").count > 1
        return !namesMinor || self.minor >= minor
    }

    /// The generation a person would name: Keras 1, Keras 2 (standalone), tf.keras / tf-keras 2, Keras 3.
    public var generation: KerasGeneration {
        if major <= 1 { return .keras1 }
        if major >= 3 { return .keras3 }
        // Standalone Keras stopped at 2.3/2.4 and wrote `keras_version` 2.0–2.4; tf.keras wrote 2.x
        // from TF's own version line (2.4 onwards with a tensorflow backend) — older tf.keras says "-tf".
        if text.hasSuffix("-tf") || (minor >= 5) { return .tfKeras }
        return .keras2
    }

    /// Keras 3 changed `hard_sigmoid` from `clip(0.2x + 0.5)` to `clip(x/6 + 0.5)`.
    public var usesKeras3HardSigmoid: Bool { major >= 3 }

    /// The recurrent activation a config that does not name one meant: `hard_sigmoid` up to
    /// Keras 2.2 (Keras 1's `inner_activation`), `sigmoid` from 2.3 on.
    public var defaultRecurrentActivation: String {
        if major <= 1 || (major == 2 && minor <= 2) { return "hard_sigmoid" }
        return "sigmoid"
    }

    /// GRU `reset_after` when the config does not say: False before tf.keras 2 / Keras 3.
    public var defaultGRUResetAfter: Bool {
        generation == .tfKeras || generation == .keras3
    }
}

public enum KerasGeneration: String, Sendable, Equatable {
    case keras1 = "Keras 1"
    case keras2 = "Keras 2"
    case tfKeras = "tf-keras 2"
    case keras3 = "Keras 3"
}
