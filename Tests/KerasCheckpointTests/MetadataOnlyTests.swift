import HDF5
import KerasCheckpoint
import KerasLayers
import SampleCatalog
import Testing

@Suite("inspect reads metadata only")
struct MetadataOnlyTests {
    @Test("a summary needs no weight data: it works when no dataset may be read at all", arguments: SampleCatalog.fullModels.filter { $0.model.hasPrefix("seed_autoencoder") })
    func noDataRead(sample: Sample) throws {
        // A limit of one element makes any read of a weight's data fail.
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath, limits: ReadLimits(maxDatasetElements: 1))
        let summary = try CheckpointSummary(checkpoint)
        #expect(summary.totalParameters == sample.report.totalParams)
        #expect(throws: CheckpointError.self) { try CheckpointSummary(checkpoint, scanningData: true) }
    }

    @Test("--scan counts NaN and infinite weights")
    func scan() throws {
        let path = SampleCatalog.root.appendingPathComponent("fuzz-corpus/nan_kernel.h5").path
        let summary = try CheckpointSummary(KerasCheckpoint(path: path), scanningData: true)
        let kernels = summary.layers.flatMap(\.weights).filter { ($0.nanCount ?? 0) > 0 }
        #expect(kernels.count == 1)
        #expect(kernels.first?.nanCount == 64)
        let clean = try CheckpointSummary(KerasCheckpoint(path: SampleCatalog.sample("keras3", "seed_lstm8_tanh_sigmoid")!.checkpointPath), scanningData: true)
        #expect(clean.layers.flatMap(\.weights).allSatisfy { $0.nanCount == 0 && $0.infinityCount == 0 })
    }
}
