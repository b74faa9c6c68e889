import Foundation
import KerasCheckpoint
import KerasLayers
import NumPyFiles
import SampleCatalog
import Testing

/// `weights`, `activations` and what `inspect` shows of a model's graph, on files real Keras wrote.
@Suite("keras-replay weights, activations and inspect's graph")
struct LookInsideCommandTests {
    @Test("weights --split-gates gives each LSTM gate block exactly the per-gate array Keras 1 stored (W_i, U_f, b_o, ...)")
    func splitGatesMatchKeras1() throws {
        let sample = try #require(SampleCatalog.sample("keras1.2.2", "seed_lstm8_tanh_sigmoid"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("w.npz").path
        let result = try KerasReplayCLI.run(["weights", sample.checkpointPath, "--split-gates", "--output", output])
        #expect(result.status == 0, "\(result.standardError)")
        let arrays = Dictionary(try NumPyFile.readArchive(output).map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
        // The stored Keras 1 arrays, read as they are (no joining, no reordering).
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        let lstm = try #require(checkpoint.layers.first { $0.className == "LSTM" })
        let suffixes: [(String, String)] = [("input_gate", "i"), ("forget_gate", "f"), ("cell_candidate", "c"), ("output_gate", "o")]
        var compared = 0
        for (gate, letter) in suffixes {
            for (role, matrix) in [("kernel", "W"), ("recurrent_kernel", "U"), ("bias", "b")] {
                let entry = try #require(lstm.entries.first { $0.storedName.hasSuffix("_\(matrix)_\(letter)") })
                let ours = try #require(arrays["\(lstm.layerName)/\(role)/\(gate)"], "\(lstm.layerName)/\(role)/\(gate)")
                #expect(ours.shape == entry.shape)
                #expect(ours.scalars == (try checkpoint.entryData(entry)), "\(role) \(gate)")
                compared += 1
            }
        }
        #expect(compared == 12)
    }

    @Test("weights names arrays layer/direction/role in model order, as JSON or CSV too")
    func namesAndFormats() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder_small"))
        let listing = try KerasReplayCLI.run(["weights", sample.checkpointPath])
        #expect(listing.status == 0)
        let names = listing.standardOutput.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        #expect(names.prefix(3) == ["encoder_lstm/forward/kernel", "encoder_lstm/forward/recurrent_kernel", "encoder_lstm/forward/bias"])
        #expect(names.contains("decoder_lstm/backward/bias"))
        let csv = try KerasReplayCLI.run(["weights", sample.checkpointPath, "--format", "csv", "--layer", "encoder_lstm"])
        #expect(csv.status == 0)
        // Header plus one row per value: 2 x (12x16 + 4x16 + 16).
        #expect(csv.standardOutput.split(separator: "\n").count == 1 + 2 * (12 * 16 + 4 * 16 + 16))
        let json = try KerasReplayCLI.run(["weights", sample.checkpointPath, "--format", "json", "--layer", "encoder_lstm"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: [String: Any]])
        #expect((document["encoder_lstm/backward/kernel"]?["shape"] as? [Int]) == [12, 16])
        let unknown = try KerasReplayCLI.run(["weights", sample.checkpointPath, "--layer", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("no layer named 'nope'"))
    }

    @Test("a Keras 3 .weights.h5 without an architecture: inspect lists its arrays with gate blocks, weights writes them")
    func weightsOnlyWithoutArchitecture() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder_small"))
        let inspect = try KerasReplayCLI.run(["inspect", sample.path("model.weights.h5")])
        #expect(inspect.status == 0, "\(inspect.standardError)")
        #expect(inspect.standardOutput.contains("forward kernel float32 (12, 16)"))
        #expect(inspect.standardOutput.contains("input gate [0, 4), forget gate [4, 8), cell candidate [8, 12), output gate [12, 16)"))
        let weights = try KerasReplayCLI.run(["weights", sample.path("model.weights.h5")])
        #expect(weights.status == 0)
        #expect(weights.standardOutput.contains("encoder_lstm/forward/kernel  (12, 16)"))
    }

