#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The LSTM time loop for a few batch rows on two threads, splitting the UNITS instead of the rows.
///
/// With fewer than 8 rows the driver cannot split the batch, and a single thread must stream the
/// whole `(units, 4·units)` recurrent kernel every step — 1 MiB for LSTM(256), more than a core's
/// L2, so the step waits on L3. Here thread p owns units `lo_p ..< hi_p` (a multiple of 16): the
/// columns `g·units + lo_p ..< g·units + hi_p` of every gate block g of `x_t·kernel` and
/// `h·recurrentKernel` (whole 16-column panels of the packed matrices, so each thread's half of
/// the weights stays in its own cache), then those units' gates, cell and hidden state. The two
/// threads meet once per step (``StepBarrier``), after both halves of the new `h` are written,
/// since every unit's next step reads all of `h`.
///
/// Every value is computed by the same operations as the single-thread loop (the products column
/// by column in k order, the gate math lane by lane), so the outputs are identical.
extension RecurrentDriver {
    /// Whether ``unitSplitTimeLoop(_:_:_:)`` applies: the fused sigmoid/tanh LSTM step, units a
    /// multiple of 16 and at least 64 (below that the step is shorter than the barrier is worth;
    /// at 64, T=2000 at batch 1 went 1.93 -> 1.70 ms once the partner is a spinning pool helper),
    /// no mask (masked rows keep state per row), no trace, 2+ threads and under 8 rows.
    static func canSplitUnits(_ cell: LSTMCell, batch: Int, threads: Int, masked: Bool, tracing: Bool) -> Bool {
        guard case .sigmoid = cell.gate, case .tanh = cell.candidate, cell.packedKernel != nil else { return false }
        return threads >= 2 && batch < 8 && !masked && !tracing && cell.units >= 64 && cell.units % 16 == 0
    }

    /// Runs the whole sequence for every row with two threads; false (nothing done) when the
    /// second thread cannot be had.
    static func unitSplitTimeLoop(_ cell: LSTMCell, _ buffers: LoopBuffers, _ settings: LoopSettings, blockSteps: Int? = nil) -> Bool {
        let u = cell.units, width = 4 * u, time = settings.time, rows = settings.batch
        let inputDimension = cell.inputDimension
        let panelsPerGate = u / 16
        let split = (panelsPerGate + 1) / 2 * 16  // units of thread 0
        // x·kernel for a block of steps at once (≤ 8 MiB of it): one product of rows·steps rows
        // runs near the multiply's peak, where one row per step is bound by streaming the kernel
        // (2xLSTM(256) at batch 1: 2.1 → 1.6 ms).
        let block = min(time, max(1, blockSteps ?? (1 << 21) / (rows * width)))
        // Shared buffers: each thread writes only its own columns / units.
        let projection = UnsafeMutablePointer<Float>.allocate(capacity: rows * block * width)
        let hu = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
        let otherH = UnsafeMutablePointer<Float>.allocate(capacity: rows * u)
        let otherC = UnsafeMutablePointer<Float>.allocate(capacity: rows * u)
        defer { projection.deallocate(); hu.deallocate(); otherH.deallocate(); otherC.deallocate() }
        let shared = SplitBuffers(projection: projection, hu: hu, otherH: otherH, otherC: otherC)
        let barrier = StepBarrier(parties: 2)
        let ran = ThreadPair.run { part in
            let lo = part == 0 ? 0 : split, hi = part == 0 ? split : u
            let units = hi - lo
            let x = buffers.sequence, rowStride = time * inputDimension
            let panels = (0..<4).map { g in (g * u + lo) / 16 ..< (g * u + hi) / 16 }
            var hCurrent = buffers.h, hNext = shared.otherH
            var cCurrent = buffers.c!, cNext = shared.otherC
            var blockFirst = 0  // the lowest input step of the current block
            cell.bias.withOptionalUnsafeBufferPointer { bias in
                for s in 0..<time {
                    let t = settings.goBackwards ? time - 1 - s : s
                    if s % block == 0 {
                        // A new block of steps: their x·kernel, this thread's columns, one product
                        // per batch row (its steps are consecutive rows of x).
                        let count = min(block, time - s)
                        blockFirst = settings.goBackwards ? time - s - count : s
                        for r in 0..<rows {
                            for range in panels {
                                MatrixMultiply.multiply(x + r * rowStride + blockFirst * inputDimension, lda: inputDimension, cell.packedKernel!,
                                                        panels: range, into: shared.projection + r * block * width, ldc: width, m: count)
                            }
                        }
                    }
                    // Row r of step t's x·kernel is at stepProjection + r·projectionStride.
                    let stepProjection = shared.projection + (t - blockFirst) * width
                    let projectionStride = block * width
                    // Serpentine: odd steps walk this thread's panels backwards (4 at a time), so the
                    // part of the kernel the previous step read last, still in L2, is read first.
                    // A half kernel larger than L2 (LSTM(512): 2 MiB) then comes half from L2
                    // instead of all from L3. Columns are independent: the same numbers.
                    if s % 2 == 0 {
                        for range in panels {
                            MatrixMultiply.multiply(hCurrent, lda: u, cell.recurrentKernel, panels: range, into: shared.hu, ldc: width, m: rows)
                        }
                    } else {
                        for range in panels.reversed() {
                            var upper = range.upperBound
                            while upper > range.lowerBound {
                                let lower = max(range.lowerBound, upper - 4)
                                MatrixMultiply.multiply(hCurrent, lda: u, cell.recurrentKernel, panels: lower..<upper, into: shared.hu, ldc: width, m: rows)
                                upper = lower
                            }
                        }
                    }
                    for r in 0..<rows {
                        LSTMCell.fusedRow(input: stepProjection + r * projectionStride + lo, hu: shared.hu + r * width + lo, bias: bias.map { $0 + lo },
                                          gates: nil, c: cCurrent + r * u + lo, newC: cNext + r * u + lo, newH: hNext + r * u + lo,
                                          stride: u, units: units)
                        if settings.returnSequences {
                            (buffers.sequenceOutput! + (r * time + s) * u + lo).update(from: hNext + r * u + lo, count: units)
                        }
                    }
                    // Both halves of the new h (and c) are written before either thread reads them.
                    barrier.wait()
                    swap(&hCurrent, &hNext)
                    swap(&cCurrent, &cNext)
                }
                // The final states end in the caller's h and c (each thread copies its units).
                if hCurrent != buffers.h {
                    for r in 0..<rows {
                        (buffers.h + r * u + lo).update(from: hCurrent + r * u + lo, count: units)
                        (buffers.c! + r * u + lo).update(from: cCurrent + r * u + lo, count: units)
                    }
                }
            }
        }
        guard ran else { return false }
        buffers.previousOutput.update(from: buffers.h, count: rows * u)
        return true
    }
}

private struct SplitBuffers: @unchecked Sendable {
    var projection: UnsafeMutablePointer<Float>
    var hu: UnsafeMutablePointer<Float>
    var otherH: UnsafeMutablePointer<Float>
    var otherC: UnsafeMutablePointer<Float>
}
