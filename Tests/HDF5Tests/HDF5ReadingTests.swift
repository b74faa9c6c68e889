import Foundation
import HDF5
import SampleCatalog
import Testing

@Suite("HDF5 reading")
struct HDF5ReadingTests {
    static var lstmSample: Sample? { SampleCatalog.sample("keras3", "seed_lstm8_tanh_sigmoid") }

    @Test("groups, string attributes and datasets of a real Keras file")
    func walk() throws {
        let sample = try #require(Self.lstmSample)
        let file = try HDF5File(path: sample.checkpointPath)
        let root = try file.root()
        #expect(try root.childNames().contains("model_weights"))
        #expect(try root.attribute("keras_version").string == sample.report.kerasVersion)
        #expect(try root.attributeNames().contains("model_config"))
        let weights = try root.group("model_weights")
        let layerNames = try #require(try weights.attribute("layer_names").stringArray)
        #expect(layerNames.contains("lstm"))
        let lstm = try weights.group("lstm")
        let names = try #require(try lstm.attribute("weight_names").stringArray)
        let kernel = try lstm.dataset(names[0])
        #expect(kernel.shape == [2, 32])
        #expect(kernel.elementType == .float(bits: 32))
        #expect(try kernel.readFloats().count == 64)
        #expect(try kernel.readDoubles().count == 64)
    }

    @Test("weightless layers store weight_names as an empty float64 array, read as no strings")
    func emptyWeightNames() throws {
        // Keras writes InputLayer's weight_names as an empty array in every generation we sample.
        var checked = 0
        for sample in SampleCatalog.fullModels {
            let weights = try HDF5File(path: sample.checkpointPath).root()
            let group = try weights.contains("model_weights") ? weights.group("model_weights") : weights
            for name in try group.childNames() where group.contains(name) && (try? group.kind(of: name)) == .group {
                let layer = try group.group(name)
                guard layer.hasAttribute("weight_names") else { continue }
                let value = try layer.attribute("weight_names")
                if case .numbers(let numbers, _) = value {
                    #expect(numbers.isEmpty)
                    #expect(value.stringArray == [])
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }

    @Test("fixed-length and variable-length string attributes read the same way")
    func stringEncodings() throws {
        var seen: Set<StringEncoding> = []
        for sample in SampleCatalog.fullModels {
            let root = try HDF5File(path: sample.checkpointPath).root()
            guard root.contains("model_weights") else { continue }
            let weights = try root.group("model_weights")
            let name = weights.hasAttribute("layer_names") ? "layer_names" : "layer_names0"
            let info = try weights.attributeInfo(name)
            if let encoding = info.stringEncoding { seen.insert(encoding) }
            let names = try #require(try weights.attribute(name).stringArray)
            #expect(!names.isEmpty)
            #expect(names.allSatisfy { !$0.isEmpty && !$0.contains("\0") })
        }
        #expect(seen == [.fixedLength, .variableLength])
    }

    @Test("missing objects and attributes are errors that name them")
    func missing() throws {
        let sample = try #require(Self.lstmSample)
        let root = try HDF5File(path: sample.checkpointPath).root()
        #expect(throws: HDF5Error.self) { try root.group("no_such_group") }
        #expect(throws: HDF5Error.self) { try root.attribute("no_such_attribute") }
        do {
            _ = try root.dataset("model_weights/lstm/nothing")
            Issue.record("opened a missing dataset")
        } catch let error as HDF5Error {
            #expect(error.description.contains("/model_weights/lstm/nothing"))
        }
    }

    @Test("dataset sizes are checked against the limit before anything is allocated")
    func limits() throws {
        let sample = try #require(Self.lstmSample)
        let file = try HDF5File(path: sample.checkpointPath, limits: ReadLimits(maxDatasetElements: 10))
        let lstm = try file.root().group("model_weights/lstm")
        let names = try #require(try lstm.attribute("weight_names").stringArray)
        #expect(throws: HDF5Error.self) { try lstm.dataset(names[0]).readFloats() }
    }

    @Test("many threads reading at once go through the one lock")
    func concurrentReads() async throws {
        let sample = try #require(Self.lstmSample)
        let path = sample.checkpointPath
        let sums = try await withThrowingTaskGroup(of: Float.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let lstm = try HDF5File(path: path).root().group("model_weights/lstm")
                    let names = try lstm.attribute("weight_names").stringArray ?? []
                    return try lstm.dataset(names[1]).readFloats().reduce(0, +)
                }
            }
            var sums: [Float] = []
            for try await sum in group { sums.append(sum) }
            return sums
        }
        #expect(Set(sums).count == 1)
    }
}
