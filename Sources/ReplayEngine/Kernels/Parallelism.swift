import Dispatch
import Synchronization

/// How many threads the engine may use inside one layer call (default: every active core).
///
/// Recurrent layers split their batch rows into contiguous slices, one per thread, each running
/// the whole time loop (rows of a batch never interact, so the numbers do not depend on the
/// split; one synchronisation per layer call); under 8 rows a wide LSTM splits its units between
/// two threads that meet once per step (`LSTMUnitSplit.swift`); Bidirectional runs its two
/// directions concurrently.
public enum Parallelism {
    private static let limit = Atomic<Int>(0)

    /// The thread budget; set it to 1 for a single-threaded engine. 0 or less means all cores.
    public static var maximumThreads: Int {
        get {
            let value = limit.load(ordering: .relaxed)
            return value > 0 ? value : defaultThreads
        }
        set { limit.store(newValue, ordering: .relaxed) }
    }

    static let defaultThreads: Int = {
        #if canImport(Glibc) || canImport(Musl)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }()

    /// Runs `body(index)` for `0..<count`, concurrently when `count > 1`: on the engine's own
    /// helper threads (``WorkerPool``), or Dispatch's when those are busy (a nested call).
    static func run(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count <= 1 { if count == 1 { body(0) }; return }
        if let pool = WorkerPool.shared, pool.run(count, body) { return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
