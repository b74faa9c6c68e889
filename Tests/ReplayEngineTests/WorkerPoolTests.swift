import Synchronization
import Testing
@testable import ReplayEngine

/// The engine's helper threads: every index runs exactly once, nested and concurrent calls
/// still finish, and the two bodies of a `ThreadPair` really run at the same time.
@Suite struct WorkerPoolTests {
    @Test func everyIndexRunsExactlyOnce() {
        for count in [2, 3, 7, 64, 1_000] {
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: count)
            defer { hits.deallocate() }
            for _ in 0..<200 {
                hits.initialize(repeating: 0, count: count)
                let counters = CounterPointer(base: hits)
                // Each index owns its own slot, so a second run of one shows as a 2.
                Parallelism.run(count) { index in counters.base[index] += 1 }
                #expect((0..<count).allSatisfy { hits[$0] == 1 }, "count \(count)")
            }
        }
    }

    @Test func nestedCallsFinish() {
        let total = Atomic<Int>(0)
        Parallelism.run(4) { _ in
            Parallelism.run(3) { _ in total.add(1, ordering: .relaxed) }
        }
        #expect(total.load(ordering: .relaxed) == 12)
    }

    @Test func callsFromSeveralThreadsFinish() {
        let total = Atomic<Int>(0)
        DispatchQueueRunner.run(4) {
            for _ in 0..<500 { Parallelism.run(2) { _ in total.add(1, ordering: .relaxed) } }
        }
        #expect(total.load(ordering: .relaxed) == 4 * 500 * 2)
    }

    /// Two bodies that meet at a barrier 20,000 times: would hang if they ran one after the other.
    @Test func threadPairRunsBothBodiesAtOnce() {
        for _ in 0..<20 {
            let barrier = StepBarrier(parties: 2)
            let steps = Atomic<Int>(0)
            let ran = ThreadPair.run { _ in
                for _ in 0..<1_000 {
                    steps.add(1, ordering: .relaxed)
                    barrier.wait()
                }
            }
            #expect(ran)
            #expect(steps.load(ordering: .relaxed) == 2_000)
        }
    }
}

private struct CounterPointer: @unchecked Sendable {
    let base: UnsafeMutablePointer<Int>
}

import Dispatch

private enum DispatchQueueRunner {
    static func run(_ count: Int, _ body: @Sendable () -> Void) {
        DispatchQueue.concurrentPerform(iterations: count) { _ in body() }
    }
}
