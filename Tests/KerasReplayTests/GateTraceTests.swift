import Foundation
import KerasReplay
import NumPyFiles
import ReplayEngine
import SampleCatalog
import Testing

/// Gate traces against float64 NumPy references computed from the checkpoints' weights
/// (Scripts/gates_reference.py), never from our own output.
@Suite("Gate traces")
struct GateTraceTests {
    struct Reference: Sendable, CustomStringConvertible {
        var sample: Sample
        var layer: String
        /// One cell of an RNN over StackedRNNCells (`gates_<layer>@<cell>.npz`).
        var cell: String?
        var path: String
        var description: String { "\(sample)/\(layer)" + (cell.map { "@\($0)" } ?? "") }
    }

    static let references: [Reference] = SampleCatalog.fullModels.flatMap { sample in
        ((try? FileManager.default.contentsOfDirectory(atPath: sample.directory.path)) ?? [])
            .filter { $0.hasPrefix("gates_") && $0.hasSuffix(".npz") }.sorted()
            .map { file in
                let name = file.dropFirst(6).dropLast(4).split(separator: "@", maxSplits: 1).map(String.init)
                return Reference(sample: sample, layer: name[0], cell: name.count > 1 ? name[1] : nil, path: sample.path(file))
            }
    }

    static func inputs(_ sample: Sample) throws -> [Tensor] {
        try sample.inputs().map { Tensor(shape: $0.shape, scalars: $0.scalars) }
    }

    /// 1e-6, scaled (normwise) by the largest value of the array and of the model input: float32
    /// rounds `x·W` to about 2^-24 of |x|·|W|, so the seed autoencoder's inputs (integers up to 89)
    /// leave errors near 1e-5 in a float32 cell candidate against float64, in Keras as in this
    /// engine, and a relu cell that grows to ~20 carries its rounding from step to step.
    static func tolerance(arrayScale: Float, inputScale: Float) -> Float {
        1e-6 * max(1, arrayScale, inputScale)
    }

    @Test("every gate at every step within 1e-6 of float64 NumPy (normwise: scaled by the array and input size)", arguments: references)
    func matchesNumPy(reference: Reference) throws {
        let model = try ReplayModel(path: reference.sample.checkpointPath)
        let inputs = try Self.inputs(reference.sample)
        let inputScale = inputs.flatMap(\.scalars).reduce(Float(0)) { max($0, abs($1)) }
        let trace = try model.traceGates(layer: reference.layer, inputs: inputs, cell: reference.cell)
        let ours = Dictionary(uniqueKeysWithValues: trace.namedArrays.map { ($0.name, $0.tensor) })
        let expected = try NumPyFile.readArchive(reference.path)
        for (name, array) in expected {
            let tensor = try #require(ours[name], "\(reference): no array '\(name)' (have \(ours.keys.sorted()))")
            #expect(tensor.shape == array.shape, "\(reference) \(name)")
            let tolerance = Self.tolerance(arrayScale: array.scalars.reduce(Float(0)) { max($0, abs($1)) }, inputScale: inputScale)
            var worst: Float = 0
            for (value, wanted) in zip(tensor.scalars, array.scalars) {
                worst = max(worst, abs(value - wanted) / tolerance)
            }
            #expect(worst <= 1, "\(reference) \(name): \(worst) x the tolerance")
        }
        #expect(Set(ours.keys) == Set(expected.map(\.name)), "\(reference): arrays differ from the reference's")
    }

    @Test("the trace comes from predict's own loop: same outputs bit for bit, hidden is the layer output")
    func samePathAsPredict() throws {
        for generation in ["keras3", "tf-keras", "keras2.2.4", "keras1.2.2"] {
            let sample = try #require(SampleCatalog.sample(generation, "seed_autoencoder_small"))
            let model = try ReplayModel(path: sample.checkpointPath)
            let inputs = try Self.inputs(sample)
            let predicted = try model.predict(inputs)
            let trace = try model.traceGates(layer: "decoder_lstm", inputs: inputs)
            #expect(trace.outputs == predicted)
            // The decoder is the model output: Bidirectional(return_sequences, merge sum) of the two hiddens.
            let forward = try #require(trace.series.first { $0.name == "forward_hidden" }).values
            let backward = try #require(trace.series.first { $0.name == "backward_hidden" }).values
            #expect(zip(forward.scalars, backward.scalars).map { $0 + $1 } == predicted[0].scalars, "\(generation)")
        }
    }

