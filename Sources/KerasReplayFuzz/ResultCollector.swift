import Foundation

/// Hands out case numbers to the workers and collects their records, under one lock.
final class ResultCollector: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private var next = 0
    private var stored: [CaseRecord?]
    private var done = 0

    init(count: Int) {
        self.count = count
        stored = Array(repeating: nil, count: count)
    }

    func nextCase() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func store(_ record: CaseRecord, verbose: Bool) {
        lock.lock()
        defer { lock.unlock() }
        stored[record.number] = record
        done += 1
        if verbose || record.outcome.isFailure {
            say("case \(record.number) [\(record.kind.rawValue) of \(record.seed)] \(record.command): \(record.outcome.rawValue) (\(record.exit))")
        } else if done % 500 == 0 {
            say("  \(done)/\(count) cases")
        }
    }

    var records: [CaseRecord] {
        lock.lock()
        defer { lock.unlock() }
        return stored.compactMap { $0 }
    }
}

/// Writes a line to stdout straight away (progress must show while children run).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
