// What the optimisers share: the protocol a training loop drives, the store's parameter groups as flat ranges, and
// the split of one update over threads.


/// An optimiser over every parameter of a `ParameterStore`, stepped with an externally scheduled learning rate.
///
/// One training iteration, in PyTorch's order (`optimizer.step(); scheduler.step()`):
/// ```
/// optimizer.step(lr: schedule.lr)   // the k-th step (k = 0, 1, …) uses the lr after k schedule steps
/// schedule.step()
/// ```
public protocol Optimizer: AnyObject {
    var store: ParameterStore { get }
    /// Number of `step(lr:)` calls so far (PyTorch's per-parameter `state["step"]`).
    var stepCount: Int { get }
    /// Updates every parameter in place from the gradients in `store.grads`.
    func step(lr: Double)
}

/// A maximal run of consecutive parameters with the same `decay` flag: PyTorch's two parameter groups
/// (weight decay on / off) as ranges of the flat buffers, so each update is a few long loops.
struct DecayRun: Sendable, Equatable {
    let range: Range<Int>
    let decay: Bool
}

extension ParameterStore {
    var decayRuns: [DecayRun] {
        var runs = [DecayRun]()
        for (i, spec) in specs.enumerated() where spec.count > 0 {
            let range = offsets[i]..<offsets[i + 1]
            if let last = runs.last, last.decay == spec.decay, last.range.upperBound == range.lowerBound {
                runs[runs.count - 1] = DecayRun(range: last.range.lowerBound..<range.upperBound, decay: spec.decay)
            } else {
                runs.append(DecayRun(range: range, decay: spec.decay))
            }
        }
        return runs
    }
}

/// Calls `body(range, decay)` for pieces of `runs` covering every element once. With `threads > 1` and enough
/// elements, the flat index space is cut into `threads` equal contiguous parts run concurrently; the update of an
/// element never depends on another element, so the result is the same bit for bit whatever the split.
func forEachPiece(of runs: [DecayRun], total: Int, threads: Int, _ body: (Range<Int>, Bool) -> Void) {
    // Below this a thread hand-off costs more than it saves (an AdamW update is ~2 ns per element).
    let minimumPerThread = 1 << 15
    let parts = max(1, min(threads, total / minimumPerThread))
    if parts == 1 {
        for run in runs { body(run.range, run.decay) }
        return
    }
    WorkSplitter.shared.run(parts: parts) { part in
        let lower = total * part / parts, upper = total * (part + 1) / parts
        for run in runs {
            let start = max(run.range.lowerBound, lower), end = min(run.range.upperBound, upper)
            if start < end { body(start..<end, run.decay) }
        }
    }
}

/// Copies `source` into `destination` after checking the element count; shared by the optimisers' `restore`.
func copyState(_ source: [Float], into destination: Tensor, what: String) {
    precondition(source.count == destination.count,
                 "optimiser restore: \(what) has \(source.count) values, the optimiser has \(destination.count)")
    if source.isEmpty { return }
    source.withUnsafeBufferPointer { destination.pointer.update(from: $0.baseAddress!, count: source.count) }
}
