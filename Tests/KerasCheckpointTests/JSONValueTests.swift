import KerasCheckpoint
import KerasLayers
import Testing

@Suite("Config JSON")
struct JSONValueTests {
    @Test("Python's json.dumps output parses, NaN included")
    func pythonJSON() throws {
        let value = try JSONValue.parse(#"{"a": [1, 2.5, null, true], "b": "x\u00e9\n", "c": NaN, "d": -Infinity}"#)
        #expect(value["a"]?.shape == [1, nil, nil, nil] || value["a"]?[1]?.number == 2.5)
        #expect(value["b"]?.string == "xé\n")
        #expect(value["c"]?.number?.isNaN == true)
        #expect(value["d"]?.number == -.infinity)
    }

    @Test("deep nesting is refused before it can exhaust the stack")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: (any Error).self) { try JSONValue.parse(text) }
    }

    @Test("truncated and malformed documents are refused", arguments: ["{", "[1,", "{\"a\" 1}", "tru", "\"abc", "{} x"])
    func malformed(text: String) {
        #expect(throws: (any Error).self) { try JSONValue.parse(text) }
    }
}
