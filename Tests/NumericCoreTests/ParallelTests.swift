import NumericCore
import Testing
import TestSupport

/// The thread split of matrix products and optimiser steps: every part runs once, products agree with the single call,
/// and the optimiser's split never changes a bit.
@Suite struct ParallelTests {
    @Test func everyPartRunsExactlyOnce() {
        for parts in [1, 2, 3, 5] {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts)
            defer { counts.deallocate() }
            counts.initialize(repeating: 0)
            for _ in 0..<200 { WorkSplitter.shared.run(parts: parts) { counts[$0] += 1 } }  // each part owns its slot
            #expect(Array(counts) == Array(repeating: 200, count: parts), "parts \(parts)")
        }
    }

    /// Callers on several threads at once (the helpers are busy for all but one) still get every part run once.
    @Test func concurrentCallersAreServed() async {
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var ok = true
                    let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 2)
                    defer { hits.deallocate() }
                    for _ in 0..<100 {
                        hits.initialize(repeating: 0)
                        WorkSplitter.shared.run(parts: 2) { hits[$0] += 1 }
                        ok = ok && Array(hits) == [1, 1]
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }

    /// Split products agree with the single call to float rounding (OpenBLAS picks its kernel by shape, so a block
    /// of C may round differently from the whole) and repeat bit for bit at a fixed thread count; every transpose,
    /// beta 0 and 1, cut by columns and by rows.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func splitProductsMatchTheSingleCall(_ transA: Bool, _ transB: Bool) {
        var rng = SeededRandom(seed: 11)
        for (m, n, k) in [(40, 512, 768), (512, 300, 37), (7, 129, 2000)] {
            let A = rng.normalTensor(transA ? [k, m] : [m, k]), B = rng.normalTensor(transB ? [n, k] : [k, n])
            let C0 = rng.normalTensor([m, n])
            for beta: Float in [0, 1] {
                func product(threads: Int) -> [Float] {
                    let C = Tensor(shape: [m, n], data: C0.array)
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: A.pointer, lda: A.shape[1],
                               b: B.pointer, ldb: B.shape[1], beta: beta, c: C.pointer, ldc: n, threads: threads)
                    return C.array
                }
                let single = product(threads: 1)
                for threads in [2, 3] {
                    let split = product(threads: threads)
                    #expect(split == product(threads: threads), "\(m)×\(n)×\(k) beta \(beta): not repeatable")
                    let worst = closeness(split.map(Double.init), single.map(Double.init), rtol: 1e-5, atol: 1e-4 * Double(k).squareRoot())
                    #expect(worst.passes, "\(m)×\(n)×\(k) beta \(beta) threads \(threads): \(worst)")
                }
            }
        }
    }

    @Test func adamWStepDoesNotDependOnThreads() {
        func run(threads: Int) -> [Float] {
            var rng = SeededRandom(seed: 4)
            let store = ParameterStore([ParameterSpec("w", [300, 400]), ParameterSpec("b", [300], decay: false)])
            store.flatValues.pointer.update(from: rng.normalTensor([store.count]).array, count: store.count)
            let adam = AdamW(store: store, variant: .huggingFace, weightDecay: 0.1, threads: threads)
            for _ in 0..<3 {
                store.flatGrads.pointer.update(from: rng.normalTensor([store.count]).array, count: store.count)
                adam.step(lr: 1e-3)
            }
            return store.flatValues.array
        }
        #expect(run(threads: 2) == run(threads: 1))
    }
}
