import Foundation
import KerasCheckpoint
import KerasReplay
import NumPyFiles
import ReplayEngine
import SampleCatalog
import Testing

/// Keras 3's own formats replay like their legacy `.h5` twins, which Keras wrote from the same model.
@Suite("Keras 3 .keras and .weights.h5")
struct NativeFormatTests {
    static var samples: [Sample] {
        SampleCatalog.all.filter { FileManager.default.fileExists(atPath: $0.path("native.json")) }
    }

    func check(_ model: ReplayModel, _ sample: Sample) throws {
        let inputs = try sample.inputs().map { Tensor(shape: $0.shape, scalars: $0.scalars) }
        let outputs = try model.predict(inputs, batchSize: sample.report.predictBatchSize)
        let expected = try sample.expected()
        #expect(outputs.count == expected.count)
        for (output, wanted) in zip(outputs, expected) {
            #expect(output.shape == wanted.shape)
            let difference = ReplayMatchesKerasTests.maxDifference(output, wanted)
            #expect(difference <= 1e-6, "\(sample): \(difference)")
        }
    }

    @Test(".keras archives replay within 1e-6 of model.predict", arguments: samples)
    func archive(sample: Sample) throws {
        try check(ReplayModel(path: sample.path("model.keras")), sample)
    }

    @Test(".weights.h5 replays with --config model.json and with --architecture model.h5", arguments: samples)
    func weights(sample: Sample) throws {
        try check(ReplayModel(path: sample.path("model.weights.h5"), architecture: Architecture(configFile: sample.path("model.json"))), sample)
        let borrowed = try Architecture(checkpoint: KerasCheckpoint(path: sample.checkpointPath))
        try check(ReplayModel(path: sample.path("model.weights.h5"), architecture: borrowed), sample)
    }

    @Test("the .keras, .weights.h5 and .h5 of one model bind the same weights", arguments: samples)
    func sameWeights(sample: Sample) throws {
        let legacy = try KerasCheckpoint(path: sample.checkpointPath)
        let archive = try KerasCheckpoint(path: sample.path("model.keras"))
        #expect(archive.format == .kerasArchive)
        #expect(archive.kerasVersion?.text == sample.report.kerasVersion)
        for layer in legacy.layers where !layer.bound.isEmpty {
            let twin = try #require(archive.layerWeights(named: layer.layerName), "\(layer.layerName)")
            #expect(twin.bound.map(\.shape) == layer.bound.map(\.shape))
            #expect(twin.bound.map(\.label) == layer.bound.map(\.label))
            for (ours, theirs) in zip(twin.bound, layer.bound) {
                #expect(try archive.tensorData(for: ours) == legacy.tensorData(for: theirs))
            }
        }
    }

    @Test("ModelCheckpoint's .keras and .weights.h5 epoch files replay their epoch's predict")
    func epochArchives() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder_small"))
        let folder = sample.directory.appendingPathComponent("checkpoints_keras")
        let input = try sample.inputs()[0]
        let architecture = try Architecture(checkpoint: KerasCheckpoint(path: sample.checkpointPath))
        for epoch in 1...3 {
            let expected = try NumPyFile.read(folder.appendingPathComponent("expected_\(epoch).npy").path)
            for (file, architecture) in [("\(epoch).keras", nil), ("\(epoch).weights.h5", architecture)] {
                let model = try ReplayModel(path: folder.appendingPathComponent(file).path, architecture: architecture)
                let output = try model.predict([Tensor(shape: input.shape, scalars: input.scalars)])[0]
                let difference = ReplayMatchesKerasTests.maxDifference(output, expected)
                #expect(difference <= 1e-6, "\(file): \(difference)")
            }
        }
    }

    @Test("a weights-only file without an architecture says how to give one")
    func needsArchitecture() throws {
        let sample = try #require(Self.samples.first)
        do {
            _ = try ReplayModel(path: sample.path("model.weights.h5"))
            Issue.record("replayed without an architecture")
        } catch {
            #expect("\(error)".contains("--config"))
        }
    }

    @Test("damaged archives get one line each", arguments: [
        ("truncated.keras", "damaged"), ("missing_member.keras", "expected member 'model.weights.h5'"),
        ("member_not_hdf5.keras", "not an HDF5 file"), ("zip_bomb.keras", "over the limit"),
    ])
    func damaged(file: String, phrase: String) throws {
        let path = SampleCatalog.root.appendingPathComponent("bad").appendingPathComponent(file).path
        do {
            _ = try KerasCheckpoint(path: path)
            Issue.record("\(file) was accepted")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix(path))
            #expect(message.contains(phrase), "\(message)")
            #expect(!message.contains("\n"))
        }
    }
}
