// Matrix products and OpenBLAS introspection. Every matrix product in the project goes through `sgemm` here.

import COpenBLAS
import Foundation
import Synchronization

public enum BLAS {
    /// Row-major `C[m×n] = alpha · op(A) · op(B) + beta · C`, where op(A) is m×k and op(B) is k×n.
    /// `lda`/`ldb` follow the stored shapes (A is [m, k], or [k, m] when `transA`), as in CBLAS.
    ///
    /// Products of at least `splitMinimumFlops` are cut into `threads` (default `BLAS.threads`) blocks of C's
    /// columns (or rows, when C is taller than wide), one single-threaded OpenBLAS call per block on its own thread.
    /// Every element of C is still computed over the whole inner dimension, but OpenBLAS picks its kernel by shape, so
    /// a block may round differently in the last bit from the whole; a fixed thread count repeats bit for bit (tested).
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // CBLAS would leave C untouched for beta == 0 only by convention; make it explicit
            if beta == 0 { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
            else if beta != 1 { for r in 0..<m { for j in 0..<n { c[r * ldc + j] *= beta } } }
            return
        }
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        let parts = threads ?? Self.threads
        guard parts > 1 && 2 * m * n * k >= splitMinimumFlops else {
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
            return
        }
        // Cut C's columns (op(B)'s go with them) or, when C is taller than wide, its rows (op(A)'s go with them).
        let byColumns = n >= m
        WorkSplitter.shared.run(parts: parts) { part in
            let total = byColumns ? n : m, lo = total * part / parts, hi = total * (part + 1) / parts
            if byColumns {
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(hi - lo), Int32(k), alpha, a, Int32(lda),
                            b + (transB ? lo * ldb : lo), Int32(ldb), beta, c + lo, Int32(ldc))
            } else {
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(hi - lo), Int32(n), Int32(k), alpha, a + (transA ? lo : lo * lda),
                            Int32(lda), b, Int32(ldb), beta, c + lo * ldc, Int32(ldc))
            }
        }
    }

    /// Products below this many FLOPs (about 10 µs of work) run whole on the calling thread.
    public static let splitMinimumFlops = 1 << 20

    /// OpenBLAS's thread count at start-up (OPENBLAS_NUM_THREADS, else the cores); from then on OpenBLAS itself runs
    /// single-threaded and `sgemm` splits products over that many threads of its own (see Parallel.swift). On the
    /// 2-core build machine OpenBLAS's own threads made SECLA training at batch 20 slower than one thread; the split
    /// made it 1.7× faster.
    private static let startupThreads: Int = {
        // OpenBLAS caps its default at the cores, but not an explicit OPENBLAS_NUM_THREADS; spinning helpers beyond
        // the cores would only take turns.
        let n = min(Int(openblas_get_num_threads()), ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(1)
        return max(1, n)
    }()
    private static let splitThreads = Atomic<Int>(startupThreads)

    /// The kernel family OpenBLAS picked for this CPU (e.g. "Haswell", "SkylakeX", "Zen").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Threads one matrix product (and one optimiser step) is split over.
    public static var threads: Int { splitThreads.load(ordering: .relaxed) }

    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "BLAS.setThreads: need at least 1 thread, got \(n)")
        splitThreads.store(n, ordering: .relaxed)
    }

    /// OpenBLAS's build configuration string (version, DYNAMIC_ARCH, threading model).
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
