/// 1-D convolution over time (Keras `Conv1D`, channels last).
///
/// Input `(batch, steps, inChannels)`, `kernel (kernelSize, inChannels/groups, filters)`, `bias (filters)`:
/// ```
/// y[b, t, f] = activation(bias[f] + Σ_k Σ_c x[b, t·strides + k·dilationRate - padLeft, c] · kernel[k, c, f])
/// ```
/// Padding: `valid` none; `same` `outSteps = ceil(steps/strides)` with the padding split floor
/// left / rest right (TensorFlow's rule); `causal` `dilationRate·(kernelSize-1)` zeros on the left.
/// Each group is one matrix product of the unfolded windows `(batch·outSteps, kernelSize·inChannels/groups)`
/// with the kernel. Drops the mask (Keras convolutions do not support masking).
public final class Conv1D: Layer {
    public enum Padding: String, Sendable { case valid, same, causal }

    public let name: String
    public var kindName: String { "Conv1D" }
    public let kernelSize: Int
    public let inChannels: Int
    public let filters: Int
    public let strides: Int
    public let padding: Padding
    public let dilationRate: Int
    public let groups: Int
    public let activation: Activation
    /// Per group: `(kernelSize·inChannels/groups, filters/groups)` row-major.
    let groupKernels: [[Float]]
    let bias: [Float]?

    public init(name: String, kernel: Tensor, bias: Tensor?, strides: Int = 1, padding: Padding = .valid,
                dilationRate: Int = 1, activation: Activation = .linear, groups: Int = 1) throws {
        self.name = name
        func fail(_ message: String) -> EngineError { EngineError(layer: name, kind: "Conv1D", message: message) }
        guard kernel.rank == 3 else { throw fail("expected kernel (kernel_size, channels, filters), found \(kernel.shapeDescription)") }
        guard strides >= 1, dilationRate >= 1, groups >= 1 else {
            throw fail("expected strides, dilation_rate and groups ≥ 1, found \(strides), \(dilationRate), \(groups)")
        }
        if strides > 1 && dilationRate > 1 { throw fail("strides > 1 together with dilation_rate > 1 is not allowed (Keras refuses it too)") }
        kernelSize = kernel.shape[0]
        let groupChannels = kernel.shape[1]
        filters = kernel.shape[2]
        guard filters % groups == 0 else { throw fail("filters \(filters) is not a multiple of groups \(groups)") }
        if let bias { try expectShape(bias, [filters], "bias (filters)", layer: name, kind: "Conv1D") }
        inChannels = groupChannels * groups
        self.strides = strides
        self.padding = padding
        self.dilationRate = dilationRate
        self.groups = groups
        self.activation = activation
        self.bias = bias?.scalars
        let groupFilters = filters / groups
        groupKernels = (0..<groups).map { g in
            var block = [Float]()
            block.reserveCapacity(kernel.shape[0] * groupChannels * groupFilters)
            for row in 0..<(kernel.shape[0] * groupChannels) {
                let start = row * kernel.shape[2] + g * groupFilters
                block += kernel.scalars[start..<(start + groupFilters)]
            }
            return block
        }
    }

    /// Output length and left padding for an input of `steps`.
    func geometry(steps: Int) -> (outSteps: Int, padLeft: Int) {
        let span = dilationRate * (kernelSize - 1) + 1
        switch padding {
        case .valid: return (steps >= span ? (steps - span) / strides + 1 : 0, 0)
        case .causal: return ((steps - 1) / strides + 1, dilationRate * (kernelSize - 1))
        case .same:
            let outSteps = (steps + strides - 1) / strides
            let total = max((outSteps - 1) * strides + span - steps, 0)
            return (outSteps, total / 2)
        }
    }

    public func call(_ inputs: [Tensor], masks: [Tensor?]) throws -> LayerOutput {
        let x = try single(inputs)
        guard x.rank == 3, x.shape[2] == inChannels else {
            throw error("expected input (batch, steps, \(inChannels)), found \(x.shapeDescription)")
        }
        let batch = x.shape[0], steps = x.shape[1]
        let (outSteps, padLeft) = geometry(steps: steps)
        guard outSteps > 0 else { throw error("input of \(steps) steps is shorter than the kernel span (\(dilationRate * (kernelSize - 1) + 1))") }
        let groupChannels = inChannels / groups, groupFilters = filters / groups
        let rows = batch * outSteps, windowWidth = kernelSize * groupChannels
        var windows = [Float](repeating: 0, count: rows * windowWidth)
        var product = [Float](repeating: 0, count: rows * groupFilters)
        var out = [Float](repeating: 0, count: rows * filters)
        for g in 0..<groups {
            // Unfold the windows of this group's channels; padded positions stay zero.
            windows.withUnsafeMutableBufferPointer { w in
                x.scalars.withUnsafeBufferPointer { source in
                    for b in 0..<batch {
                        for t in 0..<outSteps {
                            let row = (b * outSteps + t) * windowWidth
                            for k in 0..<kernelSize {
                                let position = t * strides + k * dilationRate - padLeft
                                let target = row + k * groupChannels
                                if position < 0 || position >= steps {
                                    for c in 0..<groupChannels { w[target + c] = 0 }
                                } else {
                                    let from = (b * steps + position) * inChannels + g * groupChannels
                                    for c in 0..<groupChannels { w[target + c] = source[from + c] }
                                }
                            }
                        }
                    }
                }
            }
            windows.withUnsafeBufferPointer { w in
                groupKernels[g].withUnsafeBufferPointer { kernel in
                    product.withUnsafeMutableBufferPointer { p in
                        MatrixMultiply.multiply(w.baseAddress!, kernel.baseAddress!, into: p.baseAddress!, m: rows, k: windowWidth, n: groupFilters)
                    }
                }
            }
            for r in 0..<rows {
                for f in 0..<groupFilters { out[r * filters + g * groupFilters + f] = product[r * groupFilters + f] }
            }
        }
        if let bias {
            out.withUnsafeMutableBufferPointer { o in bias.withUnsafeBufferPointer { addBias(o.baseAddress!, $0.baseAddress!, rows: rows, width: filters) } }
        }
        return LayerOutput(activation.apply(Tensor(shape: [batch, outSteps, filters], scalars: out)))
    }
}
