import Testing
@testable import ReplayEngine

@Suite struct LayerTests {
    @Test func denseOnThreeDimensionsPassesMask() throws {
        let dense = try Dense(name: "d", kernel: Tensor(shape: [2, 1], scalars: [1, -1]), bias: nil, activation: .relu)
        let mask = Tensor(shape: [1, 2], scalars: [1, 0])
        let out = try dense.call([Tensor(shape: [1, 2, 2], scalars: [3, 1, 1, 3])], masks: [mask])
        #expect(out.tensors[0] == Tensor(shape: [1, 2, 1], scalars: [2, 0]))
        #expect(out.masks[0] == mask)
        #expect(throws: EngineError.self) { try dense(Tensor(zeros: [1, 3])) }
    }

    @Test func maskingZeroesAndMasksSteps() throws {
        let out = try Masking(name: "m", maskValue: 0)(Tensor(shape: [1, 3, 2], scalars: [1, 0, 0, 0, 0, 2]))
        #expect(out.masks[0] == Tensor(shape: [1, 3], scalars: [1, 0, 1]))
        #expect(out.tensors[0].scalars == [1, 0, 0, 0, 0, 2])
        let other = try Masking(name: "m", maskValue: -1)(Tensor(shape: [1, 2, 2], scalars: [-1, -1, 5, -1]))
        #expect(other.masks[0]?.scalars == [0, 1])
        #expect(other.tensors[0].scalars == [0, 0, 5, -1])
    }

    @Test func embeddingLooksUpAndMasksZero() throws {
        let embedding = try Embedding(name: "e", embeddings: Tensor(shape: [3, 2], scalars: [0, 0, 1, 1, 2, 3]), maskZero: true)
        let out = try embedding(Tensor(shape: [1, 3], scalars: [2, 0, 1]))
        #expect(out.tensors[0] == Tensor(shape: [1, 3, 2], scalars: [2, 3, 0, 0, 1, 1]))
        #expect(out.masks[0]?.scalars == [1, 0, 1])
        let error = #expect(throws: EngineError.self) { try embedding(Tensor(shape: [1, 1], scalars: [3])) }
        #expect(error?.description.contains("expected ids in 0..<3") == true)
    }

