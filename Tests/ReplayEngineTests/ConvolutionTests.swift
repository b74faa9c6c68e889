import Testing
@testable import ReplayEngine

@Suite struct ConvolutionTests {
    /// Direct loop over output positions, taps and channels; padding from the Keras/TF rules.
    func naive(_ x: Tensor, _ kernel: Tensor, _ bias: [Float], strides: Int, padding: Conv1D.Padding, dilation: Int, groups: Int) -> Tensor {
        let batch = x.shape[0], steps = x.shape[1], inChannels = x.shape[2]
        let size = kernel.shape[0], groupIn = kernel.shape[1], filters = kernel.shape[2], groupOut = filters / groups
        let span = dilation * (size - 1) + 1
        let outSteps: Int, left: Int
        switch padding {
        case .valid: outSteps = (steps - span) / strides + 1; left = 0
        case .causal: outSteps = (steps - 1) / strides + 1; left = span - 1
        case .same:
            outSteps = (steps + strides - 1) / strides
            left = max((outSteps - 1) * strides + span - steps, 0) / 2
        }
        var out = [Float](repeating: 0, count: batch * outSteps * filters)
        for b in 0..<batch { for t in 0..<outSteps { for f in 0..<filters {
            let g = f / groupOut
            var sum: Float = 0
            for k in 0..<size {
                let s = t * strides + k * dilation - left
                guard s >= 0 && s < steps else { continue }
                for c in 0..<groupIn {
                    sum += x.scalars[(b * steps + s) * inChannels + g * groupIn + c] * kernel.scalars[(k * groupIn + c) * filters + f]
                }
            }
            out[(b * outSteps + t) * filters + f] = sum + bias[f]
        } } }
        return Tensor(shape: [batch, outSteps, filters], scalars: out)
    }

    @Test(arguments: [
        (Conv1D.Padding.valid, 1, 1, 1), (.same, 1, 1, 1), (.same, 2, 1, 1), (.same, 3, 1, 1), (.causal, 1, 2, 1),
        (.causal, 1, 3, 1), (.valid, 2, 1, 1), (.same, 1, 2, 1), (.valid, 1, 1, 2), (.causal, 2, 1, 2),
    ])
    func matchesNaiveLoop(_ setup: (Conv1D.Padding, Int, Int, Int)) throws {
        let (padding, strides, dilation, groups) = setup
        var random = SeededValues(seed: UInt64(strides * 100 + dilation * 10 + groups))
        let x = random.tensor([2, 9, 4]), kernel = random.tensor([3, 4 / groups, 6]), bias = random.tensor([6])
        let conv = try Conv1D(name: "conv", kernel: kernel, bias: bias, strides: strides, padding: padding,
                              dilationRate: dilation, activation: .linear, groups: groups)
        let out = try conv(x).tensors[0]
        let expected = naive(x, kernel, bias.scalars, strides: strides, padding: padding, dilation: dilation, groups: groups)
        #expect(out.shape == expected.shape)
        #expect(maxDifference(out.scalars, expected.scalars) < 1e-5)
    }

    @Test func averagePoolingSameDividesByRealValues() throws {
        // steps 5, pool 2, stride 2, same: out 3, pad 1 on the right; last window holds only x[4].
        let x = Tensor(shape: [1, 5, 1], scalars: [1, 2, 3, 4, 10])
        let average = try Pooling1D(name: "p", kind: .average, poolSize: 2, strides: 2, padding: .same)(x).tensors[0]
        #expect(average.scalars == [1.5, 3.5, 10])
        let maximum = try Pooling1D(name: "p", kind: .max, poolSize: 3, strides: 1, padding: .same)(Tensor(shape: [1, 3, 1], scalars: [-1, -5, -2])).tensors[0]
        #expect(maximum.scalars == [-1, -1, -2])
        let valid = try Pooling1D(name: "p", kind: .max, poolSize: 2)(x).tensors[0]
        #expect(valid.scalars == [2, 4])
    }

    @Test func globalAverageUsesTheMask() throws {
        let x = Tensor(shape: [1, 3, 2], scalars: [1, 2, 3, 4, 100, 100])
        let layer = GlobalPooling1D(name: "g", kind: .average)
        #expect(try layer.call([x], masks: [Tensor(shape: [1, 3], scalars: [1, 1, 0])]).tensors[0].scalars == [2, 3])
        #expect(try layer.call([x], masks: [nil]).tensors[0].scalars == [104 / 3, 106 / 3])
        let keep = try GlobalPooling1D(name: "g", kind: .max, keepdims: true)(x).tensors[0]
        #expect(keep.shape == [1, 1, 2] && keep.scalars == [100, 100])
    }
}
