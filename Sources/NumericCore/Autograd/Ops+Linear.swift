// Matrix products, linear layers and ReLU, with their backward passes.

import CKernels

extension Graph {
    /// `C = op(A) · op(B)` for 2-D tensors; op transposes when asked. A is [m, k] (or [k, m] with `transA`),
    /// B is [k, n] (or [n, k] with `transB`); C is [m, n]. One `cblas_sgemm` forward, at most two backward.
    public func matmul(_ a: Var, _ b: Var, transA: Bool = false, transB: Bool = false) -> Var {
        let A = value(a), B = value(b)
        shapeCheck(A.rank == 2 && B.rank == 2, "matmul needs 2-D tensors, got \(describe(A.shape)) and \(describe(B.shape))")
        let m = transA ? A.shape[1] : A.shape[0], k = transA ? A.shape[0] : A.shape[1]
        let k2 = transB ? B.shape[1] : B.shape[0], n = transB ? B.shape[0] : B.shape[1]
        shapeCheck(k == k2, "matmul inner dimensions differ: op(A) is [\(m), \(k)] (A \(describe(A.shape)), transA \(transA)), "
                   + "op(B) is [\(k2), \(n)] (B \(describe(B.shape)), transB \(transB))")
        let C = Tensor(uninitialized: [m, n])  // (m, n)
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: A.pointer, lda: A.shape[1],
                   b: B.pointer, ldb: B.shape[1], beta: 0, c: C.pointer, ldc: n)
        return record(C, inputs: [a, b]) { g, c in
            let dC = g.outputGrad(c)  // (m, n)
            // forward: C = op(A) · op(B)
            func dA(_ beta: Float) -> (UnsafeMutablePointer<Float>) -> Void {
                { dA in
                    if !transA {  // dA[m,k] (+)= dC · op(B)ᵀ
                        g.sgemm(transA: false, transB: !transB, m: m, n: k, k: n, a: dC.pointer, lda: n,
                                b: B.pointer, ldb: B.shape[1], beta: beta, c: dA, ldc: k)
                    } else {  // A is [k, m]: dA[k,m] (+)= op(B) · dCᵀ
                        g.sgemm(transA: transB, transB: true, m: k, n: m, k: n, a: B.pointer, lda: B.shape[1],
                                b: dC.pointer, ldb: n, beta: beta, c: dA, ldc: m)
                    }
                }
            }
            func dB(_ beta: Float) -> (UnsafeMutablePointer<Float>) -> Void {
                { dB in
                    if !transB {  // dB[k,n] (+)= op(A)ᵀ · dC
                        g.sgemm(transA: !transA, transB: false, m: k, n: n, k: m, a: A.pointer, lda: A.shape[1],
                                b: dC.pointer, ldb: n, beta: beta, c: dB, ldc: n)
                    } else {  // B is [n, k]: dB[n,k] (+)= dCᵀ · op(A)
                        g.sgemm(transA: true, transB: transA, m: n, n: k, k: m, a: dC.pointer, lda: n,
                                b: A.pointer, ldb: A.shape[1], beta: beta, c: dB, ldc: k)
                    }
                }
            }
            g.accumulate(into: a, set: dA(0), add: dA(1))
            g.accumulate(into: b, set: dB(0), add: dB(1))
        }
    }

    /// PyTorch's `nn.Linear`: `y = x · Wᵀ + b` with x [R, in], W [out, in] (PyTorch's stored layout), b [out].
    public func linear(_ x: Var, weight w: Var, bias b: Var? = nil) -> Var {
        let X = value(x), W = value(w)
        shapeCheck(X.rank == 2 && W.rank == 2 && X.shape[1] == W.shape[1],
                   "linear: input \(describe(X.shape)) does not fit weight \(describe(W.shape)) ([out, in])")
        let R = X.shape[0], nIn = W.shape[1], nOut = W.shape[0]
        let Y = Tensor(uninitialized: [R, nOut])  // (R, out)
        var beta: Float = 0
        if let b {
            let Bv = value(b)
            shapeCheck(Bv.shape == [nOut], "linear: bias \(describe(Bv.shape)) for weight \(describe(W.shape))")
            for r in 0..<R { (Y.pointer + r * nOut).update(from: Bv.pointer, count: nOut) }
            beta = 1
        }
        sgemm(transA: false, transB: true, m: R, n: nOut, k: nIn, a: X.pointer, lda: nIn,
                   b: W.pointer, ldb: nIn, beta: beta, c: Y.pointer, ldc: nOut)
        return record(Y, inputs: b.map { [x, w, $0] } ?? [x, w]) { g, y in
            let dY = g.outputGrad(y)  // (R, out)
            // forward: Y = X · Wᵀ + b
            func dX(_ beta: Float) -> (UnsafeMutablePointer<Float>) -> Void {
                { dX in  // dX[R,in] (+)= dY · W
                    g.sgemm(transA: false, transB: false, m: R, n: nIn, k: nOut, a: dY.pointer, lda: nOut,
                            b: W.pointer, ldb: nIn, beta: beta, c: dX, ldc: nIn)
                }
            }
            g.accumulate(into: x, set: dX(0), add: dX(1))
            g.accumulate(into: w) { dW in  // dW[out,in] += dYᵀ · X
                g.sgemm(transA: true, transB: false, m: nOut, n: nIn, k: R, a: dY.pointer, lda: nOut,
                           b: X.pointer, ldb: nIn, beta: 1, c: dW, ldc: nIn)
            }
            if let b {
                g.accumulate(into: b) { db in  // db[out] += Σ_r dY[r, :]
                    for r in 0..<R {
                        let row = dY.pointer + r * nOut
                        for j in 0..<nOut { db[j] += row[j] }
                    }
                }
            }
        }
    }

    /// `y = max(x, 0)` elementwise. The gradient at exactly 0 is 0, as in PyTorch.
    public func relu(_ x: Var) -> Var {
        let X = value(x)
        let Y = Tensor(uninitialized: X.shape)
        let yp = Y.pointer
        secla_relu_forward(X.pointer, yp, X.count)
        return record(Y, inputs: [x]) { g, y in
            let dY = g.outputGrad(y)
            let n = Y.count
            // forward: y = x > 0 ? x : 0
            g.accumulate(into: x, set: { dX in secla_relu_backward(yp, dY.pointer, dX, n, 0) },
                         add: { dX in secla_relu_backward(yp, dY.pointer, dX, n, 1) })
        }
    }
}
