import Foundation
import Testing
@testable import ReplayEngine

@Suite struct ActivationTests {
    @Test func hardSigmoidVariantsDiffer() {
        // Keras 2: clip(0.2x + 0.5); Keras 3: clip(x/6 + 0.5).
        var keras2: [Float] = [-3, -1, 0, 1, 2.5, 3]
        var keras3 = keras2
        Activation.hardSigmoid(.keras2).apply(&keras2)
        Activation.hardSigmoid(.keras3).apply(&keras3)
        #expect(keras2 == [0, 0.3, 0.5, 0.7, 1, 1])
        #expect(maxDifference(keras3, [0, 1 / 3, 0.5, 2 / 3, 2.5 / 6 + 0.5, 1]) < 1e-7)
    }

    @Test func namesMapToCases() {
        #expect(Activation(kerasName: "swish", hardSigmoid: .keras2) == .swish)
        #expect(Activation(kerasName: "silu", hardSigmoid: .keras2) == .swish)
        #expect(Activation(kerasName: "hard_sigmoid", hardSigmoid: .keras3) == .hardSigmoid(.keras3))
        #expect(Activation(kerasName: "leaky_relu", hardSigmoid: .keras2) == .leakyRelu(negativeSlope: 0.2))
        #expect(Activation(kerasName: "softmax", hardSigmoid: .keras2) == .softmax(axis: -1))
        #expect(Activation(kerasName: "no_such_thing", hardSigmoid: .keras2) == nil)
    }

    @Test func elementwiseValues() {
        // Expected values: Python math (float64), e.g. 0.5*x*(1+erf(x/sqrt(2))) for gelu.
        let cases: [(Activation, Float, Float)] = [
            (.sigmoid, 1, 0.7310585786), (.tanh, 0.5, 0.4621171573), (.softplus, 1, 1.3132616875),
            (.softsign, 3, 0.75), (.selu, -1, -1.1113307378), (.selu, 2, 2.1014019747), (.elu, -1, -0.6321205588),
            (.swish, 1, 0.7310585786), (.gelu(approximate: false), 1, 0.8413447461), (.gelu(approximate: true), 1, 0.8411919906),
            (.mish, 1, 0.8650983882), (.leakyRelu(negativeSlope: 0.2), -2, -0.4), (.relu6, 7, 6), (.hardTanh, -3, -1),
            (.hardSilu(nil), 1, 2 / 3), (.tanhShrink, 1, 0.2384058440), (.sparsePlus, 0, 0.25), (.squarePlus, 0, 1),
            (.celu, -1, -0.6321205588), (.logSigmoid, 0, -0.6931471806), (.softShrink, 0.75, 0.25), (.hardShrink, 0.4, 0),
            (.exponential, 1, 2.7182818285), (.sparseSigmoid, 0.5, 0.75),
        ]
        for (activation, x, expected) in cases {
            #expect(abs(activation.scalar(x) - expected) < 2e-7, "\(activation)(\(x))")
        }
    }

    @Test func softmaxSubtractsTheMaxAndUsesItsAxis() {
        let big = Activation.softmax(axis: -1).apply(Tensor(shape: [1, 2], scalars: [1000, 1000]))
        #expect(big.scalars == [0.5, 0.5])
        // Axis 0 of a (2, 2) tensor: columns sum to 1.
        let columns = Activation.softmax(axis: 0).apply(Tensor(shape: [2, 2], scalars: [0, 1, 0, 3]))
        #expect(abs(columns.scalars[0] - 0.5) < 1e-7)
        #expect(abs(columns.scalars[1] + columns.scalars[3] - 1) < 1e-7)
        let logs = Activation.logSoftmax(axis: -1).apply(Tensor(shape: [3], scalars: [1, 2, 3]))
        #expect(maxDifference(logs.scalars, [-2.4076059644, -1.4076059644, -0.4076059644]) < 1e-6)
    }

    @Test func gluHalvesAndCreluDoubles() {
        let glu = Activation.glu.apply(Tensor(shape: [1, 2], scalars: [2, 0]))
        #expect(glu.shape == [1, 1] && glu.scalars == [1])
        let crelu = Activation.crelu.apply(Tensor(shape: [1, 2], scalars: [2, -3]))
        #expect(crelu.shape == [1, 4] && crelu.scalars == [2, 0, 0, 3])
    }
}

/// The vectorised gate functions against Double, in units in the last place of the float result,
/// over every 9973rd float of either sign up to magnitude 20 (and zero).
@Suite struct VectorMathAccuracyTests {
    static func worstULP(_ vector: (SIMD8<Float>) -> SIMD8<Float>, _ exact: (Double) -> Double) -> Double {
        var inputs: [Float] = [0]
        var bits: UInt32 = 1
        while bits <= Float(20).bitPattern {
            inputs.append(Float(bitPattern: bits))
            inputs.append(-Float(bitPattern: bits))
            bits += 9973
        }
        var worst = 0.0
        var start = 0
        while start < inputs.count {
            var lanes = SIMD8<Float>()
            let count = min(8, inputs.count - start)
            for lane in 0..<count { lanes[lane] = inputs[start + lane] }
            let result = vector(lanes)
            for lane in 0..<count {
                let truth = exact(Double(inputs[start + lane]))
                let ulp = max(Double(Float(truth).magnitude.ulp), Double(Float.leastNonzeroMagnitude))
                worst = max(worst, abs(Double(result[lane]) - truth) / ulp)
            }
            start += 8
        }
        return worst
    }

    @Test("exp, sigmoid and tanh stay within a few ulp of Double")
    func accuracy() {
        // Measured here: exp 0.92, sigmoid 1.95, tanh 4.24 (Eigen's rational function).
        #expect(Self.worstULP({ VectorMath.exp($0) }, { Foundation.exp($0) }) <= 1.5)
        #expect(Self.worstULP({ VectorMath.sigmoid($0) }, { 1 / (1 + Foundation.exp(-$0)) }) <= 2.5)
        #expect(Self.worstULP({ VectorMath.tanh($0) }, { Foundation.tanh($0) }) <= 5)
    }
}
