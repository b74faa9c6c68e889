import Foundation

// keras-replay-fuzz: mutates the sample checkpoints and inputs, runs keras-replay on each case in
// a child process with a time limit, and classifies how each ended (see Child.swift). Exits 1
// when any case crashed, hung, was noisy or modified its input.

let options: Options
do {
    options = try Options(arguments: Array(CommandLine.arguments.dropFirst()))
} catch let error as UsageError {
    if let message = error.message { FileHandle.standardError.write(Data("keras-replay-fuzz: \(message)\n".utf8)) }
    say(Options.usage)
    exit(error.message == nil ? 0 : 64)
}
guard FileManager.default.isExecutableFile(atPath: options.binary) else {
    FileHandle.standardError.write(Data("keras-replay-fuzz: no keras-replay executable at \(options.binary) (give --binary)\n".utf8))
    exit(64)
}
let seeds: [Seed]
do {
    seeds = try SeedCatalog.load(samples: options.samples)
} catch {
    FileHandle.standardError.write(Data("keras-replay-fuzz: cannot read the seeds in \(options.samples): \(error)\n".utf8))
    exit(1)
}
guard !seeds.isEmpty else {
    FileHandle.standardError.write(Data("keras-replay-fuzz: no sample checkpoints found in \(options.samples) (give --samples)\n".utf8))
    exit(64)
}
say("keras-replay-fuzz: \(seeds.count) seeds (\(seeds.filter(\.structured).count) structured) from \(options.samples); \(options.cases) cases, seed \(options.seed), \(options.jobs) jobs, \(options.binary)")

let workRoot = FileManager.default.temporaryDirectory.appendingPathComponent("keras-replay-fuzz-\(getpid())")
try FileManager.default.createDirectory(at: workRoot, withIntermediateDirectories: true)
let runner = CaseRunner(options: options, seeds: seeds, workRoot: workRoot)
let results = ResultCollector(count: options.cases)
let start = Date()
DispatchQueue.concurrentPerform(iterations: options.jobs) { _ in
    while let number = results.nextCase() {
        let record = runner.run(number)
        results.store(record, verbose: options.verbose)
    }
}
try? FileManager.default.removeItem(at: workRoot)
let report = RunReport(options: options, records: results.records, seconds: Date().timeIntervalSince(start))
say(report.text)
if let path = options.report {
    do { try report.write(to: path) } catch {
        FileHandle.standardError.write(Data("keras-replay-fuzz: cannot write the report \(path): \(error)\n".utf8))
    }
}
exit(report.failed ? 1 : 0)
