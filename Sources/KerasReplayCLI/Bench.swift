import ArgumentParser
import Foundation
import KerasReplay
import ReplayEngine

/// `keras-replay bench`: times `predict` on random inputs of the model's declared shape.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time predict on random inputs of the model's input shape; prints one JSON line.",
        discussion: """
        Loads the checkpoint once, warms up, then times --iterations calls of predict on one \
        batch of uniform random inputs in [-1, 1). A stateful model runs its fixed batch size \
        (and is reset before every call). gflops counts 2 flops per multiply-add of the \
        recurrent, Dense and Conv1D layers, per second of the median call.
        """
    )

    @Argument(help: "A Keras .h5/.hdf5/.keras checkpoint.")
    var checkpoint: String

    @Option(name: .long, help: "Samples per predict call (a stateful model uses its fixed batch size).")
    var batchSize: Int = 1

    @Option(name: .long, help: "Timed predict calls (after warm-up).")
    var iterations: Int = 20

    @Option(name: .long, help: "Warm-up calls, not timed.")
    var warmup: Int = 3

    @Option(name: .long, help: "Engine threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Size for input axes the model leaves open (None), e.g. timesteps.")
    var openAxis: Int = 100

    @OptionGroup var architectureOptions: ArchitectureOptions

    struct Result: Encodable {
        var model: String
        var batch: Int
        var threads: Int
        var iterations: Int
        var seconds_per_batch_median: Double
        var seconds_per_batch_min: Double
        var samples_per_second: Double
        var gflops: Double
        var flops_per_batch: Double
        var input_shapes: [[Int]]
    }

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
    }

    func run() throws {
        let limits = try environmentReadLimits()
        ProcessMemory.keepFreedMemoryForReuse()
        try reportingFailures {
            if let threads { Parallelism.maximumThreads = threads }
            let model = try ReplayModel(path: checkpoint, architecture: architectureOptions.load(limits: limits), limits: limits)
            let graph = model.graph
            let batch = graph.fixedBatchSize ?? graph.inputs.compactMap(\.batchSize).first ?? batchSize
            var generator = SplitMix(seed: 0x5eed)
            let inputs = graph.inputs.map { input -> Tensor in
                let shape = [batch] + input.shape.map { $0 ?? openAxis }
                let count = shape.reduce(1, *)
                return Tensor(shape: shape, scalars: (0..<count).map { _ in generator.nextUniform() })
            }
            let flops = 2 * Double(try Self.multiplyAdds(graph: graph, inputs: inputs))
            model.resetStates()
            for _ in 0..<warmup { _ = try model.predict(inputs); model.resetStates() }
            var times: [Double] = []
            for _ in 0..<iterations {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try model.predict(inputs)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                model.resetStates()
            }
            times.sort()
            let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
            let result = Result(model: checkpoint, batch: batch, threads: Parallelism.maximumThreads, iterations: iterations,
                                seconds_per_batch_median: median, seconds_per_batch_min: times[0],
                                samples_per_second: Double(batch) / median, gflops: flops / median / 1e9,
                                flops_per_batch: flops, input_shapes: inputs.map(\.shape))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }

    /// Multiply-adds of one predict call: recurrent layers (input and recurrent products), Dense,
    /// TimeDistributed(Dense) and Conv1D-free graphs; other layers count 0.
    static func multiplyAdds(graph: Graph, inputs: [Tensor]) throws -> Int {
        let values = try graph.evaluate(inputs)
        graph.resetStates()
        var total = 0
        for node in graph.nodes {
            guard let source = node.tensorSources.first, let x = values[source] else { continue }
            total += multiplyAdds(node.layer, x.shape)
        }
        return total
    }

    static func multiplyAdds(_ layer: any Layer, _ shape: [Int]) -> Int {
        let rows = shape.dropLast().reduce(1, *)
        switch layer {
        case let bidirectional as Bidirectional:
            return multiplyAdds(bidirectional.forward, shape) + multiplyAdds(bidirectional.backward, shape)
        case let recurrent as any RecurrentLayer:
            let gates = recurrent.stateNames.count == 2 ? 4 : (recurrent.kindName == "GRU" ? 3 : 1)
            return rows * (recurrent.inputDimension + recurrent.units) * gates * recurrent.units
        case let dense as Dense:
            return rows * dense.inputDimension * dense.units
        case let wrapper as TimeDistributed:
            guard shape.count >= 3 else { return 0 }
            return multiplyAdds(wrapper.inner, [shape[0] * shape[1]] + shape.dropFirst(2))
        default:
            return 0
        }
    }
}

/// A small deterministic generator for benchmark inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUniform() -> Float { Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) }
}
