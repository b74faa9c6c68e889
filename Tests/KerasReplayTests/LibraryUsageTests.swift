import KerasReplay
import SampleCatalog
import Testing

/// The README's library example, with `import KerasReplay` alone.
@Suite("Library as the README shows it")
struct LibraryUsageTests {
    @Test("load once, predict, trace gates, read gate blocks, compare epochs")
    func readmeExample() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder_small"))
        let array = try sample.inputs()[0]
        let input = Tensor(shape: array.shape, scalars: array.scalars)

        let model = try ReplayModel(path: sample.checkpointPath)
        let y = try model.predict([input])
        #expect(y[0].shape == [4, 8, 12])
        model.resetStates()
        // Process-wide allocator setting (true where glibc's malloc takes it; ASan's does not).
        ProcessMemory.keepFreedMemoryForReuse()
        #expect(try model.predict([input]) == y)

        let trace = try model.traceGates(layer: "encoder_lstm", inputs: [input])
        let forget = try #require(trace.series.first { $0.name == "forward_forget_gate" }).values
        #expect(forget.shape == [4, 8, 4])
        #expect(forget.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })

        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        let bound = try #require(checkpoint.layerWeights(named: "encoder_lstm")).bound
        #expect(bound.map(\.label) == ["forward kernel", "forward recurrent_kernel", "forward bias",
                                       "backward kernel", "backward recurrent_kernel", "backward bias"])
        #expect(bound[0].gates.map(\.columns) == [0..<4, 4..<8, 8..<12, 12..<16])

        let folder = sample.directory.appendingPathComponent("checkpoints")
        let comparison = try CheckpointComparison(pathA: folder.appendingPathComponent("1.h5").path,
                                                  pathB: folder.appendingPathComponent("2.h5").path)
        #expect(comparison.differs)
    }
}
