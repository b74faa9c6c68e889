import Foundation

/// Counts per outcome and per mutation kind, the failures, and the JSON report.
struct RunReport: Codable {
    var seed: UInt64
    var cases: Int
    var seconds: Double
    var binary: String
    var outcomes: [String: Int]
    var byKind: [String: [String: Int]]
    var byCommand: [String: [String: Int]]
    var failures: [CaseRecord]
    var slowest: [CaseRecord]

    init(options: Options, records: [CaseRecord], seconds: Double) {
        seed = options.seed
        cases = records.count
        self.seconds = seconds
        binary = options.binary
        outcomes = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { outcome in (outcome.rawValue, records.filter { $0.outcome == outcome }.count) })
        byKind = Dictionary(grouping: records, by: \.kind.rawValue).mapValues { Dictionary(grouping: $0, by: \.outcome.rawValue).mapValues(\.count) }
        byCommand = Dictionary(grouping: records, by: \.command).mapValues { Dictionary(grouping: $0, by: \.outcome.rawValue).mapValues(\.count) }
        failures = records.filter(\.outcome.isFailure)
        slowest = Array(records.sorted { $0.seconds > $1.seconds }.prefix(5))
    }

    var failed: Bool { !failures.isEmpty }

    var text: String {
        var lines = ["keras-replay-fuzz: \(cases) cases, seed \(seed), \(String(format: "%.1f", seconds)) s"]
        lines.append("  " + Outcome.allCases.map { "\($0.rawValue) \(outcomes[$0.rawValue] ?? 0)" }.joined(separator: ", "))
        let columns = Outcome.allCases.map(\.rawValue)
        lines.append("  " + "kind".padding(toLength: 18, withPad: " ", startingAt: 0) + columns.map { $0.padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        for kind in byKind.keys.sorted() {
            let counts = byKind[kind]!
            lines.append("  " + kind.padding(toLength: 18, withPad: " ", startingAt: 0)
                         + columns.map { String(counts[$0] ?? 0).padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        }
        for command in byCommand.keys.sorted() {
            let counts = byCommand[command]!
            lines.append("  " + command.padding(toLength: 18, withPad: " ", startingAt: 0)
                         + columns.map { String(counts[$0] ?? 0).padding(toLength: 12, withPad: " ", startingAt: 0) }.joined())
        }
        if let slow = slowest.first { lines.append(String(format: "  slowest case: %.2f s (case %d, %@ of %@)", slow.seconds, slow.number, slow.kind.rawValue, slow.seed)) }
        for failure in failures.prefix(40) {
            let firstLine = failure.stderr.split(separator: "\n").first.map(String.init) ?? ""
            lines.append("  \(failure.outcome.rawValue.uppercased()) case \(failure.number) [\(failure.kind.rawValue) of \(failure.seed)] keras-replay \(failure.arguments.joined(separator: " ")): \(failure.exit)"
                         + (failure.note.map { " (\($0))" } ?? "") + (firstLine.isEmpty ? "" : " — \(firstLine.prefix(200))"))
        }
        if failures.count > 40 { lines.append("  ... \(failures.count - 40) more failures (see --report)") }
        return lines.joined(separator: "\n")
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path))
    }
}
