import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's helper threads: one fewer than the cores, started on first use and kept for the
/// life of the process (threads are a process resource like the cores they run on; they hold
/// nothing between jobs, so results never depend on them).
///
/// Why not `DispatchQueue.concurrentPerform`: a transformer block at batch 32 makes ~15 parallel
/// calls in 0.3 ms, and on a VM each wake of a sleeping dispatch worker costs tens of
/// microseconds — the model ran faster on one thread than on two. A helper here spins for a
/// while after each job (as onnxruntime's pool does) and parks only when nothing came, so a
/// hand-off between calls microseconds apart is one cache line.
///
/// Protocol: a job is published as one 64-bit ticket, `generation << 32 | count << 16 | next`.
/// Threads claim an index with a compare-exchange that also checks the generation, so a helper
/// that wakes late can never run an index of a job that has finished; the caller takes index 0
/// itself and returns once `remaining` reaches 0.
final class WorkerPool: @unchecked Sendable {
    /// Shared by every model in the process; nil on a single core.
    static let shared: WorkerPool? = Parallelism.defaultThreads > 1 ? WorkerPool(helpers: Parallelism.defaultThreads - 1) : nil

    /// Helper threads that started (a failed `pthread_create` leaves fewer, even none).
    var helpers: Int { started.load(ordering: .relaxed) }
    private let started = Atomic<Int>(0)
    private let ticket = Atomic<UInt64>(0)
    private let remaining = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    /// The running job's body (a pointer to the caller's closure, alive until `remaining` is 0).
    private let body = Atomic<UInt>(0)
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// Spin iterations before a helper parks (~100 µs on a current core).
    private static let spinLimit = 20_000

    private init(helpers: Int) {
        lock = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        for _ in 0..<helpers {
            let context = Unmanaged.passUnretained(self).toOpaque()
            var thread = pthread_t()
            if pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeUnretainedValue().helperLoop()
                return nil
            }, context) == 0 {
                pthread_detach(thread)
                started.add(1, ordering: .relaxed)
            }
        }
    }

    /// Runs `body(index)` for `0..<count` on the caller and the helpers; false (having run nothing)
    /// when the pool is already running a job (a nested or concurrent call), or `count` is too large.
    /// With `count` ≤ helpers + 1 every index runs on its own thread at the same time, which
    /// bodies that meet at a ``StepBarrier`` need.
    func run(_ count: Int, _ job: @Sendable (Int) -> Void) -> Bool {
        guard count > 1, count < 1 << 16, helpers > 0, !busy.exchange(true, ordering: .acquiring) else { return false }
        withoutActuallyEscaping(job) { escapable in
            var stored = escapable
            withUnsafeMutablePointer(to: &stored) { pointer in
                body.store(UInt(bitPattern: pointer), ordering: .relaxed)
                remaining.store(count, ordering: .relaxed)
                let generation = (ticket.load(ordering: .relaxed) >> 32) &+ 1
                // The caller has taken index 0 already.
                ticket.store(generation << 32 | UInt64(count) << 16 | 1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    pthread_mutex_lock(lock)
                    pthread_cond_broadcast(wake)
                    pthread_mutex_unlock(lock)
                }
                pointer.pointee(0)
                remaining.subtract(1, ordering: .releasing)
                while let index = claim(generation) {
                    pointer.pointee(index)
                    remaining.subtract(1, ordering: .releasing)
                }
                var spins = 0
                while remaining.load(ordering: .acquiring) > 0 {
                    spins += 1
                    if spins > 4_000 { sched_yield() }
                }
            }
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    /// The next index of job `generation`, or nil when it has none left (or is over).
    private func claim(_ generation: UInt64) -> Int? {
        var current = ticket.load(ordering: .acquiring)
        while true {
            let count = (current >> 16) & 0xFFFF, next = current & 0xFFFF
            guard current >> 32 == generation, next < count else { return nil }
            let (exchanged, original) = ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return Int(next) }
            current = original
        }
    }

    private func helperLoop() -> Never {
        var seen: UInt64 = 0
        while true {
            // Wait for a new generation: spin first, then park.
            var spins = 0
            var generation = ticket.load(ordering: .acquiring) >> 32
            while generation == seen {
                spins += 1
                if spins > Self.spinLimit {
                    pthread_mutex_lock(lock)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen { pthread_cond_wait(wake, lock) }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(lock)
                    spins = 0
                }
                generation = ticket.load(ordering: .acquiring) >> 32
            }
            seen = generation
            while let index = claim(generation) {
                // A claimed index keeps the job (and its body) alive until it is counted done.
                let pointer = UnsafeMutablePointer<@Sendable (Int) -> Void>(bitPattern: body.load(ordering: .relaxed))!
                pointer.pointee(index)
                remaining.subtract(1, ordering: .releasing)
            }
        }
    }
}