    @Test("a stateful model's trace carries state from batch to batch, as predict does")
    func stateful() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_stateful"))
        let model = try ReplayModel(path: sample.checkpointPath)
        let trace = try model.traceGates(layer: "lstm", inputs: Self.inputs(sample))
        #expect(trace.batchSize == 12)
        let cell = try #require(trace.series.first { $0.name == "cell" }).values
        // One sample per step of the stream: laid out as a single 12-step sequence.
        let stream = trace.streamed()
        #expect(stream.batchSize == 1 && stream.timesteps == 12 && stream.units == 10)
        #expect(stream.series.first { $0.name == "cell" }?.values.scalars == cell.scalars)
        // Row 1 starts from row 0's state: its cell differs from a fresh run on row 1 alone.
        model.resetStates()
        let rowOne = try Self.inputs(sample)[0].shape.dropFirst().reduce(1, *)
        let alone = try model.traceGates(layer: "lstm", inputs: [Tensor(shape: [1, 1, 1], scalars: Array(try Self.inputs(sample)[0].scalars[rowOne..<(2 * rowOne)]))])
        let aloneCell = try #require(alone.series.first { $0.name == "cell" }).values
        #expect(aloneCell.scalars != Array(cell.scalars[10..<20]))
    }

    @Test("traced a chunk of rows at a time, the arrays are those of one call (stateful state carried across chunks)")
    func chunked() throws {
        for (generation, name, layer) in [("keras3", "masked_bidirectional", "bidirectional"), ("keras3", "seed_stateful", "lstm"),
                                          ("keras3", "convlstm2d_options", "cl_seq")] {
            let sample = try #require(SampleCatalog.sample(generation, name))
            let model = try ReplayModel(path: sample.checkpointPath)
            let inputs = try Self.inputs(sample)
            let layerName = model.recurrentLayers.map(\.name).contains(layer) ? layer : try #require(model.recurrentLayers.first?.name)
            let whole = try model.traceGates(layer: layerName, inputs: inputs)
            model.resetStates()
            var seen: [Int] = []
            let chunked = try model.traceGates(layer: layerName, inputs: inputs, chunkRows: 2) { seen.append($0) }
            #expect(seen.last == inputs[0].shape[0] && seen.count > 1, "\(sample)")
            #expect(chunked.namedArrays.map(\.name) == whole.namedArrays.map(\.name))
            for (a, b) in zip(chunked.namedArrays, whole.namedArrays) { #expect(a.tensor == b.tensor, "\(sample) \(a.name)") }
            #expect(chunked.outputs == whole.outputs, "\(sample)")
        }
    }

    @Test("without a recurrent layer name, the error lists the recurrent layers")
    func wrongLayer() throws {
        let sample = try #require(SampleCatalog.sample("keras3", "seed_autoencoder_small"))
        let model = try ReplayModel(path: sample.checkpointPath)
        #expect(model.recurrentLayers.map(\.name) == ["encoder_lstm", "decoder_lstm"])
        do {
            _ = try model.traceGates(layer: "repeater", inputs: Self.inputs(sample))
            Issue.record("traced a RepeatVector")
        } catch {
            #expect("\(error)".contains("encoder_lstm, decoder_lstm"))
        }
    }

    @Test("the references cover LSTM, GRU both ways, SimpleRNN, Bidirectional, stateful, masked, all generations")
    func coverage() {
        let names = Set(Self.references.map { "\($0.sample.generation)/\($0.sample.model)" })
        for required in ["keras3/gru_reset_after", "keras3/gru_reset_before", "keras3/simple_rnn", "keras3/bidirectional_gru",
                         "keras3/masking_lstm", "keras3/masked_bidirectional", "tf-keras/seed_stateful", "keras1.2.2/seed_autoencoder_small",
                         "keras2.2.4/seed_stateful"] {
            #expect(names.contains(required), "\(required)")
        }
    }
}
