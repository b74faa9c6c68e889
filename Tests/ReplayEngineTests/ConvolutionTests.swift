import Testing
@testable import ReplayEngine

@Suite struct ConvolutionTests {
    /// Direct loop over output positions, taps and channels; padding from the Keras/TF rules.
    func naive(_ x: Tensor, _ kernel: Tensor, _ bias: [Float], strides: Int, padding: WindowPadding, dilation: Int, groups: Int) -> Tensor {
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
        case .theanoSame:
            outSteps = (steps + strides - 1) / strides
            left = span / 2
        case .theanoPoolSame:
            outSteps = (steps + strides - 1) / strides
            left = size > 2 && size % 2 == 1 ? size - 2 : size - 1
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
        (WindowPadding.valid, 1, 1, 1), (.same, 1, 1, 1), (.same, 2, 1, 1), (.same, 3, 1, 1), (.causal, 1, 2, 1),
        (.causal, 1, 3, 1), (.valid, 2, 1, 1), (.same, 1, 2, 1), (.valid, 1, 1, 2), (.causal, 2, 1, 2),
    ])
    func matchesNaiveLoop(_ setup: (WindowPadding, Int, Int, Int)) throws {
        let (padding, strides, dilation, groups) = setup
        var random = SeededValues(seed: UInt64(strides * 100 + dilation * 10 + groups))
        let x = random.tensor([2, 9, 4]), kernel = random.tensor([3, 4 / groups, 6]), bias = random.tensor([6])
        let conv = try Convolution(name: "conv", kernel: kernel, bias: bias, strides: [strides], dilation: [dilation], padding: padding,
                                   groups: groups, activation: .linear)
        let out = try conv(x).tensors[0]
        let expected = naive(x, kernel, bias.scalars, strides: strides, padding: padding, dilation: dilation, groups: groups)
        #expect(out.shape == expected.shape)
        #expect(maxDifference(out.scalars, expected.scalars) < 1e-5)
    }

    @Test func averagePoolingSameDividesByRealValues() throws {
        // steps 5, pool 2, stride 2, same: out 3, pad 1 on the right; last window holds only x[4].
        let x = Tensor(shape: [1, 5, 1], scalars: [1, 2, 3, 4, 10])
        let average = try Pooling(name: "p", kind: .average, poolSize: [2], strides: [2], padding: .same)(x).tensors[0]
        #expect(average.scalars == [1.5, 3.5, 10])
        let maximum = try Pooling(name: "p", kind: .max, poolSize: [3], strides: [1], padding: .same)(Tensor(shape: [1, 3, 1], scalars: [-1, -5, -2])).tensors[0]
        #expect(maximum.scalars == [-1, -1, -2])
        let valid = try Pooling(name: "p", kind: .max, poolSize: [2])(x).tensors[0]
        #expect(valid.scalars == [2, 4])
    }

    @Test func globalAverageUsesTheMask() throws {
        let x = Tensor(shape: [1, 3, 2], scalars: [1, 2, 3, 4, 100, 100])
        let layer = GlobalPooling(name: "g", kind: .average)
        #expect(try layer.call([x], masks: [Tensor(shape: [1, 3], scalars: [1, 1, 0])]).tensors[0].scalars == [2, 3])
        #expect(try layer.call([x], masks: [nil]).tensors[0].scalars == [104 / 3, 106 / 3])
        let keep = try GlobalPooling(name: "g", kind: .max, keepdims: true)(x).tensors[0]
        #expect(keep.shape == [1, 1, 2] && keep.scalars == [100, 100])
    }

    /// 2-D convolution against a direct loop: strides, dilation, groups, same/valid, channels first.
    @Test(arguments: [(WindowPadding.valid, 1, 1, 1, false), (.same, 2, 1, 1, false), (.same, 1, 2, 2, false), (.valid, 2, 1, 2, true),
                      (.theanoSame, 2, 1, 1, false)])
    func convolution2DMatchesNaiveLoop(_ setup: (WindowPadding, Int, Int, Int, Bool)) throws {
        let (padding, stride, dilation, groups, channelsFirst) = setup
        var random = SeededValues(seed: UInt64(stride * 100 + dilation * 10 + groups))
        let (batch, height, width, inChannels, filters) = (2, 7, 6, 4, 6)
        let x = random.tensor([batch, height, width, inChannels]), kernel = random.tensor([3, 2, inChannels / groups, filters])
        let bias = random.tensor([filters])
        let conv = try Convolution(name: "c", kernel: kernel, bias: bias, strides: [stride, stride], dilation: [dilation, dilation],
                                   padding: padding, groups: groups, channelsFirst: channelsFirst)
        let out = try conv(channelsFirst ? x.channelsFirst() : x).tensors[0]
        let grid = WindowGrid(axes: conv.axes, inputSize: [height, width], padding: padding)
        let (oh, ow) = (grid.outputSize[0], grid.outputSize[1])
        var expected = [Float](repeating: 0, count: batch * oh * ow * filters)
        let groupIn = inChannels / groups, groupOut = filters / groups
        for b in 0..<batch { for i in 0..<oh { for j in 0..<ow { for f in 0..<filters {
            var sum: Float = 0
            for ki in 0..<3 { for kj in 0..<2 {
                let y = i * stride + ki * dilation - grid.padBefore[0], z = j * stride + kj * dilation - grid.padBefore[1]
                guard y >= 0, y < height, z >= 0, z < width else { continue }
                for c in 0..<groupIn {
                    sum += x.scalars[((b * height + y) * width + z) * inChannels + (f / groupOut) * groupIn + c]
                        * kernel.scalars[((ki * 2 + kj) * groupIn + c) * filters + f]
                }
            } }
            expected[((b * oh + i) * ow + j) * filters + f] = sum + bias.scalars[f]
        } } } }
        let ours = channelsFirst ? out.channelsLast() : out
        #expect(ours.shape == [batch, oh, ow, filters])
        #expect(maxDifference(ours.scalars, expected) < 1e-5)
    }

    /// A transposed convolution is the adjoint of the convolution: <conv(y), x> = <y, convT(x)>.
    @Test(arguments: [(WindowPadding.valid, 1), (.valid, 2), (.same, 2), (.same, 3)])
    func transposeIsTheAdjoint(_ setup: (WindowPadding, Int)) throws {
        let (padding, stride) = setup
        var random = SeededValues(seed: UInt64(stride * 7))
        let kernel = random.tensor([3, 3, 2, 5])  // conv: 5 channels in, 2 filters; transpose: 2 in, 5 out
        let transpose = try ConvolutionTranspose(name: "t", kernel: kernel, bias: nil, strides: [stride, stride], dilation: [1, 1], padding: padding)
        let x = random.tensor([1, 4, 3, 5])
        let y = try transpose(x).tensors[0]
        let conv = try Convolution(name: "c", kernel: kernel, bias: nil, strides: [stride, stride], dilation: [1, 1], padding: padding)
        let probe = random.tensor(y.shape)
        let forward = try conv(probe).tensors[0]
        #expect(forward.shape == x.shape)
        let left = zip(forward.scalars, x.scalars).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        let right = zip(probe.scalars, y.scalars).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        #expect(abs(left - right) < 1e-4 * max(1, abs(left)))
    }

    @Test func adaptiveWindowsAreKerasOnes() {
        #expect(AdaptivePooling.windows(length: 5, count: 3) == [0..<2, 1..<4, 3..<5])
        #expect(AdaptivePooling.windows(length: 7, count: 5) == [0..<2, 1..<3, 2..<5, 4..<6, 5..<7])
    }
}
