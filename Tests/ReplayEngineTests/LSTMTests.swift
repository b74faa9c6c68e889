import Testing
@testable import ReplayEngine

/// Expected numbers: a float64 NumPy run of the Keras LSTM equations with the TinyLSTM weights
/// (z = x·W + h·U + b; i, f, o = sigmoid; g = tanh; c = f·c + i·g; h = o·tanh(c)),
/// inputs x1 = [0.5, -1], x2 = [1.5, 0.25].
@Suite struct LSTMTests {
    static let x1: [Float] = [0.5, -1.0], x2: [Float] = [1.5, 0.25]
    static let h1: [Float] = [-0.13637257, 0.08034603], c1: [Float] = [-0.26585915, 0.27506053]
    static let h2: [Float] = [-0.39515764, 0.13549266], c2: [Float] = [-0.58286505, 0.55482825]
    /// go_backwards over [x1, x2]: x2 first, then x1.
    static let backwardH1: [Float] = [-0.25908006, 0.08123716], backwardH2: [Float] = [-0.2676001, 0.1478833]

    @Test func oneStepMatchesHandDerivedNumbers() throws {
        let lstm = try TinyLSTM.make(returnState: true)
        let out = try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x1))
        #expect(out.tensors.count == 3)
        #expect(maxDifference(out.tensors[0].scalars, Self.h1) < 1e-6)
        #expect(maxDifference(out.tensors[1].scalars, Self.h1) < 1e-6)
        #expect(maxDifference(out.tensors[2].scalars, Self.c1) < 1e-6)
    }

    @Test func twoStepsWithSequences() throws {
        let lstm = try TinyLSTM.make(returnSequences: true)
        let out = try lstm(Tensor(shape: [1, 2, 2], scalars: Self.x1 + Self.x2)).tensors[0]
        #expect(out.shape == [1, 2, 2])
        #expect(maxDifference(out.scalars, Self.h1 + Self.h2) < 1e-6)
    }

    @Test func goBackwardsReturnsSequenceInProcessingOrder() throws {
        let lstm = try TinyLSTM.make(returnSequences: true, goBackwards: true)
        let out = try lstm(Tensor(shape: [1, 2, 2], scalars: Self.x1 + Self.x2)).tensors[0]
        // Keras does not flip it back: position 0 holds the step that read x2.
        #expect(maxDifference(out.scalars, Self.backwardH1 + Self.backwardH2) < 1e-6)
    }

    @Test func maskedStepCarriesStateAndOutput() throws {
        let lstm = try TinyLSTM.make(returnSequences: true, returnState: true)
        // Row 0: steps x1, x2, x1 with the middle step masked. Row 1: first step masked.
        let x = Tensor(shape: [2, 3, 2], scalars: Self.x1 + Self.x2 + Self.x1 + Self.x2 + Self.x1 + Self.x2)
        let mask = Tensor(shape: [2, 3], scalars: [1, 0, 1, 0, 1, 1])
        let out = try lstm.call([x], masks: [mask])
        let sequence = out.tensors[0].scalars
        // Row 0 step 1 repeats step 0's output; step 2 continues from (h1, c1) with x1.
        #expect(Array(sequence[0..<2]) == Array(sequence[2..<4]))
        #expect(maxDifference(Array(sequence[0..<2]), Self.h1) < 1e-6)
        // Row 1: a masked first step outputs zeros and keeps zero state; steps 1, 2 = fresh x1, x2.
        #expect(Array(sequence[6..<8]) == [0, 0])
        #expect(maxDifference(Array(sequence[8..<12]), Self.h1 + Self.h2) < 1e-6)
        #expect(maxDifference(Array(out.tensors[1].scalars[2..<4]), Self.h2) < 1e-6)
        #expect(maxDifference(Array(out.tensors[2].scalars[2..<4]), Self.c2) < 1e-6)
        #expect(out.masks[0] == mask)
        #expect(out.masks[1] == nil)
    }

    @Test func traceComesFromTheSameLoop() throws {
        let lstm = try TinyLSTM.make(returnSequences: true, goBackwards: true)
        var random = SeededValues(seed: 3)
        let x = random.tensor([2, 5, 2])
        let mask = Tensor(shape: [2, 5], scalars: [1, 1, 0, 1, 1, 1, 1, 1, 1, 0])
        let result = try lstm.trace(x, mask: mask)
        let trace = try #require(result.trace)
        #expect(trace.names == ["inputGate", "forgetGate", "candidate", "outputGate", "cell", "hidden"])
        // Hidden is in input time order; the output is in processing (reversed) order.
        let hidden = try #require(trace["hidden"])
        #expect(hidden.reversingTime() == result.output || hidden == result.output.reversingTime())
        let plain = try lstm.call([x], masks: [mask]).tensors[0]
        #expect(plain == result.output)
        // First step of the run (input time 4 of row 0): i gate from hand equations is in (0, 1).
        #expect(trace["inputGate"]!.scalars.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func statefulKeepsStateUntilReset() throws {
        let lstm = try TinyLSTM.make(stateful: true)
        let first = try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x1)).tensors[0]
        let second = try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x2)).tensors[0]
        #expect(maxDifference(first.scalars, Self.h1) < 1e-6)
        #expect(maxDifference(second.scalars, Self.h2) < 1e-6)
        #expect(throws: EngineError.self) { try lstm(Tensor(shape: [2, 1, 2], scalars: Self.x1 + Self.x1)) }
        lstm.resetStates()
        let again = try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x1)).tensors[0]
        #expect(again == first)
    }

    @Test func initialStatesContinueFromGivenState() throws {
        // Encoder → decoder wiring: states (h1, c1) handed over as extra inputs.
        let lstm = try TinyLSTM.make(returnState: true)
        let out = try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x2), Tensor(shape: [1, 2], scalars: Self.h1), Tensor(shape: [1, 2], scalars: Self.c1))
        #expect(maxDifference(out.tensors[0].scalars, Self.h2) < 1e-6)
        #expect(maxDifference(out.tensors[2].scalars, Self.c2) < 1e-6)
        #expect(throws: EngineError.self) { try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x2), Tensor(zeros: [1, 2])) }
        #expect(throws: EngineError.self) { try lstm(Tensor(shape: [1, 1, 2], scalars: Self.x2), Tensor(zeros: [1, 3]), Tensor(zeros: [1, 2])) }
    }

    @Test func rejectsWrongShapesNamingTheLayer() throws {
        let lstm = try TinyLSTM.make("lstm_1")
        let error = #expect(throws: EngineError.self) { try lstm(Tensor(zeros: [4, 3, 7])) }
        #expect(error?.description == "layer 'lstm_1' (LSTM): expected input (batch, timesteps, 2), found (4, 3, 7)")
        #expect(throws: EngineError.self) {
            try LSTM(name: "bad", kernel: Tensor(zeros: [2, 8]), recurrentKernel: Tensor(zeros: [2, 6]), bias: nil)
        }
    }
}

