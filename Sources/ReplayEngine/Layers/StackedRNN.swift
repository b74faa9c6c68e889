/// Keras `RNN(StackedRNNCells([cell₁, …, cellₙ]))`: several recurrent cells run as ONE layer.
///
/// At every step the input goes through cell₁, cell₁'s output through cell₂, and so on; the
/// layer's output is cellₙ's. This equals running the cells as layers one after the other, each
/// returning its whole sequence, which is how it runs here:
/// ```
/// s₁ = cell₁(x)          // (batch, timesteps, units₁), processing order (reversed for goBackwards)
/// s₂ = cell₂(s₁)         // reads s₁ in that order: only cell₁ goes backwards
/// …
/// y  = cellₙ(sₙ₋₁)        // (batch, timesteps, unitsₙ) with returnSequences, else the last step
/// ```
/// Masking matches too: at a masked step Keras keeps every cell's states and repeats the
/// previous output, which is what each cell does on its own with the same mask (in processing
/// order for the cells after the first); each cell but the last hands the next its freshly
/// computed output even at a masked step, as Keras' stacked step does (the next cell's gates
/// there, which Keras discards, are then Keras' own).
///
/// `cells` are one-cell recurrent layers (LSTM, GRU, SimpleRNN) built for this: every cell but
/// the last returns sequences, the last returns them as the stack does, only the first goes
/// backwards, none returns states, all stateful when the stack is. States (initial and final,
/// with `returnState`) are the cells' states flattened in cell order: LSTM `h, c`, others `h`.
public final class StackedRNN: RecurrentLayer {
    public let name: String
    public var kindName: String { "RNN" }
    /// The cells in Keras order.
    public let cells: [any RecurrentLayer]
    /// The Keras names of the cells, for states and traces.
    public let cellNames: [String]
    public let returnState: Bool
    public let zeroOutputForMask: Bool

    public init(name: String, cells: [any RecurrentLayer], cellNames: [String], returnState: Bool = false,
                zeroOutputForMask: Bool = false) throws {
        self.name = name
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: "RNN", message: message) }
        guard let first = cells.first, cellNames.count == cells.count else { throw fail("expected at least one cell with a name, found none") }
        for (index, cell) in cells.enumerated() {
            let last = index == cells.count - 1
            guard !cell.returnState, last || cell.returnSequences, index == 0 || !cell.goBackwards,
                  cell.stateful == first.stateful else {
                throw fail("cell '\(cellNames[index])' is not set up to run inside a stack")
            }
            if index > 0, cell.inputDimension != cells[index - 1].units {
                throw fail("cell '\(cellNames[index])' expects \(cell.inputDimension) inputs, but cell '\(cellNames[index - 1])' gives \(cells[index - 1].units)")
            }
        }
        self.cells = cells
        self.cellNames = cellNames
        self.returnState = returnState
        self.zeroOutputForMask = zeroOutputForMask
    }

    public var units: Int { cells[cells.count - 1].units }
    public var inputDimension: Int { cells[0].inputDimension }
    public var returnSequences: Bool { cells[cells.count - 1].returnSequences }
    public var goBackwards: Bool { cells[0].goBackwards }
    public var stateful: Bool { cells[0].stateful }
    public var isStateful: Bool { stateful }
    /// `cell_lstm.h`, `cell_lstm.c`, `cell_gru.h`, …
    public var stateNames: [String] {
        zip(cellNames, cells).flatMap { name, cell in cell.stateNames.map { "\(name).\($0)" } }
    }
    public var traceNames: [String] {
        zip(cellNames, cells).flatMap { name, cell in cell.traceNames.map { "\(name).\($0)" } }
    }

    public func resetStates() {
        for cell in cells { cell.resetStates() }
    }

    public func run(_ sequence: Tensor, mask: Tensor?, initialStates: [Tensor]?, zeroOutputForMask: Bool, recordTrace: Bool) throws -> RecurrentResult {
        if let initialStates, initialStates.count != stateNames.count {
            throw error("expected \(counted(stateNames.count, "initial state")) (\(stateNames.joined(separator: ", "))), found \(initialStates.count)")
        }
        var current = sequence, currentMask = mask
        var states: [Tensor] = [], traces: [RecurrentTrace] = []
        var next = 0
        for (index, cell) in cells.enumerated() {
            let count = cell.stateNames.count
            let given = initialStates.map { Array($0[next..<(next + count)]) }
            next += count
            let last = index == cells.count - 1
            let result: RecurrentResult
            if !last, let cellDriven = cell as? any CellDrivenRecurrentLayer {
                // Hands the next cell its fresh output at masked steps too, as Keras computes a masked
                // step through the whole stack before discarding it (only later cells' gate traces differ).
                result = try cellDriven.run(current, mask: currentMask, initialStates: given, zeroOutputForMask: false, recordTrace: recordTrace,
                                            threads: Parallelism.maximumThreads, freshSequenceAtMask: true)
            } else {
                result = try cell.run(current, mask: currentMask, initialStates: given, zeroOutputForMask: last && zeroOutputForMask,
                                      recordTrace: recordTrace)
            }
            states += result.states
            for var trace in result.traces {
                // Cells after the first ran over the processing order: back to input order.
                if index > 0, goBackwards {
                    trace.values = trace.values.mapValues { $0.reversingTime() }
                    trace.mask = mask
                }
                trace.cell = cellNames[index]
                trace.goBackwards = goBackwards
                traces.append(trace)
            }
            current = result.output
            // The first cell's sequence comes out in processing order; so must the mask that goes with it.
            if index == 0, goBackwards { currentMask = mask?.reversingTime() }
        }
        return RecurrentResult(output: current, states: states, traces: traces)
    }
}
