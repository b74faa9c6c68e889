import Foundation
import KerasCheckpoint
import KerasLayers
import SampleCatalog
import Testing

/// Every sample checkpoint reads back as Keras itself described it when it wrote the file.
@Suite("Checkpoint reader against what Keras reported")
struct ReaderMatchesKerasTests {
    @Test("version, model class, inputs and outputs", arguments: SampleCatalog.fullModels)
    func header(sample: Sample) throws {
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        #expect(checkpoint.kerasVersion?.text == sample.report.kerasVersion)
        #expect(checkpoint.kerasVersion?.backend == sample.report.file?.fileBackend)
        let model = try #require(checkpoint.model)
        // Keras 1/2 call functional models "Model"; tf-keras and Keras 3 "Functional".
        #expect(model.className == sample.report.modelClass)
        // Keras 1/2 Sequential configs name no input layer: Keras invents one, under a name the file does not hold.
        if model.isSequential {
            #expect(model.inputs.count == sample.report.inputs.count)
        } else {
            #expect(model.inputs.map(\.layer) == sample.report.inputs)
        }
        #expect(model.outputs.map(\.layer) == sample.report.outputs.map { $0.replacingOccurrences(of: #"_\d+$"#, with: "", options: .regularExpression) }
                || model.outputs.map(\.layer) == sample.report.outputs)
    }

    @Test("every layer's class, output shape, parameter count and weight shapes", arguments: SampleCatalog.fullModels)
    func layers(sample: Sample) throws {
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        let model = try #require(checkpoint.model)
        let outputs = try sample.layerOutputs()
        var convertedParameters = 0
        for reported in sample.report.layers {
            let layer = try #require(model.layer(named: reported.name), "layer \(reported.name) missing")
            #expect(layer.className == reported.className, "\(reported.name)")
            let stored = checkpoint.layerWeights(named: reported.name)
            if let stored, stored.bound.contains(where: { $0.meaning?.contains("CuDNN layout") == true }), !(layer.wrappedLayer ?? layer).className.hasPrefix("CuDNN") {
                // CuDNN weights in a plain LSTM/GRU: Keras reports them as it converted them on
                // load, which is what we replay (an LSTM's two bias halves added).
                let replayed = stored.bound.map { $0.role == .bias && layer.className == "LSTM" && $0.shape.count == 2 ? [$0.shape[1]] : $0.shape }
                #expect(replayed == reported.weights.map(\.shape), "\(reported.name) weight shapes as converted")
                #expect(replayed.reduce(0) { $0 + $1.reduce(1, *) } == reported.params, "\(reported.name) parameters as converted")
                convertedParameters += stored.parameterCount - reported.params
            } else {
                #expect((stored?.parameterCount ?? 0) == reported.params, "\(reported.name) parameters")
                // As stored: one dataset per Keras weight, in weight_names order.
                #expect((stored?.entries.map(\.shape) ?? []) == reported.weights.map(\.shape), "\(reported.name) weight shapes")
            }
            guard layer.className != "InputLayer" else { continue }
            if let actual = outputs?[reported.name] {
                // What Keras computed is the truth (it declares some shapes wrongly, e.g.
                // MultiHeadAttention's scores as (B, heads, Tq, Tq) whatever the value length).
                var count = 1
                while outputs?["\(reported.name):\(count)"] != nil { count += 1 }
                let ours = checkpoint.outputShapes[reported.name]
                #expect(ours?.count == count, "\(reported.name) output count")
                for index in 0..<min(count, ours?.count ?? 0) {
                    let shape = try #require(index == 0 ? actual : outputs?["\(reported.name):\(index)"]).shape
                    let inferred = ours![index]
                    #expect(inferred.count == shape.count && zip(inferred.dropFirst(), shape.dropFirst()).allSatisfy { $0 == nil || $0 == $1 },
                            "\(reported.name) output \(index) shape \(inferred), Keras computed \(shape)")
                }
            } else if let shape = reported.outputShape {
                #expect(checkpoint.outputShapes[reported.name] == shape.shapes, "\(reported.name) output shape")
            }
        }
        if let total = sample.report.totalParams {
            #expect(checkpoint.parameterCount - convertedParameters == total)
        }
    }

    @Test("recurrent weights are split into gate blocks of units columns", arguments: SampleCatalog.fullModels)
    func gateBlocks(sample: Sample) throws {
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        let model = try #require(checkpoint.model)
        for layer in model.layers {
            let cell = layer.wrappedLayer ?? layer
            guard ["LSTM", "GRU"].contains(cell.className), let units = cell.config["units"]?.int ?? cell.config["output_dim"]?.int else { continue }
            let expectedGates: [Gate] = cell.className == "LSTM" ? Gate.lstmOrder : Gate.gruOrder
            let weights = try #require(checkpoint.layerWeights(named: layer.name)).bound
            let directions: [Direction?] = layer.className == "Bidirectional" ? [.forward, .backward] : [nil]
            for direction in directions {
                let kernel = try #require(weights.first { $0.role == .kernel && $0.direction == direction })
                let recurrent = try #require(weights.first { $0.role == .recurrentKernel && $0.direction == direction })
                #expect(kernel.shape.last == expectedGates.count * units)
                #expect(recurrent.shape == [units, expectedGates.count * units])
                for weight in [kernel, recurrent] {
                    #expect(weight.gates.map(\.gate) == expectedGates)
                    #expect(weight.gates.map(\.columns) == expectedGates.indices.map { ($0 * units)..<(($0 + 1) * units) })
                }
            }
        }
    }

    @Test("string attributes of either encoding, and split attributes", arguments: SampleCatalog.fullModels)
    func stringEncodings(sample: Sample) throws {
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        for (attribute, encoding) in sample.report.file?.stringEncoding ?? sample.report.stringEncoding ?? [:]
        where ["model_config", "layer_names"].contains(attribute) {
            #expect(checkpoint.stringEncodings[attribute]?.rawValue == encoding, "\(attribute)")
        }
        let chunked = sample.report.file?.chunkedAttributes ?? sample.report.chunkedAttributes ?? []
        #expect(Set(checkpoint.chunkedAttributes.filter { $0.hasPrefix("layer_names") }) == Set(chunked.filter { $0.hasPrefix("layer_names") }))
    }

    @Test("weight data reads as float32 with the bound shape", arguments: SampleCatalog.fullModels)
    func weightData(sample: Sample) throws {
        let checkpoint = try KerasCheckpoint(path: sample.checkpointPath)
        for layer in checkpoint.layers {
            for weight in layer.bound {
                let data = try checkpoint.tensorData(for: weight)
                #expect(data.count == weight.count)
                #expect(data.allSatisfy { $0.isFinite })
            }
        }
    }

    @Test("both string encodings and every generation are among the samples")
    func coverage() {
        let encodings = Set(SampleCatalog.fullModels.compactMap { $0.report.file?.stringEncoding?["layer_names"] })
        #expect(encodings.isSuperset(of: ["vlen", "fixed"]))
        let generations = Set(SampleCatalog.fullModels.map(\.generation))
        #expect(generations.isSuperset(of: ["keras3", "tf-keras", "keras2.2.4", "keras1.2.2"]))
        #expect(SampleCatalog.fullModels.contains { !($0.report.file?.chunkedAttributes ?? []).isEmpty })
    }
}
