// Small dense linear systems through LAPACK (the copy inside OpenBLAS): the Newton steps of convex fits with a few
// dozen parameters.

import COpenBLAS

public enum LinearSolve {
    /// Solves A x = b for symmetric positive definite A (n×n, row-major; symmetric, so row- and column-major agree)
    /// by Cholesky factorisation (LAPACK dposv). Nil when A is not positive definite or the shapes disagree.
    public static func symmetricPositiveDefinite(_ a: [Double], _ b: [Double]) -> [Double]? {
        let n = b.count
        guard n > 0, a.count == n * n else { return nil }
        var a = a, x = b
        var order = Int32(n), columns: Int32 = 1, lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        dposv_(&uplo, &order, &columns, &a, &lda, &x, &ldb, &info)
        return info == 0 ? x : nil
    }
}
