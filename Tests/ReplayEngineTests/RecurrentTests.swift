import Testing
@testable import ReplayEngine

/// GRU / SimpleRNN expected numbers: float64 NumPy runs of the Keras step equations with the
/// weights below, inputs x1 = [0.5, -1], x2 = [1.5, 0.25] (same method as LSTMTests).
@Suite struct GRUAndSimpleRNNTests {
    static let kernel = Tensor(shape: [2, 6], scalars: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.2, 0.1, -0.1, 0.05, 0.3, -0.3])
    static let recurrentKernel = Tensor(shape: [2, 6], scalars: [0.05, 0.1, -0.1, 0.2, 0.3, -0.2, -0.3, 0.2, 0.1, 0.1, -0.05, 0.15])
    static let inputBias: [Float] = [0.01, 0.02, 0.5, -0.5, 0.1, 0.2]
    static let recurrentBias: [Float] = [0.03, -0.04, 0.2, 0.1, -0.1, 0.05]
    static let sequence = Tensor(shape: [1, 2, 2], scalars: [0.5, -1.0, 1.5, 0.25])

    @Test func gruResetAfter() throws {
        let gru = try GRU(name: "gru", kernel: Self.kernel, recurrentKernel: Self.recurrentKernel,
                          bias: Tensor(shape: [2, 6], scalars: Self.inputBias + Self.recurrentBias), resetAfter: true, returnSequences: true)
        let out = try gru(Self.sequence).tensors[0]
        #expect(maxDifference(out.scalars, [-0.25283227, 0.37508507, -0.42563407, 0.61598547]) < 1e-6)
    }

    @Test func gruResetBefore() throws {
        let gru = try GRU(name: "gru", kernel: Self.kernel, recurrentKernel: Self.recurrentKernel,
                          bias: Tensor(shape: [6], scalars: Self.inputBias), resetAfter: false, returnSequences: true)
        let out = try gru(Self.sequence).tensors[0]
        #expect(maxDifference(out.scalars, [-0.2256919, 0.36181962, -0.38562982, 0.60086256]) < 1e-6)
        let trace = try #require(try gru.trace(Self.sequence).trace)
        #expect(trace.names == ["updateGate", "resetGate", "candidate", "hidden"])
        #expect(trace["hidden"] == out)
    }

    @Test func gruRejectsBiasOfTheOtherVariant() {
        let error = #expect(throws: EngineError.self) {
            try GRU(name: "gru_2", kernel: Self.kernel, recurrentKernel: Self.recurrentKernel,
                    bias: Tensor(shape: [6], scalars: Self.inputBias), resetAfter: true)
        }
        #expect(error?.description == "layer 'gru_2' (GRU): expected bias (2, 6) with reset_after=True, found (6,)")
    }

    @Test func simpleRNN() throws {
        // kernel = first 2 columns of the GRU kernel, recurrent likewise, bias [0.01, 0.02].
        let kernel = Tensor(shape: [2, 2], scalars: [0.1, -0.2, 0.2, 0.1])
        let recurrent = Tensor(shape: [2, 2], scalars: [0.05, 0.1, -0.3, 0.2])
        let rnn = try SimpleRNN(name: "rnn", kernel: kernel, recurrentKernel: recurrent, bias: Tensor(shape: [2], scalars: [0.01, 0.02]),
                                activation: .tanh, returnSequences: false, returnState: true)
        let out = try rnn(Self.sequence)
        #expect(out.tensors.count == 2)
        #expect(maxDifference(out.tensors[0].scalars, [0.25099051, -0.29544851]) < 1e-6)
        #expect(out.tensors[0] == out.tensors[1])
    }

    @Test func goBackwardsEqualsForwardOnReversedInput() throws {
        var random = SeededValues(seed: 11)
        let kernel = random.tensor([3, 12]), recurrent = random.tensor([4, 12]), bias = random.tensor([2, 12])
        let x = random.tensor([2, 5, 3])
        let forward = try GRU(name: "f", kernel: kernel, recurrentKernel: recurrent, bias: bias, returnSequences: true)
        let backward = try GRU(name: "b", kernel: kernel, recurrentKernel: recurrent, bias: bias, returnSequences: true, goBackwards: true)
        #expect(try backward(x).tensors[0] == forward(x.reversingTime()).tensors[0])
    }
}

@Suite struct BidirectionalTests {
    func pair(returnSequences: Bool, returnState: Bool = false) throws -> (LSTM, LSTM) {
        (try TinyLSTM.make("fw", returnSequences: returnSequences, returnState: returnState),
         try TinyLSTM.make("bw", returnSequences: returnSequences, returnState: returnState, goBackwards: true))
    }