/// The unit-split time loop (two threads, each doing half of every step's units) against the
/// ordinary one-thread loop: the same operations per value, so identical outputs and states.
/// (Against Keras itself: the `keras3/wide_lstm` sample, replayed by ReplayMatchesKerasTests.)
@Suite struct LSTMUnitSplitTests {
    static func lstm(units: Int, returnSequences: Bool, goBackwards: Bool, seed: UInt64) throws -> (LSTM, SeededValues) {
        var values = SeededValues(seed: seed)
        let lstm = try LSTM(name: "wide", kernel: values.tensor([6, 4 * units], scale: 0.3),
                            recurrentKernel: values.tensor([units, 4 * units], scale: 0.1), bias: values.tensor([4 * units], scale: 0.5),
                            returnSequences: returnSequences, returnState: true, goBackwards: goBackwards)
        return (lstm, values)
    }

    @Test("two threads splitting the units give the one-thread numbers bit for bit", arguments: [
        (144, 5, true, false), (128, 1, false, true), (256, 7, true, true),
    ])
    func sameNumbers(units: Int, batch: Int, returnSequences: Bool, goBackwards: Bool) throws {
        var (lstm, values) = try Self.lstm(units: units, returnSequences: returnSequences, goBackwards: goBackwards, seed: UInt64(units * 31 + batch))
        #expect(RecurrentDriver.canSplitUnits(lstm.cell, batch: batch, threads: 2, masked: false, tracing: false))
        let sequence = values.tensor([batch, 9, 6])
        let one = try lstm.run(sequence, mask: nil, initialStates: nil, zeroOutputForMask: false, recordTrace: false, threads: 1)
        let two = try lstm.run(sequence, mask: nil, initialStates: nil, zeroOutputForMask: false, recordTrace: false, threads: 2)
        #expect(one.output == two.output)
        #expect(one.states == two.states)
    }

    /// Long sequences project x·kernel a block of steps at a time; blocks of 1, 4 (the last one
    /// short) and all 9 steps, either direction, against the one-thread loop.
    @Test("x·kernel by blocks of steps", arguments: [1, 4, 9], [false, true])
    func blocks(blockSteps: Int, goBackwards: Bool) throws {
        var (lstm, values) = try Self.lstm(units: 128, returnSequences: true, goBackwards: goBackwards, seed: UInt64(blockSteps))
        let batch = 3, time = 9
        let sequence = values.tensor([batch, time, 6])
        let one = try lstm.run(sequence, mask: nil, initialStates: nil, zeroOutputForMask: false, recordTrace: false, threads: 1)
        var h = [Float](repeating: 0, count: batch * 128), c = h, previous = h
        var output = [Float](repeating: 0, count: batch * time * 128)
        var unused: Float = 0
        let ran = sequence.scalars.withUnsafeBufferPointer { x in
            h.withUnsafeMutableBufferPointer { h in
                c.withUnsafeMutableBufferPointer { c in
                    previous.withUnsafeMutableBufferPointer { previous in
                        output.withUnsafeMutableBufferPointer { output in
                            withUnsafeMutablePointer(to: &unused) { unused in
                                let buffers = LoopBuffers(sequence: x.baseAddress!, projected: unused, h: h.baseAddress!, c: c.baseAddress,
                                                          sequenceOutput: output.baseAddress, previousOutput: previous.baseAddress!, trace: nil, mask: nil)
                                let settings = LoopSettings(batch: batch, time: time, goBackwards: goBackwards, returnSequences: true,
                                                            zeroOutputForMask: false, traceCount: 0)
                                return RecurrentDriver.unitSplitTimeLoop(lstm.cell, buffers, settings, blockSteps: blockSteps)
                            }
                        }
                    }
                }
            }
        }
        #expect(ran)
        #expect(output == one.output.scalars)
        #expect(h == one.states[0].scalars && c == one.states[1].scalars)
    }
}
