import Testing
@testable import ReplayEngine

@Suite struct GraphTests {
    /// out0 = Dense(a) + b; out1 = concat(a, b) — two inputs, two outputs, a shared input.
    func twoInputModel() throws -> Graph {
        let dense = try Dense(name: "dense", kernel: Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), bias: Tensor(shape: [2], scalars: [0.5, -0.5]))
        let add = Merge(name: "add", operation: .add)
        let concat = Merge(name: "concat", operation: .concatenate(axis: -1))
        return try Graph(inputs: [GraphInput(name: "a", shape: [2]), GraphInput(name: "b", shape: [2])],
                         nodes: [GraphNode(layer: dense, arguments: [.tensor(.input(0))]),
                                 GraphNode(layer: add, arguments: [.tensor(.node(0, output: 0)), .tensor(.input(1))]),
                                 GraphNode(layer: concat, arguments: [.tensor(.input(0)), .tensor(.input(1))])],
                         outputs: [.node(1, output: 0), .node(2, output: 0)], fixedBatchSize: nil)
    }

    @Test func twoInputsTwoOutputs() throws {
        let graph = try twoInputModel()
        let a = Tensor(shape: [1, 2], scalars: [1, 1]), b = Tensor(shape: [1, 2], scalars: [10, 20])
        let outputs = try graph.predict([a, b])
        // Dense: [1·1 + 1·3 + 0.5, 1·2 + 1·4 - 0.5] = [4.5, 5.5]; + b.
        #expect(outputs[0].scalars == [14.5, 25.5])
        #expect(outputs[1] == Tensor(shape: [1, 4], scalars: [1, 1, 10, 20]))
        let all = try graph.evaluate([a, b])
        #expect(all[.node(0, output: 0)]?.scalars == [4.5, 5.5])
    }

    @Test func rejectsWrongInputsClearly() throws {
        let graph = try twoInputModel()
        let error = #expect(throws: EngineError.self) { try graph.predict([Tensor(zeros: [1, 3]), Tensor(zeros: [1, 2])]) }
        #expect(error?.description == "input 'a': expected (batch, 2), found (1, 3)")
        #expect(throws: EngineError.self) { try graph.predict([Tensor(zeros: [1, 2])]) }
        #expect(throws: EngineError.self) {
            try Graph(inputs: [GraphInput(name: "a", shape: [2])], nodes: [GraphNode(layer: Flatten(name: "f"), arguments: [.tensor(.node(0, output: 0))])],
                      outputs: [.node(0, output: 0)], fixedBatchSize: nil)
        }
    }

    @Test func statefulPredictWalksFixedBatchesCarryingState() throws {
        let lstm = try TinyLSTM.make(stateful: true)
        let graph = try Graph(inputs: [GraphInput(name: "x", shape: [1, 2], batchSize: 1)],
                              nodes: [GraphNode(layer: lstm, arguments: [.tensor(.input(0))])],
                              outputs: [.node(0, output: 0)], fixedBatchSize: 1)
        // Two samples of one step each = two batches of 1: the second continues from the first.
        let out = try graph.predict([Tensor(shape: [2, 1, 2], scalars: LSTMTests.x1 + LSTMTests.x2)])[0]
        #expect(maxDifference(out.scalars, LSTMTests.h1 + LSTMTests.h2) < 1e-6)
        graph.resetStates()
        let again = try graph.predict([Tensor(shape: [1, 1, 2], scalars: LSTMTests.x1)])[0]
        #expect(maxDifference(again.scalars, LSTMTests.h1) < 1e-6)
        let fixed = try Graph(inputs: [GraphInput(name: "x", shape: [1, 2], batchSize: 2)],
                              nodes: [GraphNode(layer: try TinyLSTM.make(stateful: true), arguments: [.tensor(.input(0))])],
                              outputs: [.node(0, output: 0)], fixedBatchSize: 2)
        #expect(throws: EngineError.self) { try fixed.predict([Tensor(zeros: [3, 1, 2])]) }
    }

    @Test func explicitMaskFromOperationNodes() throws {
        // Keras 3: any(not_equal(x, 0), axis=-1) fed to the LSTM as mask=.
        let lstm = try TinyLSTM.make(returnSequences: true)
        let graph = try Graph(inputs: [GraphInput(name: "x", shape: [nil, 2])],
                              nodes: [GraphNode(layer: NotEqual(name: "not_equal", value: 0), arguments: [.tensor(.input(0)), .constant(0)]),
                                      GraphNode(layer: AnyReduce(name: "any", axis: -1, keepdims: false), arguments: [.tensor(.node(0, output: 0))]),
                                      GraphNode(layer: lstm, arguments: [.tensor(.input(0))], mask: .node(1, output: 0))],
                              outputs: [.node(2, output: 0)], fixedBatchSize: nil)
        let out = try graph.predict([Tensor(shape: [1, 2, 2], scalars: LSTMTests.x1 + [0, 0])])[0]
        #expect(Array(out.scalars[2..<4]) == Array(out.scalars[0..<2]))
    }

    @Test func seedShapedAutoencoderRuns() throws {
        // Bidirectional LSTM encoder → RepeatVector → LSTM decoder → TimeDistributed(Dense).
        var random = SeededValues(seed: 5)
        let units = 3, features = 4, steps = 6
        func lstm(_ name: String, input: Int, sequences: Bool, backwards: Bool = false) throws -> LSTM {
            try LSTM(name: name, kernel: random.tensor([input, 4 * units]), recurrentKernel: random.tensor([units, 4 * units]),
                     bias: random.tensor([4 * units]), returnSequences: sequences, goBackwards: backwards)
        }
        let encoder = try Bidirectional(name: "enc", forward: lstm("f", input: features, sequences: false),
                                        backward: lstm("b", input: features, sequences: false, backwards: true), mergeMode: .concat)
        let decoder = try lstm("dec", input: 2 * units, sequences: true)
        let head = TimeDistributed(name: "td", inner: try Dense(name: "d", kernel: random.tensor([units, features]), bias: random.tensor([features])))
        let graph = try Graph(inputs: [GraphInput(name: "x", shape: [steps, features])],
                              nodes: [GraphNode(layer: encoder, arguments: [.tensor(.input(0))]),
                                      GraphNode(layer: RepeatVector(name: "rep", count: steps), arguments: [.tensor(.node(0, output: 0))]),
                                      GraphNode(layer: decoder, arguments: [.tensor(.node(1, output: 0))]),
                                      GraphNode(layer: head, arguments: [.tensor(.node(2, output: 0))])],
                              outputs: [.node(3, output: 0)], fixedBatchSize: nil)
        let x = random.tensor([3, steps, features])
        let batched = try graph.predict([x])[0]
        #expect(batched.shape == [3, steps, features])
        // Row results do not depend on the batch they ride in.
        let single = try graph.predict([x.rowSlice(2..<3)])[0]
        #expect(Array(batched.scalars[(2 * steps * features)...]) == single.scalars)
    }
}

