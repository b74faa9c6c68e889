import Foundation
import KerasCheckpoint
import KerasLayers
import SampleCatalog
import Testing

/// Broken files give one line naming the file, the place, what was expected and what was found.
@Suite("Bad checkpoints")
struct BadCheckpointTests {
    static func bad(_ name: String) -> String {
        SampleCatalog.root.appendingPathComponent("bad").appendingPathComponent(name).path
    }

    @Test("each broken file is refused with one line that says what is wrong", arguments: [
        ("/no/such/checkpoint.h5", ["no such file"]),
        ("not_hdf5.h5", ["not an HDF5 file"]),
        ("not_keras.h5", ["not a Keras checkpoint", "model_weights", "layer_names"]),
        ("missing_dataset.h5", ["layer 'lstm'", "expected dataset", "recurrent_kernel", "found nothing"]),
        ("missing_layer_group.h5", ["layer 'lstm'", "expected group", "found nothing"]),
        ("wrong_shape.h5", ["layer 'lstm' (LSTM)", "recurrent_kernel expected shape (8, 32)", "found (8, 28)"]),
        ("bad_config.h5", ["model_config", "not valid JSON"]),
        ("external_link.h5", ["layer 'lstm'", "external link", "not followed"]),
        ("truncated.h5", ["truncated"]),
        ("../fuzz-corpus/config_duplicate_layers.h5", ["model_config", "unique layer names", "'lstm' twice"]),
    ])
    func refused(file: String, phrases: [String]) throws {
        let path = file.hasPrefix("/") ? file : Self.bad(file)
        let message = try #require(failure(path), "\(file) was accepted")
        #expect(message.hasPrefix(path), "names the file: \(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
        for phrase in phrases {
            #expect(message.contains(phrase), "'\(phrase)' in: \(message)")
        }
    }

    @Test("the checkpoint is not modified by reading it")
    func readOnly() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_lstm8_tanh_sigmoid"))
        let before = try Data(contentsOf: URL(fileURLWithPath: sample.checkpointPath))
        let attributes = try FileManager.default.attributesOfItem(atPath: sample.checkpointPath)
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        for layer in checkpoint.layers { for weight in layer.bound { _ = try checkpoint.tensorData(for: weight) } }
        let after = try Data(contentsOf: URL(fileURLWithPath: sample.checkpointPath))
        #expect(before == after)
        let modifiedAfter = try FileManager.default.attributesOfItem(atPath: sample.checkpointPath)[.modificationDate] as? Date
        #expect(modifiedAfter == attributes[.modificationDate] as? Date)
    }
}
