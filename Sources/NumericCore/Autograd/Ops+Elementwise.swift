// Elementwise arithmetic, whole-tensor reductions, squared error and re-indexing, with their backward passes.
// Binary operations take operands of equal shape (no broadcasting: every shape in SECLA is explicit).

extension Graph {
    private func sameShape(_ a: Var, _ b: Var, _ op: String) -> [Int] {
        let sa = shape(a), sb = shape(b)
        shapeCheck(sa == sb, "\(op): shapes differ, \(describe(sa)) and \(describe(sb))")
        return sa
    }

    /// `a + b`.
    public func add(_ a: Var, _ b: Var) -> Var {
        let s = sameShape(a, b, "add")
        let A = value(a).pointer, B = value(b).pointer
        let Y = Tensor(uninitialized: s), n = Y.count
        for i in 0..<n { Y.pointer[i] = A[i] + B[i] }
        return record(Y, inputs: [a, b]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y = a + b
            g.accumulate(into: a) { da in for i in 0..<n { da[i] += dy[i] } }
            g.accumulate(into: b) { db in for i in 0..<n { db[i] += dy[i] } }
        }
    }

    /// `a − b`.
    public func sub(_ a: Var, _ b: Var) -> Var {
        let s = sameShape(a, b, "sub")
        let A = value(a).pointer, B = value(b).pointer
        let Y = Tensor(uninitialized: s), n = Y.count
        for i in 0..<n { Y.pointer[i] = A[i] - B[i] }
        return record(Y, inputs: [a, b]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y = a − b
            g.accumulate(into: a) { da in for i in 0..<n { da[i] += dy[i] } }
            g.accumulate(into: b) { db in for i in 0..<n { db[i] -= dy[i] } }
        }
    }

    /// `a ⊙ b` (elementwise product).
    public func mul(_ a: Var, _ b: Var) -> Var {
        let s = sameShape(a, b, "mul")
        let A = value(a).pointer, B = value(b).pointer
        let Y = Tensor(uninitialized: s), n = Y.count
        for i in 0..<n { Y.pointer[i] = A[i] * B[i] }
        return record(Y, inputs: [a, b]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y = a ⊙ b
            g.accumulate(into: a) { da in for i in 0..<n { da[i] += dy[i] * B[i] } }
            g.accumulate(into: b) { db in for i in 0..<n { db[i] += dy[i] * A[i] } }
        }
    }