    @Test func timeDistributedAppliesPerStep() throws {
        let dense = try Dense(name: "d", kernel: Tensor(shape: [2, 1], scalars: [1, 1]), bias: Tensor(shape: [1], scalars: [1]))
        let out = try TimeDistributed(name: "td", inner: dense)(Tensor(shape: [2, 2, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(out.tensors[0] == Tensor(shape: [2, 2, 1], scalars: [4, 8, 12, 16]))
    }

    @Test func shapeLayers() throws {
        let x = Tensor(shape: [1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(try Flatten(name: "f")(x).tensors[0].shape == [1, 6])
        #expect(try Reshape(name: "r", targetShape: [3, -1])(x).tensors[0].shape == [1, 3, 2])
        #expect(throws: EngineError.self) { try Reshape(name: "r", targetShape: [4, -1])(x) }
        #expect(try Permute(name: "p", dims: [2, 1])(x).tensors[0] == Tensor(shape: [1, 3, 2], scalars: [1, 4, 2, 5, 3, 6]))
        let repeated = try RepeatVector(name: "rv", count: 2)(Tensor(shape: [1, 2], scalars: [7, 8])).tensors[0]
        #expect(repeated == Tensor(shape: [1, 2, 2], scalars: [7, 8, 7, 8]))
        let dropout = try InferenceIdentity(name: "drop", kerasClass: "Dropout")(x)
        #expect(dropout.tensors[0] == x)
    }

    @Test func mergeOperationsAndMasks() throws {
        let a = Tensor(shape: [1, 2, 1], scalars: [1, 5]), b = Tensor(shape: [1, 2, 1], scalars: [3, 2])
        func run(_ op: Merge.Operation, masks: [Tensor?] = [nil, nil]) throws -> LayerOutput {
            try Merge(name: "m", operation: op).call([a, b], masks: masks)
        }
        #expect(try run(.add).tensors[0].scalars == [4, 7])
        #expect(try run(.subtract).tensors[0].scalars == [-2, 3])
        #expect(try run(.multiply).tensors[0].scalars == [3, 10])
        #expect(try run(.average).tensors[0].scalars == [2, 3.5])
        #expect(try run(.maximum).tensors[0].scalars == [3, 5])
        #expect(try run(.minimum).tensors[0].scalars == [1, 2])
        #expect(try run(.concatenate(axis: -1)).tensors[0] == Tensor(shape: [1, 2, 2], scalars: [1, 3, 5, 2]))
        #expect(try run(.concatenate(axis: 1)).tensors[0] == Tensor(shape: [1, 4, 1], scalars: [1, 5, 3, 2]))
        let maskA = Tensor(shape: [1, 2], scalars: [1, 0]), maskB = Tensor(shape: [1, 2], scalars: [0, 0])
        // Elementwise merges AND the masks; concatenation on features ORs them (a missing mask = all ones).
        #expect(try run(.add, masks: [maskA, maskB]).masks[0]?.scalars == [0, 0])
        #expect(try run(.concatenate(axis: -1), masks: [maskA, maskB]).masks[0]?.scalars == [1, 0])
        #expect(try run(.concatenate(axis: -1), masks: [maskA, nil]).masks[0]?.scalars == [1, 1])
        #expect(try run(.concatenate(axis: 1), masks: [maskA, nil]).masks[0]?.scalars == [1, 0, 1, 1])
        #expect(throws: EngineError.self) { try Merge(name: "m", operation: .add).call([a, Tensor(zeros: [1, 3, 1])], masks: [nil, nil]) }
    }

    @Test func batchNormalizationUsesMovingStatistics() throws {
        // (x - mean)/sqrt(var + eps)·gamma + beta with eps 0: channel 0 (5-1)/2·3+1 = 7, channel 1 (0-0)/1·1+0 = 0.
        let bn = try BatchNormalization(name: "bn", axis: -1, gamma: Tensor(shape: [2], scalars: [3, 1]), beta: Tensor(shape: [2], scalars: [1, 0]),
                                        movingMean: Tensor(shape: [2], scalars: [1, 0]), movingVariance: Tensor(shape: [2], scalars: [4, 1]), epsilon: 0)
        #expect(try bn(Tensor(shape: [1, 1, 2], scalars: [5, 0])).tensors[0].scalars == [7, 0])
        #expect(throws: EngineError.self) { try bn(Tensor(zeros: [1, 3])) }
    }

    @Test func layerNormalizationNormalizesTheLastAxis() throws {
        // x = [1, 2, 3, 6]: mean 3, variance (4+1+0+9)/4 = 3.5; eps 0 → (x-3)/sqrt(3.5)·2 + 1.
        let ln = try LayerNormalization(name: "ln", axes: [-1], gamma: Tensor(repeating: 2, shape: [4]), beta: Tensor(repeating: 1, shape: [4]), epsilon: 0)
        let out = try ln(Tensor(shape: [1, 4], scalars: [1, 2, 3, 6])).tensors[0]
        let expected: [Float] = [-2, -1, 0, 3].map { Float(Double($0) / 3.5.squareRoot() * 2 + 1) }
        #expect(maxDifference(out.scalars, expected) < 1e-6)
    }

    @Test func activationLayerAndNotEqualAny() throws {
        let softmax = try ActivationLayer(name: "a", activation: .softmax(axis: -1))(Tensor(shape: [1, 2], scalars: [0, 0]))
        #expect(softmax.tensors[0].scalars == [0.5, 0.5])
        let notEqual = try NotEqual(name: "ne", value: 0)(Tensor(shape: [1, 2, 2], scalars: [0, 0, 0, 3])).tensors[0]
        #expect(notEqual.scalars == [0, 0, 0, 1])
        let any = try AnyReduce(name: "any", axis: -1, keepdims: false)(notEqual).tensors[0]
        #expect(any == Tensor(shape: [1, 2], scalars: [0, 1]))
    }
}
