import ArgumentParser
import Foundation
import KerasCheckpoint
import KerasReplay

@main
struct KerasReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keras-replay",
        abstract: "Read Keras .h5 checkpoints and replay their models offline, with model.predict's numbers.",
        discussion: """
        Results go to stdout, diagnostics to stderr. Exit codes: 0 success, 1 bad input or \
        failure (one line on stderr says which file, which layer, what was expected and found), \
        64 bad command line.

        Checkpoints are untrusted: what a file declares is checked against limits before \
        anything is allocated, by default 2^28 elements per dataset (1 GiB of float32), \
        64 MiB per attribute and 2^30 elements per layer output of a replay. \
        KERAS_REPLAY_MAX_DATASET_ELEMENTS, KERAS_REPLAY_MAX_ATTRIBUTE_BYTES and \
        KERAS_REPLAY_MAX_TENSOR_ELEMENTS change them.
        """,
        version: "keras-replay \(KerasReplayVersion.text)",
        subcommands: [Inspect.self, Weights.self, Predict.self, Activations.self, Gates.self, Diff.self, Bench.self]
    )
}

/// Standard error, for diagnostics.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Runs a subcommand's body so that any failure becomes one line on stderr and `exitCode`.
func reportingFailures<T>(exitCode: Int32 = 1, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        StandardError.write("keras-replay: \(error)")
        throw ExitCode(exitCode)
    }
}

/// A libhdf5 memory fault while reading `file` (a damaged file libhdf5 1.10 does not survive)
/// ends the run with one line and exit code 1 instead of a crash.
func containLibraryFaults(reading file: String, exitCode: Int32 = 1) {
    KerasCheckpoint.containLibraryFaults(message: "keras-replay: \(file): the file is damaged (libhdf5 crashed reading it; refused)", exitCode: exitCode)
}

/// Writes text to stdout.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// How a weights-only checkpoint gets its architecture on the command line.
struct ArchitectureOptions: ParsableArguments {
    @Option(name: .long, help: "For a weights-only file: the architecture, as model.to_json() wrote it.")
    var config: String?

    @Option(name: .long, help: "For a weights-only file: another checkpoint of the same model to take the architecture from.")
    var architecture: String?

    func load(limits: ReadLimits = .standard) throws -> Architecture? {
        if config != nil && architecture != nil { throw ValidationError("give --config or --architecture, not both") }
        if let config { return try Architecture(configFile: config) }
        if let architecture { return try Architecture(checkpoint: KerasCheckpoint(path: architecture, limits: limits)) }
        return nil
    }
}

/// The read limits, with KERAS_REPLAY_MAX_DATASET_ELEMENTS and KERAS_REPLAY_MAX_ATTRIBUTE_BYTES
/// (positive integers) in place of the defaults when set. A bad value is a usage error (64).
func environmentReadLimits(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ReadLimits {
    var limits = ReadLimits.standard
    for (name, keyPath) in [("KERAS_REPLAY_MAX_DATASET_ELEMENTS", \ReadLimits.maxDatasetElements),
                            ("KERAS_REPLAY_MAX_ATTRIBUTE_BYTES", \ReadLimits.maxAttributeBytes),
                            ("KERAS_REPLAY_MAX_TENSOR_ELEMENTS", \ReadLimits.maxTensorElements)] {
        guard let text = environment[name] else { continue }
        guard let value = Int(text), value > 0 else {
            throw ValidationError("\(name)='\(text)' is not a positive integer")
        }
        limits[keyPath: keyPath] = value
    }
    return limits
}