    /// `s · x` for a constant scalar s.
    public func scale(_ x: Var, _ s: Float) -> Var {
        let X = value(x).pointer
        let Y = Tensor(uninitialized: shape(x)), n = Y.count
        for i in 0..<n { Y.pointer[i] = s * X[i] }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y = s · x
            g.accumulate(into: x) { dx in for i in 0..<n { dx[i] += s * dy[i] } }
        }
    }

    /// Σ of all elements, as a tensor of shape []. Accumulated in Double so the order of a long sum hardly matters.
    public func sum(_ x: Var) -> Var {
        let X = value(x), n = X.count
        var s = 0.0
        for i in 0..<n { s += Double(X.pointer[i]) }
        return record(.scalar(Float(s)), inputs: [x]) { g, y in
            let dy = g.outputGrad(y).item
            // forward: y = Σ_i x_i
            g.accumulate(into: x) { dx in for i in 0..<n { dx[i] += dy } }
        }
    }

    /// Mean of all elements, shape [].
    public func mean(_ x: Var) -> Var {
        let n = value(x).count
        shapeCheck(n > 0, "mean of an empty tensor \(describe(shape(x)))")
        return scale(sum(x), 1 / Float(n))
    }

    /// Several scalars (or equal-shape tensors) added up, e.g. `L1 + L2 + α·L_agree`.
    public func sum(_ terms: [Var]) -> Var {
        shapeCheck(!terms.isEmpty, "sum of no terms")
        return terms.dropFirst().reduce(terms[0]) { add($0, $1) }
    }

    /// PyTorch's `F.mse_loss(a, b)` with mean reduction: `(1/n) Σ (a − b)²`, shape [].
    public func mse(_ a: Var, _ b: Var) -> Var {
        let s = sameShape(a, b, "mse")
        let A = value(a).pointer, B = value(b).pointer, n = Tensor.elementCount(s)
        shapeCheck(n > 0, "mse of empty tensors")
        var acc = 0.0
        for i in 0..<n { let d = Double(A[i] - B[i]); acc += d * d }
        return record(.scalar(Float(acc / Double(n))), inputs: [a, b]) { g, y in
            let k = 2 * g.outputGrad(y).item / Float(n)
            // forward: y = (1/n) Σ (a − b)²
            g.accumulate(into: a) { da in for i in 0..<n { da[i] += k * (A[i] - B[i]) } }
            g.accumulate(into: b) { db in for i in 0..<n { db[i] -= k * (A[i] - B[i]) } }
        }
    }

    /// The same elements under another shape (a view; the gradient is reshaped back).
    public func reshape(_ x: Var, _ newShape: [Int]) -> Var {
        let Y = value(x).reshaped(newShape)
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer, n = Y.count
            // forward: y = x viewed as newShape
            g.accumulate(into: x) { dx in for i in 0..<n { dx[i] += dy[i] } }
        }
    }

    /// Transpose of a 2-D tensor [R, C] → [C, R].
    public func transpose(_ x: Var) -> Var {
        let X = value(x)
        shapeCheck(X.rank == 2, "transpose needs a 2-D tensor, got \(describe(X.shape))")
        let R = X.shape[0], C = X.shape[1]
        let Y = Tensor(uninitialized: [C, R])
        for r in 0..<R { for c in 0..<C { Y.pointer[c * R + r] = X.pointer[r * C + c] } }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y[c, r] = x[r, c]
            g.accumulate(into: x) { dx in for r in 0..<R { for c in 0..<C { dx[r * C + c] += dy[c * R + r] } } }
        }
    }

    /// The diagonal of a square matrix [n, n] → [n] (PyTorch `torch.diagonal` / `diag`).
    public func diagonal(_ x: Var) -> Var {
        let X = value(x)
        shapeCheck(X.rank == 2 && X.shape[0] == X.shape[1], "diagonal needs a square matrix, got \(describe(X.shape))")
        let n = X.shape[0]
        let Y = Tensor(uninitialized: [n])
        for i in 0..<n { Y.pointer[i] = X.pointer[i * n + i] }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y[i] = x[i, i]
            g.accumulate(into: x) { dx in for i in 0..<n { dx[i * n + i] += dy[i] } }
        }
    }

    /// `mask ? a : b` elementwise (`torch.where`); `mask` has one entry per element, row-major.
    public func select(_ mask: [Bool], _ a: Var, _ b: Var) -> Var {
        let s = sameShape(a, b, "select")
        let A = value(a).pointer, B = value(b).pointer
        let Y = Tensor(uninitialized: s), n = Y.count
        shapeCheck(mask.count == n, "select: mask has \(mask.count) entries for shape \(describe(s))")
        for i in 0..<n { Y.pointer[i] = mask[i] ? A[i] : B[i] }
        return record(Y, inputs: [a, b]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y = mask ? a : b
            g.accumulate(into: a) { da in for i in 0..<n where mask[i] { da[i] += dy[i] } }
            g.accumulate(into: b) { db in for i in 0..<n where !mask[i] { db[i] += dy[i] } }
        }
    }

    /// Entries where `mask` is true replaced by `fill` (`Tensor.masked_fill`); no gradient flows to them.
    /// With `fill = -.infinity` this removes padded entries from a max.
    public func maskedFill(_ x: Var, mask: [Bool], _ fill: Float) -> Var {
        let X = value(x).pointer
        let Y = Tensor(uninitialized: shape(x)), n = Y.count
        shapeCheck(mask.count == n, "maskedFill: mask has \(mask.count) entries for shape \(describe(shape(x)))")
        for i in 0..<n { Y.pointer[i] = mask[i] ? fill : X[i] }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y = mask ? fill : x
            g.accumulate(into: x) { dx in for i in 0..<n where !mask[i] { dx[i] += dy[i] } }
        }
    }

    /// Rows of several tensors stacked: [R1, …] ⊕ [R2, …] → [R1 + R2, …] (`torch.cat(dim=0)`).
    public func concatRows(_ parts: [Var]) -> Var {
        shapeCheck(!parts.isEmpty, "concatRows of no tensors")
        let tail = Array(shape(parts[0]).dropFirst())
        var rows = 0
        for p in parts {
            let s = shape(p)
            shapeCheck(s.count >= 1 && Array(s.dropFirst()) == tail,
                       "concatRows: \(describe(s)) does not stack under \(describe(shape(parts[0])))")
            rows += s[0]
        }
        let Y = Tensor(uninitialized: [rows] + tail)
        var offsets = [Int](), at = 0
        for p in parts {
            let P = value(p)
            offsets.append(at)
            (Y.pointer + at).update(from: P.pointer, count: P.count)
            at += P.count
        }
        return record(Y, inputs: parts) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y[offset_k ..< offset_k + n_k] = part_k
            for (k, p) in parts.enumerated() {
                let n = g.value(p).count, o = offsets[k]
                g.accumulate(into: p) { dp in for i in 0..<n { dp[i] += dy[o + i] } }
            }
        }
    }

    /// Rows `indices` of x [R, …] → [indices.count, …] (`x[indices]`); repeated indices accumulate gradient.
    public func gatherRows(_ x: Var, _ indices: [Int]) -> Var {
        let X = value(x)
        shapeCheck(X.rank >= 1, "gatherRows needs rank ≥ 1, got \(describe(X.shape))")
        let R = X.shape[0], width = X.count / max(R, 1)
        for i in indices { shapeCheck(i >= 0 && i < R, "gatherRows: row \(i) out of range for \(describe(X.shape))") }
        let Y = Tensor(uninitialized: [indices.count] + X.shape.dropFirst())
        for (k, i) in indices.enumerated() { (Y.pointer + k * width).update(from: X.pointer + i * width, count: width) }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y[k] = x[indices[k]]
            g.accumulate(into: x) { dx in
                for (k, i) in indices.enumerated() {
                    let src = dy + k * width, dst = dx + i * width
                    for j in 0..<width { dst[j] += src[j] }
                }
            }
        }
    }
}
