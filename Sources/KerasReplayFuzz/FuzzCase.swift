import Foundation

/// One case: a seed, one mutation, one command, and how it ended.
struct CaseRecord: Codable {
    var number: Int
    var seed: String
    var kind: MutationKind
    var command: String
    var arguments: [String]
    var outcome: Outcome
    var exit: String
    var seconds: Double
    var stderr: String
    var note: String?
    var kept: String?
}

struct CaseRunner {
    let options: Options
    let seeds: [Seed]
    let workRoot: URL

    /// Builds case `number` from the run seed alone, runs it, classifies it.
    func run(_ number: Int) -> CaseRecord {
        var random = CaseRandom(seed: options.seed, caseNumber: number)
        let structured = seeds.filter(\.structured), plain = seeds.filter { !$0.structured }
        let seed = random.chance(0.35) && !structured.isEmpty ? random.pick(structured) : random.pick(plain.isEmpty ? seeds : plain)
        let predict = !seed.inputs.isEmpty && random.chance(0.3)
        let kind: MutationKind
        if predict && random.chance(0.3) {
            kind = random.pick(NPYMutator.kinds)
        } else {
            var kinds = seed.format == .keras ? ZipMutator.kinds : HDF5Mutator.hdf5Kinds
            if seed.structured { kinds += [.none, .none] }
            kind = random.pick(kinds)
        }

        let directory = workRoot.appendingPathComponent("case-\(number)")
        var record = CaseRecord(number: number, seed: seed.label, kind: kind, command: predict ? "predict" : "inspect", arguments: [],
                                outcome: .ok, exit: "", seconds: 0, stderr: "")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }

            var checkpoint = seed.bytes
            if !kind.mutatesInput {
                switch seed.format {
                case .hdf5: HDF5Mutator.mutate(&checkpoint, kind: kind, names: seed.names, random: &random)
                case .keras: ZipMutator.mutate(&checkpoint, kind: kind, random: &random)
                }
            }
            let checkpointName = URL(fileURLWithPath: seed.checkpoint).lastPathComponent
            var files: [String: [UInt8]] = [checkpointName: checkpoint]
            var arguments = [predict ? "predict" : "inspect", checkpointName]
            if let config = seed.config {
                var json = [UInt8](try Data(contentsOf: URL(fileURLWithPath: config)))
                // A weights-only file's architecture lives in model.json: corrupt it there.
                if kind == .configAttribute && random.chance(0.7) { HDF5Mutator.corruptConfig(&json, random: &random) }
                files["model.json"] = json
                arguments += ["--config", "model.json"]
            }
            if predict {
                for (index, input) in seed.inputs.enumerated() {
                    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: input.path)))
                    if kind.mutatesInput && (index == 0 || random.chance(0.5)) { NPYMutator.mutate(&bytes, kind: kind, random: &random) }
                    let name = "input\(index).npy"
                    files[name] = bytes
                    arguments += ["--input", input.name.map { "\($0)=\(name)" } ?? name]
                }
                if random.chance(0.5) { arguments += ["--output", "out.npy"] }
            } else if random.chance(0.3) {
                arguments.append("--json")
            }
            record.arguments = arguments
            for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
            if kind == .fifo {
                // The checkpoint, or the first input, becomes a FIFO nobody will write to.
                let name = predict && random.chance(0.5) ? "input0.npy" : checkpointName
                let path = directory.appendingPathComponent(name).path
                try FileManager.default.removeItem(atPath: path)
                guard mkfifo(path, 0o644) == 0 else { throw CocoaError(.fileWriteUnknown) }
                files.removeValue(forKey: name)
            }

            let result = try Child.run(options.binary, arguments, in: directory, timeout: options.timeout)
            record.seconds = result.seconds
            record.stderr = String(result.standardError.prefix(600))
            switch result.ending {
            case .exited(let status): record.exit = "exit \(status)"
            case .signaled(let signal): record.exit = "signal \(signal)"
            case .timedOut: record.exit = "timeout"
            }
            record.outcome = Outcome.classify(result)

            // Nothing the tool was given may change, and no half-written output may stay behind.
            if record.outcome != .crash && record.outcome != .hang {
                for (name, bytes) in files where (try? Data(contentsOf: directory.appendingPathComponent(name))).map([UInt8].init) != bytes {
                    record.outcome = .modified
                    record.note = "\(name) changed"
                }
                let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".partial") }
                if !leftovers.isEmpty {
                    record.outcome = .modified
                    record.note = "left behind \(leftovers.joined(separator: ", "))"
                }
            }
            if record.outcome.isFailure, let keep = options.keepFailures {
                let target = URL(fileURLWithPath: keep).appendingPathComponent("case-\(number)-\(kind.rawValue)-\(record.outcome.rawValue)")
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: directory, to: target)
                let command = "# seed \(options.seed), case \(number), \(kind.rawValue) of \(seed.label): \(record.exit)\n"
                    + "keras-replay " + arguments.joined(separator: " ") + "\n"
                try Data(command.utf8).write(to: target.appendingPathComponent("command.txt"))
                record.kept = target.path
            }
        } catch {
            record.outcome = .noisy
            record.note = "the harness could not run the case: \(error)"
        }
        return record
    }
}
