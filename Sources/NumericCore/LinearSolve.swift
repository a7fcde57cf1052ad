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

    /// Solves A X = B for m right-hand sides at once: B is column-major n×m (column j = `b[j*n..<(j+1)*n]`), as is
    /// the result. Nil when A is not positive definite or the shapes disagree.
    public static func symmetricPositiveDefinite(_ a: [Double], columns b: [Double], count m: Int) -> [Double]? {
        guard m > 0, b.count % m == 0 else { return nil }
        let n = b.count / m
        guard n > 0, a.count == n * n else { return nil }
        var a = a, x = b
        var order = Int32(n), columns = Int32(m), lda = Int32(n), ldb = Int32(n), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "L"))
        dposv_(&uplo, &order, &columns, &a, &lda, &x, &ldb, &info)
        return info == 0 ? x : nil
    }
}
