// Splitting one piece of work over the calling thread and persistent helper threads with microsecond hand-offs.
//
// A SECLA step at batch 20 is about twenty matrix products of 0.5–30 MFLOP each plus an AdamW pass: each piece takes
// 20–500 µs on one core. OpenBLAS's own threads lose on such sizes (measured: 2 threads slower than 1 at batch 20),
// and waking a GCD worker costs tens of microseconds in a VM. Here helpers spin briefly on an atomic counter after
// each job, so a job posted within that window starts in about a microsecond; after the window they sleep on a
// condition variable and cost nothing.

import CKernels
import Foundation
import Synchronization

/// Runs `body(part)` for part 0..<parts, part 0 on the caller, the others on persistent helper threads, and returns
/// when all are done. Parts must write disjoint memory. One job at a time: a caller that finds the helpers busy (another
/// thread's job, e.g. tests running side by side) runs all its parts itself, which gives the same results.
public final class WorkSplitter: @unchecked Sendable {
    /// Shared by the matrix products and the optimisers. Its width is `BLAS.threads`.
    public static let shared = WorkSplitter()

    /// How long an idle helper spins before it sleeps (spin iterations; roughly 100–300 µs).
    private static let spinLimit = 50_000

    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let lock = NSCondition()
    private var sleepers = 0
    private var helpers = 0
    /// The current job; written by the caller before `generation` is bumped, read by helpers after they see it.
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private nonisolated(unsafe) var jobParts = 0

    private init() {}

    /// Runs `body` for every part in 0..<parts. With parts ≤ 1 it is a plain call.
    public func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { body(0); return }
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for part in 0..<parts { body(part) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            ensureHelpers(parts - 1)
            job = body
            jobParts = parts
            finished.store(0, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            lock.lock()
            if sleepers > 0 { lock.broadcast() }
            lock.unlock()
            body(0)
            // Helpers with an index ≥ parts − 1 skip the job but still report, so wait for all of them.
            var spins = 0
            while finished.load(ordering: .acquiring) < helpers {
                spins += 1
                spinPause(spins)
            }
            job = nil
        }
    }

    private func ensureHelpers(_ count: Int) {
        while helpers < count {
            let index = helpers, seen = generation.load(ordering: .acquiring)  // before the job that needs it is posted
            let thread = Thread { [unowned self] in self.helperLoop(index: index + 1, seen: seen) }
            thread.name = "secla-worker-\(index + 1)"
            thread.start()
            helpers += 1
        }
    }

    private func helperLoop(index: Int, seen start: Int) {
        var seen = start
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < Self.spinLimit {
                spins += 1
                spinPause(spins)
            }
            if generation.load(ordering: .acquiring) == seen {
                lock.lock()
                sleepers += 1
                while generation.load(ordering: .acquiring) == seen { lock.wait() }
                sleepers -= 1
                lock.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if index < jobParts, let job { job(index) }
            finished.add(1, ordering: .releasing)
        }
    }
}

/// A spin-wait step. After the first few thousand spins it also yields the core: on a busy machine (more runnable
/// threads than cores) the thread being waited for may be descheduled, and pure spinning would burn the waiter's whole
/// time slice (measured: 87% of a training process's time in these loops beside two other busy processes).
@inline(__always)
private func spinPause(_ spins: Int) {
    secla_cpu_relax()
    if spins > 2_000 && spins & 63 == 0 { sched_yield() }
}
