import Foundation
import KerasCheckpoint
import KerasReplay
import SampleCatalog
import Testing

/// `diff` across Keras 3's own formats and the legacy `.h5`: the same weights, however stored.
@Suite("diff across .keras, .weights.h5 and .h5")
struct NativeDiffTests {
    static let sample = SampleCatalog.sample("keras3", "seed_autoencoder_small")!

    @Test("the .keras and .h5 that Keras wrote from one model differ in nothing")
    func archiveAgainstLegacy() throws {
        let comparison = try CheckpointComparison(pathA: Self.sample.path("model.keras"), pathB: Self.sample.checkpointPath)
        #expect(!comparison.tensors.isEmpty)
        #expect(comparison.tensors.allSatisfy { $0.statistics.maxAbsDelta == 0 })
        #expect(!comparison.differs)
    }

    @Test("a .weights.h5 borrows the other file's architecture, or takes --config")
    func weightsAgainstLegacy() throws {
        let borrowed = try CheckpointComparison(pathA: Self.sample.path("model.weights.h5"), pathB: Self.sample.checkpointPath)
        #expect(!borrowed.differs)
        #expect(borrowed.tensors.count == (try CheckpointComparison(pathA: Self.sample.checkpointPath, pathB: Self.sample.checkpointPath)).tensors.count)
        let given = try CheckpointComparison(pathA: Self.sample.checkpointPath, pathB: Self.sample.path("model.weights.h5"),
                                             architecture: Architecture(configFile: Self.sample.path("model.json")))
        #expect(!given.differs)
    }

    @Test("epoch 1 and 2 of ModelCheckpoint's .weights.h5 files show the same change as their .keras twins")
    func nativeEpochs() throws {
        let folder = Self.sample.directory.appendingPathComponent("checkpoints_keras")
        let architecture = try Architecture(configFile: Self.sample.path("model.json"))
        let weights = try CheckpointComparison(pathA: folder.appendingPathComponent("1.weights.h5").path,
                                               pathB: folder.appendingPathComponent("2.weights.h5").path, architecture: architecture)
        let archives = try CheckpointComparison(pathA: folder.appendingPathComponent("1.keras").path,
                                                pathB: folder.appendingPathComponent("2.keras").path)
        #expect(weights.differs)
        #expect(weights.tensors.map(\.statistics.maxAbsDelta) == archives.tensors.map(\.statistics.maxAbsDelta))
    }
}