/// Chains of row-independent layers run a block of rows at a time (`RowChunkable`); the numbers
/// must be those of running each layer on the whole batch.
@Suite struct RowChunkingTests {
    @Test("a TimeDistributed convolution chain gives the same numbers chunked as whole, bit for bit")
    func chunkedChainEqualsWholeBatch() throws {
        var values = SeededValues(seed: 41)
        let convolution = try Convolution(name: "conv", kernel: values.tensor([3, 3, 2, 16], scale: 0.5), bias: values.tensor([16]),
                                          strides: [1, 1], dilation: [1, 1], padding: .same, activation: .relu)
        let wide = try Convolution(name: "conv2", kernel: values.tensor([3, 3, 16, 24], scale: 0.2), bias: values.tensor([24]),
                                   strides: [1, 1], dilation: [1, 1], padding: .valid)
        let nodes = [
            GraphNode(layer: TimeDistributed(name: "td_conv", inner: convolution), arguments: [.tensor(.input(0))]),
            GraphNode(layer: TimeDistributed(name: "td_pool", inner: Pooling(name: "pool", kind: .max, poolSize: [2, 2])), arguments: [.tensor(.node(0, output: 0))]),
            GraphNode(layer: TimeDistributed(name: "td_conv2", inner: wide), arguments: [.tensor(.node(1, output: 0))]),
            GraphNode(layer: TimeDistributed(name: "td_global", inner: GlobalPooling(name: "global", kind: .average, spatialAxes: 2)), arguments: [.tensor(.node(2, output: 0))]),
        ]
        let graph = try Graph(inputs: [GraphInput(name: "frames", shape: [5, 20, 20, 2])], nodes: nodes, outputs: [.node(3, output: 0)])
        // 37 rows: the first block is one row, then blocks sized by the largest intermediate, and a ragged end.
        let x = values.tensor([37, 5, 20, 20, 2])
        let chunked = try graph.predict([x])[0]
        let whole = try graph.evaluate([x])[.node(3, output: 0)]!
        #expect(chunked.shape == [37, 5, 24])
        #expect(chunked.scalars == whole.scalars)
    }

    @Test("a layer that must see the whole batch (stateful) ends the chain")
    func statefulLayerIsNotChunked() throws {
        let stateful = try TinyLSTM.make(stateful: true)
        #expect((TimeDistributed(name: "td", inner: stateful) as any RowChunkable).chunksByRows == false)
        let convolution = try Convolution(name: "conv", kernel: Tensor(zeros: [1, 1, 1]), bias: nil, strides: [1], dilation: [1], padding: .valid)
        #expect((TimeDistributed(name: "td", inner: convolution) as any RowChunkable).chunksByRows)
    }
}
