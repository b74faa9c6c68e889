import Foundation

/// `keras-replay-fuzz --cases N --seed S --jobs J [--binary PATH] [--report FILE] [--keep-failures DIR]
/// [--samples DIR] [--timeout SECONDS]`
struct Options {
    var cases = 2000
    var seed: UInt64 = 1
    var jobs = 2
    var binary: String
    var report: String?
    var keepFailures: String?
    var samples: String
    var timeout: Double = 10
    var verbose = false

    static let usage = """
    usage: keras-replay-fuzz [--cases N] [--seed S] [--jobs J] [--binary PATH] [--report OUT.json]
                             [--keep-failures DIR] [--samples SampleCheckpoints] [--timeout SECONDS] [--verbose]
    Mutates the sample checkpoints and inputs, runs keras-replay on each case in a child process
    with a time limit, and classifies the outcome. Exits 1 if any case crashed, hung, printed more
    than one line of errors, or modified its input; 64 on a bad command line.
    """

    init(arguments: [String]) throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        binary = executable.deletingLastPathComponent().appendingPathComponent("keras-replay").path
        samples = Options.findSamples(from: executable) ?? "SampleCheckpoints"
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
            return next
        }
        func number<T: LosslessStringConvertible>(_ flag: String) throws -> T {
            let text = try value(flag)
            guard let parsed = T(text) else { throw UsageError(message: "\(flag): '\(text)' is not a number") }
            return parsed
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--cases": cases = try number(flag)
            case "--seed": seed = try number(flag)
            case "--jobs": jobs = try number(flag)
            case "--binary": binary = try value(flag)
            case "--report": report = try value(flag)
            case "--keep-failures": keepFailures = try value(flag)
            case "--samples": samples = try value(flag)
            case "--timeout": timeout = try number(flag)
            case "--verbose": verbose = true
            case "-h", "--help": throw UsageError(message: nil)
            default: throw UsageError(message: "unknown argument '\(flag)'")
            }
        }
        guard cases >= 0, jobs >= 1, timeout > 0 else { throw UsageError(message: "--cases, --jobs and --timeout must be positive") }
    }

    /// SampleCheckpoints/ in the current directory or above the executable (.build/debug/...).
    static func findSamples(from executable: URL) -> String? {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var directory = executable.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory)
            directory = directory.deletingLastPathComponent()
        }
        for candidate in candidates {
            let samples = candidate.appendingPathComponent("SampleCheckpoints")
            if FileManager.default.fileExists(atPath: samples.appendingPathComponent("bad").path) { return samples.path }
        }
        return nil
    }
}

struct UsageError: Error {
    var message: String?
}
