import Foundation
import NumPyFiles
import SampleCatalog
import Testing

@Suite("keras-replay predict")
struct PredictCommandTests {
    @Test("writes a float32 .npy within 1e-6 of Keras' model.predict", arguments: ["keras3", "tf-keras", "keras2.2.4", "keras1.2.2"])
    func writesNumPy(generation: String) throws {
        let sample = try #require(SampleCatalog.sample(generation, "seed_autoencoder_small"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("y.npy").path
        let result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy"), "--output", output])
        #expect(result.status == 0, "\(result.standardError)")
        let ours = try NumPyFile.read(output)
        let keras = try sample.expected()[0]
        #expect(ours.storedType == "<f4")
        #expect(ours.shape == keras.shape)
        #expect(zip(ours.scalars, keras.scalars).allSatisfy { abs($0 - $1) <= 1e-6 })
        // Nothing else is left in the folder: the output was renamed into place.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["y.npy"])
    }

    @Test("--expected prints the max abs difference from Keras and passes the 1e-6 bar")
    func expected() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder"))
        let result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy"), "--expected", sample.path("expected.npy")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("max abs difference"))
    }

    @Test("several inputs by name, several outputs into one .npz named after the output layers")
    func multipleInputsAndOutputs() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "merge_layers"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.npz").path
        let inputs = zip(sample.report.inputs, sample.report.inputFiles ?? []).flatMap { ["--input", "\($0)=\(sample.path($1))"] }
        let result = try KerasReplayCLI.run(["predict", sample.checkpointPath] + inputs + ["--output", output])
        #expect(result.status == 0, "\(result.standardError)")
        let arrays = try NumPyFile.readArchive(output)
        #expect(arrays.map(\.name) == sample.report.outputs)
        for (array, expected) in zip(arrays.map(\.array), try sample.expected()) {
            #expect(zip(array.scalars, expected.scalars).allSatisfy { abs($0 - $1) <= 1e-6 })
        }
    }

    @Test("without --output it prints a short summary")
    func summary() throws {
        let sample = try #require(SampleCatalog.sample("tf-keras", "seed_lstm8_tanh_sigmoid"))
        let result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", sample.path("input.npy")])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("shape ("))
        #expect(result.standardOutput.contains("[0]"))
    }

    @Test("refuses: wrong input shape, Lambda layers, corrupt .npy, writing over an input")
    func refusals() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_lstm8_tanh_sigmoid"))
        let folder = try KerasReplayCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }

        let wrongShape = folder.appendingPathComponent("wrong.npy").path
        try NumPyFile.write(NumPyArray(shape: [2, 3, 5], scalars: Array(repeating: 0.5, count: 30)), to: wrongShape)
        var result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", wrongShape])
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("(2, 3, 5)") || result.standardError.contains("[2, 3, 5]"), "\(result.standardError)")

        result = try KerasReplayCLI.run(["predict", "SampleCheckpoints/bad/lambda_layer.h5", "--input", sample.path("input.npy")])
        #expect(result.status == 1)
        #expect(result.standardError.contains("Lambda"))

        // A fuzzed .keras whose `name` string claims ~8 GB: refused at once by the data limit the
        // command puts on libhdf5's string conversion (without it: 20+ s of zero-filling, then a
        // misleading error about the layer).
        result = try KerasReplayCLI.run(["predict", "SampleCheckpoints/bad/huge_vlen_string.keras", "--input", "SampleCheckpoints/keras3/seed_hard_sigmoid/input.npy"])
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains("claims more than the 64 MiB attribute limit"), "\(result.standardError)")

        let corrupt = folder.appendingPathComponent("corrupt.npy").path
        try Data("\u{93}NUMPY garbage".utf8).write(to: URL(fileURLWithPath: corrupt))
        result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", corrupt])
        #expect(result.status == 1)
        #expect(result.standardError.contains(corrupt))

        let input = folder.appendingPathComponent("x.npy").path
        try FileManager.default.copyItem(atPath: sample.path("input.npy"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        result = try KerasReplayCLI.run(["predict", sample.checkpointPath, "--input", input, "--output", input])
        #expect(result.status != 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }
}

@Suite("keras-replay on non-finite weights")
struct NonFiniteWeightCommandTests {
    @Test("predict warns on stderr, naming the layer and weight, and still writes the (NaN) result")
    func warns() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_lstm8_tanh_sigmoid"))
        let result = try KerasReplayCLI.run(["predict", "SampleCheckpoints/fuzz-corpus/nan_kernel.h5", "--input", sample.path("input.npy")])
        #expect(result.status == 0)
        #expect(result.standardError.contains("warning"))
        #expect(result.standardError.contains("layer 'lstm' kernel holds 64 NaN"))
        #expect(result.standardOutput.contains("nan"))
    }
}