    @Test("activations writes every layer's output, equal to what Keras' own sub-models computed")
    func activationsCommand() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "bench_transformer"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("a.npz").path
        let result = try KerasReplayCLI.run(["activations", sample.checkpointPath, "--input", sample.path("input.npy"), "--output", output])
        #expect(result.status == 0, "\(result.standardError)")
        let ours = Dictionary(try NumPyFile.readArchive(output).map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
        let keras = try #require(try sample.layerOutputs())
        #expect(Set(ours.keys) == Set(keras.keys))
        for (name, array) in keras {
            let mine = try #require(ours[name])
            #expect(mine.shape == array.shape)
            #expect(zip(mine.scalars, array.scalars).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }, "\(name)")
        }
        let wrongExtension = try KerasReplayCLI.run(["activations", sample.checkpointPath, "--input", sample.path("input.npy"), "--output", folder.appendingPathComponent("a.npy").path])
        #expect(wrongExtension.status == 64)
        #expect(wrongExtension.standardError.contains(".npz"))
    }

    @Test("inspect shows Keras' Connected to column, JSON numbers as numbers, and what --scan read")
    func inspectDetails() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder_small"))
        let text = try KerasReplayCLI.run(["inspect", sample.checkpointPath, "--scan"])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("Connected to"))
        #expect(text.standardOutput.contains("repeater[0][0]"))
        #expect(text.standardOutput.contains("Scanned 12 arrays, 2,176 values: all finite"))
        let json = try KerasReplayCLI.run(["inspect", sample.checkpointPath, "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let layers = try #require(document["layers"] as? [[String: Any]])
        let decoder = try #require(layers.first { $0["name"] as? String == "decoder_lstm" })
        let settings = try #require(decoder["settings"] as? [String: Any])
        #expect(settings["units"] as? Int == 12)
        #expect(settings["return_sequences"] as? Bool == true)
        #expect(decoder["connected_to"] as? [String] == ["repeater[0][0]"])
    }

    @Test("inspect --graph draws every layer and connection (SVG), or writes Graphviz DOT")
    func graph() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "bench_transformer"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let svg = folder.appendingPathComponent("g.svg").path, dot = folder.appendingPathComponent("g.dot").path
        #expect(try KerasReplayCLI.run(["inspect", sample.checkpointPath, "--graph", svg]).status == 0)
        #expect(try KerasReplayCLI.run(["inspect", sample.checkpointPath, "--graph", dot]).status == 0)
        let picture = try String(contentsOfFile: svg, encoding: .utf8), graph = try String(contentsOfFile: dot, encoding: .utf8)
        for layer in sample.report.layers {
            #expect(picture.contains(">\(layer.name)<"), "\(layer.name)")
            #expect(graph.contains("\"\(layer.name)\""))
        }
        // The residual connections: the input feeds the attention's Add, and the first norm the second Add.
        #expect(graph.contains("\"series\" -> \"add_attn\""))
        #expect(graph.contains("\"ln_attn\" -> \"add_ff\""))
        #expect(picture.components(separatedBy: "marker-end=").count - 1 == graph.components(separatedBy: " -> ").count - 1)
        let png = try KerasReplayCLI.run(["inspect", sample.checkpointPath, "--graph", folder.appendingPathComponent("g.png").path])
        #expect(png.status == 64)
    }

    @Test("--version names the tool")
    func version() throws {
        let result = try KerasReplayCLI.run(["--version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("keras-replay "))
    }

    @Test("a call saved with training=True is replayed in inference mode, with one warning (tf-keras, Keras 2)")
    func trainingTrue() throws {
        for generation in ["tf-keras", "keras2.2.4"] {
            let sample = try #require(SampleCatalog.sample(generation, "training_true_dropout"))
            let result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy"), "--expected", sample.path("expected.npy")])
            #expect(result.status == 0, "\(generation): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1)
            #expect(result.standardError.contains("training=True") && result.standardError.contains("dropout_train"))
            let inspect = try KerasReplayCLI.run(["inspect", sample.checkpointPath])
            #expect(inspect.standardOutput.contains("called with training=True"))
        }
        // Keras 3's predict ignores training=True: no warning.
        let keras3 = try #require(SampleCatalog.sample("keras3", "training_true_dropout"))
        let quiet = try KerasReplayCLI.run(["predict", keras3.checkpointPath, "--input", keras3.path("input.npy"), "--expected", keras3.path("expected.npy")])
        #expect(quiet.status == 0)
        #expect(quiet.standardError.isEmpty)
    }
}
