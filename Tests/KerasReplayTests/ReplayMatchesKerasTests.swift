import Foundation
import KerasCheckpoint
import KerasReplay
import NumPyFiles
import ReplayEngine
import SampleCatalog
import Testing

/// Every sample model replays within 1e-6 of what `model.predict` of the Keras that wrote it returned.
@Suite("Replay against real model.predict")
struct ReplayMatchesKerasTests {
    static let tolerance: Float = 1e-6

    /// The largest |ours - Keras|; NaN where only one side is NaN counts as infinite (NaN on
    /// both sides, which Keras computes for some inputs, matches).
    static func maxDifference(_ tensor: Tensor, _ expected: NumPyArray) -> Float {
        guard tensor.scalars.count == expected.scalars.count else { return .infinity }
        return zip(tensor.scalars, expected.scalars).reduce(0) { worst, pair in
            if pair.0.isNaN || pair.1.isNaN { return pair.0.isNaN && pair.1.isNaN ? worst : .infinity }
            return max(worst, abs(pair.0 - pair.1))
        }
    }

    static func replay(_ sample: Sample, architecture: Architecture? = nil, checkpoint: String? = nil) throws -> [(Tensor, NumPyArray)] {
        let model = try ReplayModel(path: checkpoint ?? sample.checkpointPath, architecture: architecture)
        let inputs = try sample.inputs().map { Tensor(shape: $0.shape, scalars: $0.scalars) }
        let outputs = try model.predict(inputs, batchSize: sample.report.predictBatchSize)
        let expected = try sample.expected()
        #expect(outputs.count == expected.count, "\(sample): \(outputs.count) outputs, Keras gave \(expected.count)")
        return Array(zip(outputs, expected))
    }

    @Test("max |ours - Keras| <= 1e-6", arguments: SampleCatalog.fullModels)
    func replayMatches(sample: Sample) throws {
        for (index, (output, expected)) in try Self.replay(sample).enumerated() {
            #expect(output.shape == expected.shape, "\(sample) output \(index)")
            let difference = Self.maxDifference(output, expected)
            #expect(difference <= Self.tolerance, "\(sample) output \(index): max abs difference \(difference)")
        }
    }

    @Test("every epoch checkpoint of the autoencoder replays its own epoch's predict",
          arguments: SampleCatalog.all.filter { $0.model == "seed_autoencoder_small" || $0.model == "seed_autoencoder" })
    func epochCheckpoints(sample: Sample) throws {
        let folder = sample.directory.appendingPathComponent("checkpoints")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".h5") || $0.hasSuffix(".hdf5") }
        var replayed = 0
        for file in files {
            let epoch = (file as NSString).deletingPathExtension
            let expectedPath = folder.appendingPathComponent("expected_\(epoch).npy").path
            guard FileManager.default.fileExists(atPath: expectedPath) else { continue }
            let model = try ReplayModel(path: folder.appendingPathComponent(file).path)
            let input = try sample.inputs()[0]
            let output = try model.predict([Tensor(shape: input.shape, scalars: input.scalars)])[0]
            let difference = Self.maxDifference(output, try NumPyFile.read(expectedPath))
            #expect(difference <= Self.tolerance, "\(sample) epoch \(epoch): \(difference)")
            replayed += 1
        }
        #expect(replayed >= 3)
    }

    static let weightsOnlySamples = SampleCatalog.all.filter {
        $0.model.contains("weights_only") && FileManager.default.fileExists(atPath: $0.path("weights.h5"))
            && FileManager.default.fileExists(atPath: $0.path("model.json"))
    }

    @Test("a Keras 2 save_weights file replays with the architecture from model.to_json()", arguments: weightsOnlySamples)
    func weightsOnly(sample: Sample) throws {
        let checkpoint = sample.directory.appendingPathComponent("weights.h5").path
        #expect(throws: (any Error).self) { try ReplayModel(path: checkpoint) }
        let architecture = try Architecture(configFile: sample.path("model.json"))
        for (output, expected) in try Self.replay(sample, architecture: architecture, checkpoint: checkpoint) {
            #expect(Self.maxDifference(output, expected) <= Self.tolerance)
        }
    }

    @Test("a stateful model keeps its state between predict calls until reset, as Keras does")
    func statefulStreaming() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_stateful"))
        let model = try ReplayModel(path: sample.checkpointPath)
        let input = try sample.inputs()[0]
        let expected = try sample.expected()[0]
        let rowSize = input.shape.dropFirst().reduce(1, *)
        // Feed one row per call: the state must carry from call to call.
        var streamed: [Float] = []
        for row in 0..<input.shape[0] {
            let slice = Array(input.scalars[(row * rowSize)..<((row + 1) * rowSize)])
            streamed += try model.predict([Tensor(shape: [1] + input.shape.dropFirst(), scalars: slice)])[0].scalars
        }
        #expect(zip(streamed, expected.scalars).allSatisfy { abs($0 - $1) <= Self.tolerance })
        // Without a reset the next run starts from the carried state, and differs.
        let again = try model.predict([Tensor(shape: input.shape, scalars: input.scalars)])[0]
        #expect(Self.maxDifference(again, expected) > Self.tolerance)
        model.resetStates()
        let afterReset = try model.predict([Tensor(shape: input.shape, scalars: input.scalars)])[0]
        #expect(Self.maxDifference(afterReset, expected) <= Self.tolerance)
    }

    @Test("the seed models replay for all four Keras generations")
    func seedCoverage() {
        let seeds = ["seed_stateful", "seed_lstm8_tanh_sigmoid", "seed_lstm8_relu_sigmoid", "seed_lstm8_tanh_relu", "seed_autoencoder_small"]
        for generation in ["keras3", "tf-keras", "keras2.2.4", "keras1.2.2"] {
            for seed in seeds {
                #expect(SampleCatalog.fullModels.contains { $0.generation == generation && $0.model == seed }, "\(generation)/\(seed)")
            }
        }
    }
}
