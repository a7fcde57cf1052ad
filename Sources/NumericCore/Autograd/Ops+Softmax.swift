// Row-wise log-softmax and cross-entropy, with their backward passes. Both subtract the row maximum first, so
// large scores (SECLA's dot products have no temperature) never overflow.

import Foundation

extension Graph {
    /// `y[r, c] = x[r, c] − log Σ_c' exp x[r, c']` for x [R, C] (`F.log_softmax(x, dim=1)`).
    public func logSoftmax(_ x: Var) -> Var {
        let X = value(x)
        shapeCheck(X.rank == 2 && X.shape[1] > 0, "logSoftmax needs [R, C] with C > 0, got \(describe(X.shape))")
        let R = X.shape[0], C = X.shape[1]
        let Y = Tensor(uninitialized: [R, C])  // (R, C)
        for r in 0..<R {
            let row = X.pointer + r * C, out = Y.pointer + r * C
            let lse = logSumExp(row, C)
            for c in 0..<C { out[c] = row[c] - lse }
        }
        return record(Y, inputs: [x]) { g, y in
            let dY = g.outputGrad(y).pointer
            // forward: y = x − logsumexp(x);  dx = dy − softmax(x) · Σ_c dy
            g.accumulate(into: x) { dx in
                for r in 0..<R {
                    let dyr = dY + r * C, yr = Y.pointer + r * C, dxr = dx + r * C
                    var total: Float = 0
                    for c in 0..<C { total += dyr[c] }
                    for c in 0..<C { dxr[c] += dyr[c] - exp(yr[c]) * total }
                }
            }
        }
    }

    /// PyTorch's `F.cross_entropy(logits, targets)` with mean reduction: `(1/R) Σ_r (logsumexp(x_r) − x[r, t_r])`.
    /// logits [R, C], targets: one class index in 0..<C per row. Shape [].
    public func crossEntropy(_ logits: Var, targets: [Int]) -> Var {
        let X = value(logits)
        shapeCheck(X.rank == 2 && X.shape[1] > 0 && X.shape[0] > 0, "crossEntropy needs [R, C] with R, C > 0, got \(describe(X.shape))")
        let R = X.shape[0], C = X.shape[1]
        shapeCheck(targets.count == R, "crossEntropy: \(targets.count) targets for \(R) rows")
        for t in targets { shapeCheck(t >= 0 && t < C, "crossEntropy: target \(t) outside 0..<\(C)") }
        let P = Tensor(uninitialized: [R, C])  // (R, C) softmax, kept for backward
        var loss = 0.0
        for r in 0..<R {
            let row = X.pointer + r * C, p = P.pointer + r * C
            let lse = logSumExp(row, C)
            loss += Double(lse - row[targets[r]])
            for c in 0..<C { p[c] = exp(row[c] - lse) }
        }
        return record(.scalar(Float(loss / Double(R))), inputs: [logits]) { g, y in
            let k = g.outputGrad(y).item / Float(R)
            // forward: y = (1/R) Σ_r (logsumexp(x_r) − x[r, t_r]);  dx[r] = (softmax(x_r) − onehot(t_r)) / R
            g.accumulate(into: logits) { dx in
                for r in 0..<R {
                    let p = P.pointer + r * C, d = dx + r * C
                    for c in 0..<C { d[c] += k * p[c] }
                    d[targets[r]] -= k
                }
            }
        }
    }
}

/// log Σ exp(x[0..<n]) computed stably around the maximum.
@inline(__always)
func logSumExp(_ x: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    var m = -Float.infinity
    for c in 0..<n where x[c] > m { m = x[c] }
    if m == -.infinity { return m }
    var s: Float = 0
    for c in 0..<n { s += exp(x[c] - m) }
    return m + log(s)
}
