import KerasCheckpoint

/// A layer's config, read with the keys and types Keras writes. A key given with a value of the
/// wrong type is refused, naming the layer, the key and what was found: a hand-edited
/// `"go_backwards": "false"` must not silently become the default. `null` counts as absent
/// (Keras writes `"max_value": null` for "no limit").
public struct LayerConfig: Sendable {
    public let json: JSONValue
    /// The layer named in messages (the outer one inside a wrapper).
    let reportedAs: LayerDescription

    public init(_ layer: LayerDescription, reportedAs: LayerDescription? = nil) {
        json = layer.config
        self.reportedAs = reportedAs ?? layer
    }

    func fail(_ key: String, expected: String, found: JSONValue) -> LayerError {
        var text = found.jsonText
        if text.count > 60 { text = String(text.prefix(57)) + "..." }
        return LayerError(layer: reportedAs.name, className: reportedAs.className,
                          message: "config '\(key)' expected \(expected), found \(text)")
    }

    /// The first of `keys` present with a non-null value.
    public func value(_ keys: [String]) -> (key: String, value: JSONValue)? {
        for key in keys {
            if let value = json[key], !value.isNull { return (key, value) }
        }
        return nil
    }

    public func contains(_ key: String) -> Bool { value([key]) != nil }

    /// A boolean under `keys` (Keras 1 spellings after the current one), `fallback` when absent.
    public func bool(_ keys: String..., default fallback: Bool) throws -> Bool {
        guard let (key, value) = value(keys) else { return fallback }
        guard let flag = value.bool else { throw fail(key, expected: "true or false", found: value) }
        return flag
    }

    /// An integer under `keys`, nil when absent.
    public func int(_ keys: String...) throws -> Int? {
        try int(keys)
    }

    func int(_ keys: [String]) throws -> Int? {
        guard let (key, value) = value(keys) else { return nil }
        guard let number = value.int else { throw fail(key, expected: "an integer", found: value) }
        return number
    }

    /// An integer in `range` under `keys`; `fallback` when absent (a failure when there is none).
    public func int(_ keys: String..., in range: ClosedRange<Int>, default fallback: Int? = nil) throws -> Int {
        guard let (key, value) = value(keys) else {
            if let fallback { return fallback }
            throw LayerError(layer: reportedAs.name, className: reportedAs.className, message: "config has no '\(keys[0])'")
        }
        guard let number = value.int, range.contains(number) else {
            throw fail(key, expected: "an integer in \(range.lowerBound)...\(range.upperBound)", found: value)
        }
        return number
    }

    /// A number under `keys`, `fallback` when absent.
    public func number(_ keys: String..., default fallback: Double) throws -> Double {
        guard let (key, value) = value(keys) else { return fallback }
        guard let number = value.number else { throw fail(key, expected: "a number", found: value) }
        return number
    }

    /// A number under `keys`, nil when absent or null.
    public func optionalNumber(_ keys: String...) throws -> Double? {
        guard let (key, value) = value(keys) else { return nil }
        guard let number = value.number else { throw fail(key, expected: "a number", found: value) }
        return number
    }

    /// A string under `keys`, nil when absent.
    public func string(_ keys: String...) throws -> String? {
        guard let (key, value) = value(keys) else { return nil }
        guard let text = value.string else { throw fail(key, expected: "a string", found: value) }
        return text
    }

    /// One of `choices` under `keys`, `fallback` when absent.
    public func choice(_ keys: String..., among choices: [String], default fallback: String) throws -> String {
        guard let (key, value) = value(keys) else { return fallback }
        guard let text = value.string, choices.contains(text) else {
            throw fail(key, expected: "one of " + choices.joined(separator: ", "), found: value)
        }
        return text
    }

    /// Integers given as one integer or a list (`kernel_size: 3` or `[3]` or `[3, 3]`), nil when absent.
    public func ints(_ keys: String...) throws -> [Int]? {
        guard let (key, value) = value(keys) else { return nil }
        if let number = value.int { return [number] }
        guard let list = value.array else { throw fail(key, expected: "an integer or a list of integers", found: value) }
        var result: [Int] = []
        for element in list {
            guard let number = element.int else { throw fail(key, expected: "a list of integers", found: value) }
            result.append(number)
        }
        return result
    }

    /// Sizes given as a list that may hold nulls (`output_shape: [null, 4]`), or one integer; nil when absent.
    public func shape(_ keys: String...) throws -> [Int?]? {
        guard let (key, value) = value(keys) else { return nil }
        if let number = value.int { return [number] }
        guard let list = value.array else { throw fail(key, expected: "a size or a list of sizes", found: value) }
        var result: [Int?] = []
        for element in list {
            if element.isNull { result.append(nil); continue }
            guard let number = element.int, number >= 0 else { throw fail(key, expected: "a list of sizes (or nulls)", found: value) }
            result.append(number)
        }
        return result
    }

    /// The first integer of `ints(keys)`, each checked to lie in `range`, nil when absent.
    public func firstInt(_ keys: String..., in range: ClosedRange<Int>) throws -> Int? {
        guard let (key, value) = value(keys) else { return nil }
        let number: Int?
        if let single = value.int { number = single } else { number = value.array?.first?.int }
        guard let number, range.contains(number) else {
            throw fail(key, expected: "an integer (or list of one) in \(range.lowerBound)...\(range.upperBound)", found: value)
        }
        return number
    }

    /// An activation name: a string, or Keras 3's `{"class_name": "function", "config": "relu"}`.
    public func activationName(_ keys: [String]) throws -> String? {
        guard let (key, value) = value(keys) else { return nil }
        guard let name = ActivationName.of(value) else { throw fail(key, expected: "an activation name", found: value) }
        return name
    }
}
