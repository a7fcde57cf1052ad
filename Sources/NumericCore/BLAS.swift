// Matrix products and OpenBLAS introspection. Every matrix product in the project goes through `sgemm` here.

import COpenBLAS

public enum BLAS {
    /// Row-major `C[m×n] = alpha · op(A) · op(B) + beta · C`, where op(A) is m×k and op(B) is k×n.
    /// `lda`/`ldb` follow the stored shapes (A is [m, k], or [k, m] when `transA`), as in CBLAS.
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {  // CBLAS would leave C untouched for beta == 0 only by convention; make it explicit
            if beta == 0 { for r in 0..<m { (c + r * ldc).update(repeating: 0, count: n) } }
            else if beta != 1 { for r in 0..<m { for j in 0..<n { c[r * ldc + j] *= beta } } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The kernel family OpenBLAS picked for this CPU (e.g. "Haswell", "SkylakeX", "Zen").
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// OpenBLAS's build configuration string (version, DYNAMIC_ARCH, threading model).
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
