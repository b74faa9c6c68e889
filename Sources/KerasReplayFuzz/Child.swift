import Foundation

/// What a child `keras-replay` run did.
struct ChildResult {
    enum Ending: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
    }
    var ending: Ending
    var standardOutput: String
    var standardError: String
    var seconds: Double
}

enum Child {
    /// Runs `binary arguments` in `directory` with stdin from /dev/null and stdout/stderr to
    /// files there; kills it (SIGKILL) after `timeout` seconds.
    static func run(_ binary: String, _ arguments: [String], in directory: URL, timeout: Double) throws -> ChildResult {
        let outputURL = directory.appendingPathComponent(".stdout"), errorURL = directory.appendingPathComponent(".stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputURL), error = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? error.close()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = error
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        let start = Date()
        try process.run()
        var timedOut = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            // Bounded: Foundation has been seen to miss a child's end (a crashed child left as a
            // zombie, its termination handler never called), and the run must not wait forever.
            if finished.wait(timeout: .now() + 10) == .timedOut {
                var status: Int32 = 0
                _ = waitpid(process.processIdentifier, &status, WNOHANG)
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let ending: ChildResult.Ending
        if timedOut {
            ending = .timedOut
        } else if process.terminationReason == .uncaughtSignal {
            ending = .signaled(process.terminationStatus)
        } else {
            ending = .exited(process.terminationStatus)
        }
        let stdout = (try? Data(contentsOf: outputURL)) ?? Data(), stderr = (try? Data(contentsOf: errorURL)) ?? Data()
        try? FileManager.default.removeItem(at: outputURL)
        try? FileManager.default.removeItem(at: errorURL)
        return ChildResult(ending: ending, standardOutput: String(decoding: stdout, as: UTF8.self),
                           standardError: String(decoding: stderr, as: UTF8.self), seconds: seconds)
    }
}

/// How a case ended.
enum Outcome: String, CaseIterable, Codable {
    /// Exit 0.
    case ok
    /// Exit 1 (or 64/2) with exactly one line on stderr and no libhdf5 error dump.
    case cleanError = "clean-error"
    /// A signal, an unexpected exit code, or a Swift runtime trap message.
    case crash
    /// libhdf5 faulted on a damaged file and keras-replay's containment turned it into one
    /// error line (see HDF5's LibraryFaults). Not a failure, but counted apart: it is a libhdf5 bug.
    case contained
    /// Killed at the time limit.
    case hang
    /// An error exit, or a success, with more (or less) than the one promised stderr line, or an HDF5-DIAG dump.
    case noisy
    /// The checkpoint, an input or the config changed, or a half-written output was left behind.
    case modified

    var isFailure: Bool { self != .ok && self != .cleanError && self != .contained }

    static func classify(_ result: ChildResult) -> Outcome {
        let stderr = result.standardError
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: true)
        if stderr.contains("Fatal error") || stderr.contains("Swift runtime failure") || stderr.contains("AddressSanitizer") { return .crash }
        switch result.ending {
        case .timedOut: return .hang
        case .signaled: return .crash
        case .exited(0):
            // Success may print a warning (non-finite weights); never a dump.
            return stderr.contains("HDF5-DIAG") || lines.count > 2 ? .noisy : .ok
        case .exited(1), .exited(2), .exited(64):
            guard lines.count == 1 && !stderr.contains("HDF5-DIAG") else { return .noisy }
            return stderr.contains("libhdf5 crashed") ? .contained : .cleanError
        case .exited:
            return .crash
        }
    }
}
