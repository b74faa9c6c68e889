import Foundation
import SampleCatalog
import Testing
import ZIPFoundation

/// Files built to be strange, one idea each (SampleCheckpoints/hostile-structures, made by
/// Scripts/make_hostile_structures.py): each is refused in one line with the right exit code,
/// or, for valid-but-unusual files, replays as Keras did. Nothing hangs, nothing crashes.
@Suite("Hostile structures")
struct HostileStructureTests {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        var name: String
        var why: String
        var args: [String]
        var expect: String
        var exitCode: Int32
        var stderrContains: [String]
        var stdoutContains: [String]?
        var oneLine: Bool?
        var setup: String?
        var path: String?
        var target: String?
        var zipped: String?
        var maxSeconds: Double?
        var description: String { name }
        enum CodingKeys: String, CodingKey {
            case name, why, args, expect, setup, path, target, zipped
            case exitCode = "exit_code", stderrContains = "stderr_contains", stdoutContains = "stdout_contains"
            case oneLine = "one_line", maxSeconds = "max_seconds"
        }
    }

    static let folder = SampleCatalog.root.appendingPathComponent("hostile-structures")
    static let cases: [Case] = {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("manifest.json").path) else { return [] }
        return (try? JSONDecoder().decode([Case].self, from: data)) ?? []
    }()

    @Test("each case is refused in one line, or replays as Keras did", arguments: cases)
    func run(_ testCase: Case) throws {
        var directory = Self.folder.path
        var cleanup: [URL] = []
        defer { for url in cleanup { try? FileManager.default.removeItem(at: url) } }
        if testCase.setup != nil || testCase.zipped != nil {
            // A private copy: FIFOs, hard links and unzipped files live there.
            let copy = try KerasReplayCLI.temporaryDirectory()
            cleanup.append(copy)
            for name in try FileManager.default.contentsOfDirectory(atPath: Self.folder.path) {
                try FileManager.default.copyItem(at: Self.folder.appendingPathComponent(name), to: copy.appendingPathComponent(name))
            }
            directory = copy.path
            if let path = testCase.path {
                let target = copy.appendingPathComponent(path).path
                switch testCase.setup {
                case "fifo": #expect(mkfifo(target, 0o600) == 0, "mkfifo \(target)")
                case "hardlink": try FileManager.default.linkItem(atPath: copy.appendingPathComponent(testCase.target!).path, toPath: target)
                default: break
                }
            }
            if let zipped = testCase.zipped {
                try FileManager.default.unzipItem(at: copy.appendingPathComponent(zipped + ".zip"), to: copy)
            }
        }
        let arguments = testCase.args.map { $0.replacingOccurrences(of: "{dir}", with: directory) }
        let started = Date()
        let result = try KerasReplayCLI.run(arguments, timeout: 20)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == testCase.exitCode, "\(testCase.name): exit \(result.status), stderr: \(result.standardError)")
        for fragment in testCase.stderrContains {
            #expect(result.standardError.contains(fragment), "\(testCase.name): stderr lacks '\(fragment)': \(result.standardError)")
        }
        for fragment in testCase.stdoutContains ?? [] {
            #expect(result.standardOutput.contains(fragment), "\(testCase.name): stdout lacks '\(fragment)'")
        }
        if testCase.oneLine == true {
            #expect(result.standardError.split(separator: "\n").count == 1, "\(testCase.name): \(result.standardError)")
        }
        #expect(!result.standardError.contains("HDF5-DIAG"))
        if let limit = testCase.maxSeconds { #expect(seconds <= limit, "\(testCase.name): \(seconds) s") }
        if arguments.contains("/dev/null") {
            var info = stat()
            #expect(stat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/null is no longer a device")
        }
    }

    @Test("the corpus holds the cases issue 15 lists")
    func coverage() {
        #expect(Self.cases.count >= 60)
        #expect(Self.cases.contains { $0.setup == "fifo" })
        #expect(Self.cases.contains { $0.expect == "succeeds" && $0.name.hasPrefix("gcol") })
    }
}