    @Test func concatFlipsBackwardOutputToInputOrder() throws {
        let (fw, bw) = try pair(returnSequences: true)
        let bi = try Bidirectional(name: "bi", forward: fw, backward: bw, mergeMode: .concat)
        let x = Tensor(shape: [1, 2, 2], scalars: LSTMTests.x1 + LSTMTests.x2)
        let out = try bi(x).tensors[0]
        #expect(out.shape == [1, 2, 4])
        // Time 0: forward h1 | backward output of the step that read x1 (its 2nd step).
        let expected = LSTMTests.h1 + LSTMTests.backwardH2 + LSTMTests.h2 + LSTMTests.backwardH1
        #expect(maxDifference(out.scalars, expected) < 1e-6)
    }

    @Test func mergeModesAndNone() throws {
        let (fw, bw) = try pair(returnSequences: false)
        let x = Tensor(shape: [1, 2, 2], scalars: LSTMTests.x1 + LSTMTests.x2)
        let fwLast = LSTMTests.h2, bwLast = LSTMTests.backwardH2
        let sum = try Bidirectional(name: "s", forward: fw, backward: bw, mergeMode: .sum)(x).tensors[0]
        #expect(maxDifference(sum.scalars, zip(fwLast, bwLast).map { $0 + $1 }) < 1e-6)
        let ave = try Bidirectional(name: "a", forward: fw, backward: bw, mergeMode: .ave)(x).tensors[0]
        #expect(maxDifference(ave.scalars, zip(fwLast, bwLast).map { ($0 + $1) / 2 }) < 1e-6)
        let mul = try Bidirectional(name: "m", forward: fw, backward: bw, mergeMode: .mul)(x).tensors[0]
        #expect(maxDifference(mul.scalars, zip(fwLast, bwLast).map { $0 * $1 }) < 1e-6)
        let none = try Bidirectional(name: "n", forward: fw, backward: bw, mergeMode: nil)(x)
        #expect(none.tensors.count == 2)
        #expect(maxDifference(none.tensors[1].scalars, bwLast) < 1e-6)
    }

    @Test func returnStateOrderIsOutputThenForwardThenBackwardStates() throws {
        let (fw, bw) = try pair(returnSequences: false, returnState: true)
        let out = try Bidirectional(name: "bi", forward: fw, backward: bw, mergeMode: .concat)(Tensor(shape: [1, 2, 2], scalars: LSTMTests.x1 + LSTMTests.x2))
        #expect(out.tensors.count == 5)
        #expect(maxDifference(out.tensors[1].scalars, LSTMTests.h2) < 1e-6)   // forward h
        #expect(maxDifference(out.tensors[2].scalars, LSTMTests.c2) < 1e-6)   // forward c
        #expect(maxDifference(out.tensors[3].scalars, LSTMTests.backwardH2) < 1e-6)  // backward h
    }

    @Test func maskedStepsOutputZerosInsideBidirectional() throws {
        let (fw, bw) = try pair(returnSequences: true)
        let bi = try Bidirectional(name: "bi", forward: fw, backward: bw, mergeMode: .concat)
        let x = Tensor(shape: [1, 3, 2], scalars: LSTMTests.x1 + LSTMTests.x2 + [9, 9])
        let mask = Tensor(shape: [1, 3], scalars: [1, 1, 0])
        let out = try bi.call([x], masks: [mask])
        #expect(Array(out.tensors[0].scalars[8..<12]) == [0, 0, 0, 0])
        // The backward pass skips the masked last step, so it sees x2 then x1 as if unpadded.
        let expected = LSTMTests.h1 + LSTMTests.backwardH2 + LSTMTests.h2 + LSTMTests.backwardH1
        #expect(maxDifference(Array(out.tensors[0].scalars[0..<8]), expected) < 1e-6)
        #expect(out.masks[0] == mask)
        // A plain LSTM carries the previous output instead.
        let plain = try TinyLSTM.make(returnSequences: true).call([x], masks: [mask]).tensors[0]
        #expect(Array(plain.scalars[4..<6]) == Array(plain.scalars[2..<4]))
    }

    @Test func refusesTwoForwardLayers() throws {
        #expect(throws: EngineError.self) {
            try Bidirectional(name: "bi", forward: TinyLSTM.make("a"), backward: TinyLSTM.make("b"), mergeMode: .concat)
        }
    }
}
