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
        batch of inputs like the model's real ones: uniform random values in [-1, 1), or, for an \
        input read by an Embedding, random ids in [0, input_dim) (so every step's input row \
        differs, as in real text); or the given --input files. A stateful model runs its fixed \
        batch size (and is reset before every call). gflops counts 2 flops per multiply-add of \
        the recurrent (LSTM, GRU, SimpleRNN, stacked cells, ConvLSTM), Dense, EinsumDense, \
        MultiHeadAttention and convolution layers, per second of the median call.
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

    @Option(name: .long, help: "Time these inputs instead of random ones: an .npy, NAME=PATH for each input of a model with several.")
    var input: [String] = []

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
            let inputs = try input.isEmpty ? graph.inputs.indices.map { index -> Tensor in
                let shape = [batch] + graph.inputs[index].shape.map { $0 ?? openAxis }
                let count = shape.reduce(1, *)
                // Ids for an Embedding: uniform floats would all truncate to id 0.
                if let vocabulary = Self.vocabularySize(reading: index, in: graph) {
                    return Tensor(shape: shape, scalars: (0..<count).map { _ in Float(generator.next() % UInt64(vocabulary)) })
                }
                return Tensor(shape: shape, scalars: (0..<count).map { _ in generator.nextUniform() })
            } : PredictInputs.load(input, model: model)
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
            _ = batch
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            emit(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }

    /// The vocabulary size of an Embedding reading graph input `index` directly, if one does.
    static func vocabularySize(reading index: Int, in graph: Graph) -> Int? {
        for node in graph.nodes where node.tensorSources.first == .input(index) {
            if let embedding = node.layer as? Embedding { return embedding.vocabularySize }
        }
        return nil
    }

    /// Multiply-adds of one predict call: recurrent layers (input and recurrent products), Dense,
    /// EinsumDense, convolutions (transposed, separable, depthwise) and ConvLSTM, inside
    /// TimeDistributed and Bidirectional too; other layers count 0.
    static func multiplyAdds(graph: Graph, inputs: [Tensor]) throws -> Int {
        let values = try graph.evaluate(inputs)
        graph.resetStates()
        var total = 0
        for node in graph.nodes {
            guard let source = node.tensorSources.first, let x = values[source] else { continue }
            if let attention = node.layer as? MultiHeadAttention {
                // The value (second input) sets the key/value length.
                let value = node.tensorSources.count > 1 ? values[node.tensorSources[1]]?.shape ?? x.shape : x.shape
                total += multiplyAdds(attention, query: x.shape, value: value)
                continue
            }
            total += multiplyAdds(node.layer, x.shape)
        }
        return total
    }

    /// MultiHeadAttention: the four projections, then per head `T×S×key_dim` for the scores and
    /// `T×S×value_dim` for the weighted sum (3-D inputs: `(batch, T, dim)` and `(batch, S, dim)`).
    static func multiplyAdds(_ attention: MultiHeadAttention, query: [Int], value: [Int]) -> Int {
        let queryRows = query.dropLast().reduce(1, *), valueRows = value.dropLast().reduce(1, *)
        let sourceLength = value.count >= 3 ? value[1] : 1
        func size(_ projection: EinsumDense) -> Int { projection.kernelShape.reduce(1, *) }
        let headsKey = attention.queryProjection.kernelShape.dropFirst().reduce(1, *)
        let headsValue = attention.valueProjection.kernelShape.dropFirst().reduce(1, *)
        return queryRows * size(attention.queryProjection) + valueRows * (size(attention.keyProjection) + size(attention.valueProjection))
            + queryRows * size(attention.outputProjection) + queryRows * sourceLength * (headsKey + headsValue)
    }

    static func multiplyAdds(_ layer: any Layer, _ shape: [Int]) -> Int {
        let rows = shape.dropLast().reduce(1, *)
        switch layer {
        case let bidirectional as Bidirectional:
            return multiplyAdds(bidirectional.forward, shape) + multiplyAdds(bidirectional.backward, shape)
        case let stacked as StackedRNN:
            var total = 0, width = shape.last ?? 0
            for cell in stacked.cells {
                total += multiplyAdds(cell, Array(shape.dropLast()) + [width])
                width = cell.units
            }
            return total
        case let recurrent as any RecurrentLayer:
            let gates = recurrent.stateNames.count == 2 ? 4 : (recurrent.kindName.hasSuffix("GRU") ? 3 : 1)
            return rows * (recurrent.inputDimension + recurrent.units) * gates * recurrent.units
        case let convolution as Convolution:
            return convolution.multiplyAdds(inputShape: shape)
        case let transpose as ConvolutionTranspose:
            return transpose.multiplyAdds(inputShape: shape)
        case let sequence as LayerSequence:
            var total = 0, current = shape
            for layer in sequence.layers {
                total += multiplyAdds(layer, current)
                guard let convolution = layer as? Convolution, let next = convolution.outputShape(inputShape: current) else { break }
                current = next
            }
            return total
        case let convLSTM as ConvLSTM:
            return convLSTM.multiplyAdds(inputShape: shape)
        case let einsum as EinsumDense:
            return rows * einsum.kernelShape.reduce(1, *)
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
