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
        // Measured here: exp 0.92; sigmoid 5.2 and tanh 4.5 are TensorFlow 2.21's own functions.
        #expect(Self.worstULP({ VectorMath.exp($0) }, { Foundation.exp($0) }) <= 1.5)
        #expect(Self.worstULP({ VectorMath.sigmoid($0) }, { 1 / (1 + Foundation.exp(-$0)) }) <= 6)
        #expect(Self.worstULP({ VectorMath.tanh($0) }, { Foundation.tanh($0) }) <= 5)
    }

    /// `tf.tanh` and `tf.sigmoid` of TensorFlow 2.21 (the one that writes tf-keras 2.21 and
    /// Keras 3.15 files) on these 32 floats, as bit patterns; ours must equal them bit for bit.
    static let inputs: [Float] = [-120.0, -104.5, -90.0, -60.0, -30.0, -16.0, -8.100000381469727, -7.949999809265137, -5.5, -3.25, -1.7000000476837158, -0.8999999761581421, -0.3100000023841858, -0.004000000189989805, -9.999999747378752e-06, 0.0, 1.9999999949504854e-06, 0.0003000000142492354, 0.014999999664723873, 0.27000001072883606, 0.550000011920929, 0.8125, 1.2999999523162842, 2.5999999046325684, 3.9000000953674316, 4.75, 7.5, 7.920000076293945, 9.0, 12.0, 16.700000762939453, 40.0]
    static let tensorFlowTanh: [UInt32] = [0xBF800000, 0xBF800000, 0xBF800000, 0xBF800000, 0xBF800000, 0xBF800000, 0xBF800000, 0xBF800000, 0xBF7FFDCF, 0xBF7F3B3D, 0xBF6F76F8, 0xBF375F4C, 0xBE99D2E5, 0xBB831240, 0xB727C5AC, 0x00000000, 0x360637BD, 0x399D4952, 0x3C75BDD8, 0x3E86F9D6, 0x3F002218, 0x3F2BC480, 0x3F5C99E3, 0x3F7D30E8, 0x3F7FCA50, 0x3F7FF630, 0x3F7FFFF4, 0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000]
    static let tensorFlowSigmoid: [UInt32] = [0x00000000, 0x00000000, 0x00000000, 0x142D70C5, 0x29D2B708, 0x33F1AADE, 0x399F17F5, 0x39B8D4D5, 0x3B855ECA, 0x3D18E413, 0x3E1E2C22, 0x3E93FE6D, 0x3ED8A27D, 0x3EFF7CEE, 0x3EFFFFAC, 0x3F000000, 0x3F000008, 0x3F0004EA, 0x3F00F5C2, 0x3F112D00, 0x3F2256B6, 0x3F3150FD, 0x3F492C7B, 0x3F6E4CF2, 0x3F7AEBBF, 0x3F7DCDDE, 0x3F7FDBC6, 0x3F7FE831, 0x3F7FF7EA, 0x3F7FFF99, 0x3F800000, 0x3F800000]

    @Test("tanh and sigmoid equal TensorFlow 2.21's bit for bit")
    func tensorFlowBits() {
        for start in stride(from: 0, to: 32, by: 8) {
            let lanes = SIMD8<Float>((0..<8).map { Self.inputs[start + $0] })
            let tanh = VectorMath.tanh(lanes), sigmoid = VectorMath.sigmoid(lanes)
            for lane in 0..<8 {
                #expect(tanh[lane].bitPattern == Self.tensorFlowTanh[start + lane], "tanh(\(lanes[lane]))")
                #expect(sigmoid[lane].bitPattern == Self.tensorFlowSigmoid[start + lane], "sigmoid(\(lanes[lane]))")
            }
        }
        // A 29-value tensor: TensorFlow takes the last 5 through Eigen's scalar sigmoid.
        var values = Array(Self.inputs[..<29])
        Activation.sigmoid.apply(&values)
        #expect(values.map(\.bitPattern) == Array(Self.tensorFlowSigmoid[..<29]))
        var tanhValues = Self.inputs
        Activation.tanh.apply(&tanhValues)
        #expect(tanhValues.map(\.bitPattern) == Self.tensorFlowTanh)
    }
}
