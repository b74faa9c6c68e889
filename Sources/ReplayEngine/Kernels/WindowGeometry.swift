import Synchronization

/// How a convolution or pooling window pads its input (Keras `padding`).
public enum WindowPadding: String, Sendable {
    /// No padding: only windows that fit.
    case valid
    /// TensorFlow's SAME: `ceil(length / stride)` outputs, the padding split floor before / rest after.
    case same
    /// 1-D convolutions only: `dilation·(kernel-1)` zeros before, so output t never sees input after t.
    case causal
    /// Keras 1/2 on Theano, `same`: Theano's `half` border (`span/2` zeros before, floor) with the
    /// output cut to `ceil(length / stride)`; equals TensorFlow's rule for odd kernels at stride 1
    /// only.
    case theanoSame
    /// Keras 1/2 pooling on Theano, `same`: `pool-2` zeros before for odd pools above 2, `pool-1`
    /// otherwise (Keras' own choice), the output cut to `ceil(length / stride)`.
    case theanoPoolSame
}

/// The windows along one spatial axis: `kernel` taps `dilation` apart, every `stride` inputs.
public struct WindowAxis: Sendable, Equatable {
    public var kernel: Int
    public var stride: Int
    public var dilation: Int

    public init(kernel: Int, stride: Int = 1, dilation: Int = 1) {
        self.kernel = kernel
        self.stride = stride
        self.dilation = dilation
    }

    /// The input positions one window covers: `dilation·(kernel-1) + 1`.
    public var span: Int { dilation * (kernel - 1) + 1 }

    /// Output length and padding before the first input for an input of `length`.
    public func geometry(_ length: Int, _ padding: WindowPadding) -> (length: Int, padBefore: Int) {
        switch padding {
        case .valid: return (length >= span ? (length - span) / stride + 1 : 0, 0)
        case .causal: return ((length - 1) / stride + 1, span - 1)
        case .same:
            let out = (length + stride - 1) / stride
            return (out, max((out - 1) * stride + span - length, 0) / 2)
        case .theanoSame:
            return ((length + stride - 1) / stride, span / 2)
        case .theanoPoolSame:
            return ((length + stride - 1) / stride, kernel > 2 && kernel % 2 == 1 ? kernel - 2 : kernel - 1)
        }
    }
}

/// The spatial geometry of a windowed layer over channels-last data `(batch, spatial..., channels)`:
/// per axis the window and its padding, the input and output sizes, and row-major strides.
struct WindowGrid {
    let axes: [WindowAxis]
    let inputSize: [Int]
    let outputSize: [Int]
    let padBefore: [Int]

    init(axes: [WindowAxis], inputSize: [Int], padding: WindowPadding) {
        self.axes = axes
        self.inputSize = inputSize
        var output: [Int] = [], pads: [Int] = []
        for (axis, length) in zip(axes, inputSize) {
            let (out, pad) = axis.geometry(length, padding)
            output.append(out)
            pads.append(pad)
        }
        outputSize = output
        padBefore = pads
    }

    var outputPositions: Int { outputSize.reduce(1, *) }
    var inputPositions: Int { inputSize.reduce(1, *) }
    var taps: Int { axes.reduce(1) { $0 * $1.kernel } }
    var isEmpty: Bool { outputSize.contains(0) }

    /// For every output position (flat, row-major) the input positions of its taps (flat spatial
    /// index, -1 for padding): `outputPositions × taps` entries, built axis by axis from per-axis
    /// tables, so the unfolding loop only looks positions up.
    func positionTable() -> [Int32] {
        let rank = axes.count
        // Per axis: for output o and tap k, the input coordinate or -1.
        let coordinates: [[Int]] = (0..<rank).map { axis in
            let window = axes[axis]
            var table = [Int](repeating: -1, count: outputSize[axis] * window.kernel)
            for o in 0..<outputSize[axis] {
                for k in 0..<window.kernel {
                    let c = o * window.stride + k * window.dilation - padBefore[axis]
                    if c >= 0 && c < inputSize[axis] { table[o * window.kernel + k] = c }
                }
            }
            return table
        }
        let taps = self.taps
        var table = [Int32](repeating: -1, count: outputPositions * taps)
        var output = [Int](repeating: 0, count: rank), tap = [Int](repeating: 0, count: rank)
        for position in 0..<outputPositions {
            for axis in 0..<rank { tap[axis] = 0 }
            for index in 0..<taps {
                var flat = 0
                for axis in 0..<rank {
                    let c = coordinates[axis][output[axis] * axes[axis].kernel + tap[axis]]
                    if c < 0 { flat = -1; break }
                    flat = flat * inputSize[axis] + c
                }
                table[position * taps + index] = Int32(flat)
                var axis = rank - 1
                while axis >= 0 {
                    tap[axis] += 1
                    if tap[axis] < axes[axis].kernel { break }
                    tap[axis] = 0
                    axis -= 1
                }
            }
            var axis = rank - 1
            while axis >= 0 {
                output[axis] += 1
                if output[axis] < outputSize[axis] { break }
                output[axis] = 0
                axis -= 1
            }
        }
        return table
    }

    /// The input positions (flat spatial index, or -1 for padding) of every tap of the window at
    /// output position `output` (flat), in row-major tap order, written to `positions`.
    @inline(__always)
    func windowPositions(_ output: Int, into positions: UnsafeMutablePointer<Int>) {
        // Output coordinates, then for each tap its input coordinate along every axis.
        var remaining = output
        let rank = axes.count
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rank * 2) { scratch in
            let start = scratch.baseAddress!, tap = start + rank
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                let coordinate = remaining % outputSize[axis]
                remaining /= outputSize[axis]
                start[axis] = coordinate * axes[axis].stride - padBefore[axis]
                tap[axis] = 0
            }
            for index in 0..<taps {
                var flat = 0
                var inside = true
                for axis in 0..<rank {
                    let position = start[axis] + tap[axis] * axes[axis].dilation
                    if position < 0 || position >= inputSize[axis] { inside = false; break }
                    flat = flat * inputSize[axis] + position
                }
                positions[index] = inside ? flat : -1
                var axis = rank - 1
                while axis >= 0 {
                    tap[axis] += 1
                    if tap[axis] < axes[axis].kernel { break }
                    tap[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}

extension Tensor {
    /// `(batch, channels, spatial...)` → `(batch, spatial..., channels)`.
    func channelsLast() -> Tensor {
        guard rank > 2 else { return self }
        return transposed([0] + Array(2..<rank) + [1])
    }

    /// `(batch, spatial..., channels)` → `(batch, channels, spatial...)`.
    func channelsFirst() -> Tensor {
        guard rank > 2 else { return self }
        return transposed([0, rank - 1] + Array(1..<(rank - 1)))
    }
}

/// The last position table a layer built, kept for its next call on the same geometry (a chain
/// run a block of rows at a time calls each layer many times on equal frames).
final class PositionTableCache: Sendable {
    private let slot = Mutex<(key: [Int], table: [Int32])?>(nil)

    func table(for grid: WindowGrid) -> [Int32] {
        let key = grid.inputSize + grid.outputSize + grid.padBefore
        if let cached = slot.withLock({ $0 }), cached.key == key { return cached.table }
        let table = grid.positionTable()
        slot.withLock { $0 = (key, table) }
        return table
    }
}
