import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A reusable barrier for a few threads that meet once per time step (a few microseconds apart),
/// where a kernel wait would cost more than the step: arrivals spin on an atomic generation
/// counter, then yield the core after a while, so an oversubscribed machine still makes progress.
final class StepBarrier: Sendable {
    private let parties: Int
    private let arrived = Atomic<Int>(0)
    private let generation = Atomic<Int>(0)

    init(parties: Int) {
        self.parties = parties
    }

    /// Returns once all `parties` threads have called `wait` for this generation.
    func wait() {
        let current = generation.load(ordering: .acquiring)
        if arrived.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == parties {
            arrived.store(0, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            return
        }
        var spins = 0
        while generation.load(ordering: .acquiring) == current {
            spins += 1
            if spins > 4_000 { sched_yield() }
        }
    }
}

/// Runs `body(0)` on the calling thread and `body(1)` on another thread (a pool helper, or one
/// started for it), at the same time,
/// and returns when both have finished. Unlike `DispatchQueue.concurrentPerform`, the two are
/// guaranteed to run concurrently, which bodies that meet at a ``StepBarrier`` need. Returns false,
/// having run nothing, when no thread can be created (the caller then runs a single-thread path).
enum ThreadPair {
    static func run(_ body: @escaping @Sendable (Int) -> Void) -> Bool {
        // A pool helper is already running (or spinning), which saves a thread start per call.
        if let pool = WorkerPool.shared, pool.helpers >= 1, pool.run(2, body) { return true }
        let context = Unmanaged.passRetained(ThreadBody { body(1) }).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { context in
            let box = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            box.run()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            return false
        }
        body(0)
        pthread_join(thread, nil)
        return true
    }
}

private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
