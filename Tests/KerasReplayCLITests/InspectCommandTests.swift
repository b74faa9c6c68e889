import Foundation
import SampleCatalog
import Testing

@Suite("keras-replay inspect")
struct InspectCommandTests {
    @Test("spells out the seed encoder's (100, 80) kernel: 100 inputs x 4 gates x 20 units, per direction")
    func seedAutoencoder() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder"))
        let result = try KerasReplayCLI.run(["inspect", sample.checkpointPath])
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty)
        let text = result.standardOutput
        #expect(text.contains("Keras 3.15.1"))
        #expect(text.contains("forward kernel float32 (100, 80) = 100 inputs x 4 gates x 20 units"))
        #expect(text.contains("backward kernel float32 (100, 80) = 100 inputs x 4 gates x 20 units"))
        #expect(text.contains("forward recurrent_kernel float32 (20, 80) = 20 units x 4 gates x 20 units"))
        #expect(text.contains("input gate [0, 20), forget gate [20, 40), cell candidate [40, 60), output gate [60, 80)"))
        #expect(text.contains("backward bias float32 (400,) = 4 gates x 100 units"))
        #expect(text.contains("merge_mode sum"))
    }

    @Test("--json is one document with layers, weights, gates and parameter counts", arguments: SampleCatalog.fullModels.filter { $0.generation == "keras1.2.2" || $0.model.hasPrefix("seed_autoencoder") })
    func json(sample: Sample) throws {
        let result = try KerasReplayCLI.run(["inspect", sample.checkpointPath, "--json"])
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(document["keras_version"] as? String == sample.report.kerasVersion)
        #expect(document["total_parameters"] as? Int == sample.report.totalParams)
        let layers = try #require(document["layers"] as? [[String: Any]])
        for reported in sample.report.layers {
            let layer = try #require(layers.first { $0["name"] as? String == reported.name })
            #expect(layer["parameters"] as? Int == reported.params)
            #expect(layer["class_name"] as? String == reported.className)
        }
        guard sample.model.hasPrefix("seed_autoencoder") else { return }
        let encoder = try #require(layers.first { $0["name"] as? String == "encoder_lstm" })
        let weights = try #require(encoder["weights"] as? [[String: Any]])
        #expect(weights.count == 6)
        #expect(weights.map { $0["direction"] as? String } == ["forward", "forward", "forward", "backward", "backward", "backward"])
        let gates = try #require(weights[0]["gates"] as? [[String: Any]])
        #expect(gates.map { $0["gate"] as? String } == ["input_gate", "forget_gate", "cell_candidate", "output_gate"])
    }

    @Test("Keras 1's twelve LSTM arrays are shown as one kernel, recurrent kernel and bias in i, f, c, o order")
    func keras1() throws {
        let sample = try #require(SampleCatalog.sample("keras1.2.2", "seed_lstm8_tanh_sigmoid"))
        let result = try KerasReplayCLI.run(["inspect", sample.checkpointPath])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("kernel float32 (2, 32) = 2 inputs x 4 gates x 8 units"))
        #expect(result.standardOutput.contains("joined from Keras 1 arrays"))
        #expect(result.standardOutput.contains("_W_i, "))
    }

    @Test("bad inputs: one line on stderr naming the file, exit code 1", arguments: [
        "SampleCheckpoints/bad/not_hdf5.h5", "SampleCheckpoints/bad/not_keras.h5", "SampleCheckpoints/bad/missing_dataset.h5",
        "SampleCheckpoints/bad/wrong_shape.h5", "SampleCheckpoints/bad/truncated.h5", "SampleCheckpoints/bad/missing_layer_group.h5",
        "no/such/file.h5",
    ])
    func badInput(path: String) throws {
        let result = try KerasReplayCLI.run(["inspect", path])
        #expect(result.status == 1)
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "\(result.standardError)")
        #expect(result.standardError.contains(path))
        #expect(!result.standardError.contains("HDF5-DIAG"))
    }
}
