import Foundation
import SampleCatalog
import Testing

/// The CI-sized fuzz run: 2,000 mutated checkpoints and inputs through the built keras-replay,
/// each in a child process with a time limit. Every case must end in a result or one clean
/// error line: no crash, no hang, no HDF5 error dump, no modified input.
@Suite("Fuzzing")
struct FuzzTests {
    static var harness: URL {
        KerasReplayCLI.executable.deletingLastPathComponent().appendingPathComponent("keras-replay-fuzz")
    }

    @Test("2,000 fuzz cases: zero crashes, hangs, noisy errors or modified inputs", .timeLimit(.minutes(15)))
    func ciRun() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.harness.path), "build keras-replay-fuzz first (swift build)")
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let report = folder.appendingPathComponent("report.json")
        let process = Process()
        process.executableURL = Self.harness
        process.arguments = ["--cases", "2000", "--seed", "20260", "--jobs", "2", "--timeout", "20",
                             "--binary", KerasReplayCLI.executable.path, "--samples", SampleCatalog.root.path,
                             "--report", report.path, "--keep-failures", folder.appendingPathComponent("failures").path]
        let output = folder.appendingPathComponent("output")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try handle.close()
        let text = String(decoding: try Data(contentsOf: output), as: UTF8.self)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any]
        let outcomes = summary?["outcomes"] as? [String: Int] ?? [:]
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(summary?["cases"] as? Int == 2000)
        for failure in ["crash", "hang", "noisy", "modified"] {
            #expect(outcomes[failure] == 0, "\(failure): \(outcomes[failure] ?? -1)\n\(text)")
        }
        #expect((outcomes["ok"] ?? 0) + (outcomes["clean-error"] ?? 0) + (outcomes["contained"] ?? 0) == 2000)
    }
}
