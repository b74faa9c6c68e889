@testable import ReplayEngine

/// Deterministic pseudo-random floats in [-1, 1) (SplitMix64), so failures reproduce.
struct SeededValues {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(Double(z >> 40) / Double(1 << 24)) * 2 - 1
    }
    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in next() * scale })
    }
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "sizes \(a.count) vs \(b.count)")
    // NaN on one side only is the worst difference there is (a plain max() would skip it).
    return zip(a, b).reduce(Float(0)) { worst, pair in
        if pair.0.isNaN || pair.1.isNaN { return pair.0.isNaN && pair.1.isNaN ? worst : .infinity }
        return max(worst, abs(pair.0 - pair.1))
    }
}

/// Tiny LSTM weights (input 2, units 2) shared by several tests; expected numbers come from
/// a float64 NumPy run of the Keras equations (see LSTMTests).
enum TinyLSTM {
    static let kernel = Tensor(shape: [2, 8], scalars: [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8,
                                                         0.2, 0.1, -0.1, 0.05, 0.3, -0.3, 0.25, 0.5])
    static let recurrentKernel = Tensor(shape: [2, 8], scalars: [0.05, 0.1, -0.1, 0.2, 0.3, -0.2, 0.1, 0.0,
                                                                  -0.3, 0.2, 0.1, 0.1, -0.05, 0.15, 0.2, 0.3])
    static let bias = Tensor(shape: [8], scalars: [0.01, 0.02, 1.0, 1.0, -0.1, 0.1, 0.0, 0.05])

    static func make(_ name: String = "lstm", returnSequences: Bool = false, returnState: Bool = false,
                     goBackwards: Bool = false, stateful: Bool = false) throws -> LSTM {
        try LSTM(name: name, kernel: kernel, recurrentKernel: recurrentKernel, bias: bias,
                 activation: .tanh, recurrentActivation: .sigmoid, returnSequences: returnSequences,
                 returnState: returnState, goBackwards: goBackwards, stateful: stateful)
    }
}
