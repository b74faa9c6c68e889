import Foundation
import NumPyFiles
import SampleCatalog
import Testing

/// `predict` on .npy in and out streams chunks of rows; the numbers must be those of one
/// in-memory call (and so of Keras), whatever the chunking, slicing or process split.
@Suite("keras-replay predict, streamed")
struct StreamingPredictTests {
    /// Runs predict and returns the written array.
    static func predict(_ sample: Sample, _ extra: [String], output: String, inputs: [String]? = nil) throws -> NumPyArray {
        let given = inputs ?? zip(sample.report.inputs, sample.report.inputFiles ?? ["input.npy"]).flatMap { ["--input", "\($0)=\(sample.path($1))"] }
        let result = try KerasReplayCLI.run(["predict", sample.checkpointPath] + given + ["--output", output, "--no-progress"] + extra)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty, "\(result.standardError)")
        return try NumPyFile.read(output)
    }

    @Test("chunks of any size give the in-memory numbers, within 1e-6 of Keras", arguments: [
        ("keras3", "seed_autoencoder_small"), ("tf-keras", "masked_bidirectional"), ("keras3", "rnn_stateful"), ("keras2.2.4", "seed_stateful"),
        ("keras3", "convlstm2d_stateful"), ("tf-keras", "cudnn_gru"),
    ])
    func chunksMatch(_ sample: (String, String)) throws {
        let sample = try #require(SampleCatalog.sample(sample.0, sample.1))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let batch = sample.report.predictBatchSize.map { ["--batch-size", String($0)] } ?? []
        // In memory (an .npz output is not streamed), then streamed in chunks.
        let npz = folder.appendingPathComponent("whole.npz").path
        let run = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy"), "--output", npz] + batch)
        #expect(run.status == 0, "\(run.standardError)")
        let whole = try #require(try NumPyFile.readArchive(npz).first).array
        let stateful = sample.report.stateful == true
        for chunk in stateful ? [2, 4] : [1, 3] {
            let streamed = try Self.predict(sample, batch + ["--chunk-rows", String(chunk)], output: folder.appendingPathComponent("chunk\(chunk).npy").path)
            #expect(streamed.shape == whole.shape && streamed.scalars == whole.scalars, "\(sample) chunk \(chunk)")
        }
        let keras = try sample.expected()[0]
        #expect(whole.shape == keras.shape)
        #expect(zip(whole.scalars, keras.scalars).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(sample)")
    }

    @Test("--rows slices, and processes filling one --allocate'd output give the single-process file bit for bit")
    func slicesAndSharedOutput() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A larger input made from the sample's rows, so slices hold several rows.
        let original = try NumPyFile.read(sample.path("input.npy"))
        let repeated = NumPyArray(shape: [original.shape[0] * 5] + original.shape.dropFirst(), scalars: Array(repeating: original.scalars, count: 5).flatMap { $0 })
        let input = folder.appendingPathComponent("x.npy").path
        try NumPyFile.write(repeated, to: input)
        let whole = try Self.predict(sample, [], output: folder.appendingPathComponent("whole.npy").path, inputs: ["--input", input])
        let rows = repeated.shape[0], rowSize = whole.scalars.count / rows
        let part = try Self.predict(sample, ["--rows", "3:7"], output: folder.appendingPathComponent("part.npy").path, inputs: ["--input", input])
        #expect(part.shape == [4] + whole.shape.dropFirst())
        #expect(part.scalars == Array(whole.scalars[(3 * rowSize)..<(7 * rowSize)]))

        let shared = folder.appendingPathComponent("shared.npy").path
        let allocate = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", input, "--output-into", shared, "--allocate"])
        #expect(allocate.status == 0, "\(allocate.standardError)")
        #expect(try NumPyFile.read(shared).shape == whole.shape)
        for slice in [":4", "4:9", "9:"] {
            let fill = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", input, "--output-into", shared, "--rows", slice, "--chunk-rows", "2"])
            #expect(fill.status == 0, "\(fill.standardError)")
        }
        #expect(try NumPyFile.read(shared).scalars == whole.scalars)

        // Refusals: a slice past the end, a file of another shape, a stateful model not from row 0.
        let past = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", input, "--output", folder.appendingPathComponent("p.npy").path, "--rows", "8:\(rows + 1)"])
        #expect(past.status == 1 && past.standardError.contains("outside the input's \(rows) rows"), "\(past.standardError)")
        let wrong = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", input, "--output-into", folder.appendingPathComponent("part.npy").path])
        #expect(wrong.status == 1 && wrong.standardError.contains("expected float32 <f4 of shape"), "\(wrong.standardError)")
        let stateful = try #require(SampleCatalog.sample("keras3", "seed_stateful"))
        let late = try KerasReplayCLI.run(["predict", stateful.checkpointPath, "--input", stateful.path("input.npy"), "--output", folder.appendingPathComponent("s.npy").path, "--rows", "2:"])
        #expect(late.status == 1 && late.standardError.contains("replay its rows from row 0"), "\(late.standardError)")
    }

    @Test("Ctrl-C while streaming leaves no output and no partial file")
    func interrupted() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_lstm8_tanh_sigmoid"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let rows = 400_000
        let input = folder.appendingPathComponent("x.npy").path
        try NumPyFile.write(NumPyArray(shape: [rows, 3, 2], scalars: (0..<(rows * 6)).map { Float($0 % 97) / 97 }), to: input)
        let process = Process()
        process.executableURL = KerasReplayCLI.executable
        process.arguments = ["predict", sample.checkpointPath, "--input", input, "--output", folder.appendingPathComponent("y.npy").path,
                             "--chunk-rows", "50", "--no-progress"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(400_000)
        #expect(process.isRunning, "finished before it could be interrupted; make the input larger")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["x.npy"])
    }
}
