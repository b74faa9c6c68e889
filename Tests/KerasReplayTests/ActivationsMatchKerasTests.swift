import Foundation
import KerasReplay
import NumPyFiles
import SampleCatalog
import Testing

/// Every layer's output, as `keras-replay activations` gives it, equals what Keras computed for
/// that layer (`layer_outputs.npz`: `keras.Model(m.inputs, layer.output).predict`, written by
/// Scripts/make_samples.py).
@Suite("Every layer's output against Keras' own sub-models")
struct ActivationsMatchKerasTests {
    static var samples: [Sample] {
        SampleCatalog.fullModels.filter { FileManager.default.fileExists(atPath: $0.path("layer_outputs.npz")) }
    }

    /// 1e-6, relative to the value where it is above 1 (some layers' outputs are unbounded).
    static func worstExcess(_ ours: Tensor, _ keras: NumPyArray) -> Float {
        guard ours.scalars.count == keras.scalars.count else { return .infinity }
        return zip(ours.scalars, keras.scalars).reduce(0) { worst, pair in
            if pair.0.isNaN || pair.1.isNaN { return pair.0.isNaN && pair.1.isNaN ? worst : .infinity }
            return max(worst, abs(pair.0 - pair.1) / max(1, abs(pair.1)))
        }
    }

    @Test("each layer's output is within 1e-6 of Keras'", arguments: samples)
    func layerOutputs(sample: Sample) throws {
        let expected = try #require(try sample.layerOutputs())
        let model = try ReplayModel(path: sample.checkpointPath)
        let inputs = try sample.inputs().map { Tensor(shape: $0.shape, scalars: $0.scalars) }
        let result = try model.activations(inputs: inputs)
        let ours = Dictionary(result.arrays.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        #expect(Set(ours.keys).isSuperset(of: expected.keys), "\(sample): Keras recorded \(Set(expected.keys).subtracting(ours.keys).sorted()) which we do not")
        for (name, keras) in expected {
            guard let tensor = ours[name] else { continue }
            #expect(tensor.shape == keras.shape, "\(sample) \(name): shape \(tensor.shape), Keras \(keras.shape)")
            let excess = Self.worstExcess(tensor, keras)
            #expect(excess <= 1e-6, "\(sample) \(name): max difference \(excess)")
        }
        // The same run's outputs are predict's (from fresh states, as the run started).
        model.resetStates()
        let predicted = try model.predict(inputs)
        #expect(zip(predicted, result.outputs).allSatisfy { $0.0 == $0.1 })
    }

    @Test("the samples with per-layer outputs cover every generation")
    func coverage() {
        let generations = Set(Self.samples.map(\.generation))
        #expect(generations.isSuperset(of: ["keras3", "tf-keras", "keras2.2.4", "keras1.2.2"]))
        #expect(Self.samples.count >= 80)
    }
}
