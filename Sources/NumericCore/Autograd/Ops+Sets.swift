// Variable-size sets: many sets packed one after another, and reductions within each set.
//
// A batch of image–caption pairs is stored packed: the faces of all images as rows of one matrix U [ΣF, D], the
// names of all captions as rows of V [ΣN, D], with a `SetLayout` saying where each image's (caption's) rows start.
// Then one sgemm gives every face–name product of every pair of the batch at once, V·Uᵀ [ΣN, ΣF], and the set
// reductions below turn it into pair scores:
//
//     M = segmentMax(V·Uᵀ, columns: faces)        // (ΣN, B)  M[n, j] = max_{f ∈ image j} ⟨v_n, u_f⟩
//     S = segmentSum(M, rows: names, scale: 1/|i|) // (B, B)   S[i, j] = (1/|caption i|) Σ_{n ∈ caption i} M[n, j]
//
// Padding is a layout choice, not a different code path: the official implementation's zero-padded batches are
// layouts whose sets all have the batch's maximum size (with zero feature rows), and a masked ("clean") batch is the
// packed layout with the real sizes. Reductions never look outside a set, so padding is masked by construction.

/// Where each set's rows (or columns) lie in a packed tensor: set g covers `offsets[g] ..< offsets[g + 1]`.
public struct SetLayout: Equatable, Sendable {
    public let offsets: [Int]

    /// Sets of the given sizes, packed in order. Sizes must be ≥ 0.
    public init(sizes: [Int]) {
        var offsets = [0]
        offsets.reserveCapacity(sizes.count + 1)
        for s in sizes {
            precondition(s >= 0, "SetLayout: negative set size \(s)")
            offsets.append(offsets.last! + s)
        }
        self.offsets = offsets
    }

    /// `sets` sets of `size` rows each (a zero-padded batch).
    public static func uniform(sets: Int, size: Int) -> SetLayout { SetLayout(sizes: Array(repeating: size, count: sets)) }

    /// Number of sets.
    public var count: Int { offsets.count - 1 }
    /// Total number of rows over all sets.
    public var total: Int { offsets.last! }
    public var sizes: [Int] { (0..<count).map { offsets[$0 + 1] - offsets[$0] } }
    public func range(_ g: Int) -> Range<Int> { offsets[g]..<offsets[g + 1] }
    /// Index of the set holding row r.
    public func set(ofRow r: Int) -> Int {
        var lo = 0, hi = count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if offsets[mid] <= r { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// Arg-max indices kept for a backward pass (a plain buffer: no bounds checks in the scatter loop).
final class ArgmaxBuffer {
    let pointer: UnsafeMutablePointer<Int32>
    init(count: Int) { pointer = .allocate(capacity: max(count, 1)) }
    deinit { pointer.deallocate() }
}

extension Graph {
    /// Max over each column set: x [R, C] with C = `columns.total` → [R, G], `y[r, g] = max_{c ∈ set g} x[r, c]`.
    /// The gradient goes to the arg-max only (the first one on ties, as `torch.max` on CPU). Sets must be non-empty.
    public func segmentMax(_ x: Var, columns: SetLayout) -> Var {
        let X = value(x)
        shapeCheck(X.rank == 2 && X.shape[1] == columns.total,
                   "segmentMax: input \(describe(X.shape)) does not have the \(columns.total) columns of its layout")
        let R = X.shape[0], C = X.shape[1], G = columns.count
        for g in 0..<G { shapeCheck(!columns.range(g).isEmpty, "segmentMax: set \(g) is empty (a max over no elements)") }
        let Y = Tensor(uninitialized: [R, G])  // (R, G)
        let argmax = ArgmaxBuffer(count: R * G)  // (R, G) column index of each max
        let offsets = columns.offsets
        offsets.withUnsafeBufferPointer { off in
            let at = argmax.pointer
            for r in 0..<R {
                let row = X.pointer + r * C, out = Y.pointer + r * G, arg = at + r * G
                for s in 0..<G {
                    let lo = off[s], hi = off[s + 1]
                    var best = row[lo], where_ = lo
                    var c = lo + 1
                    while c < hi {
                        if row[c] > best { best = row[c]; where_ = c }
                        c += 1
                    }
                    out[s] = best
                    arg[s] = Int32(truncatingIfNeeded: where_)
                }
            }
        }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer, at = argmax.pointer
            // forward: y[r, s] = x[r, argmax[r, s]]
            g.accumulate(into: x) { dx in
                for r in 0..<R {
                    let dxr = dx + r * C, dyr = dy + r * G, arg = at + r * G
                    for s in 0..<G { dxr[Int(arg[s])] += dyr[s] }
                }
            }
        }
    }

    /// Scaled sum over each row set: x [R, C] with R = `rows.total` → [G, C],
    /// `y[g, c] = scale[g] · Σ_{r ∈ set g} x[r, c]`. `scale[g] = 1/|set g|` is the mean over the set; a constant
    /// 1/N for every set is the official code's divide-by-padded-size.
    public func segmentSum(_ x: Var, rows: SetLayout, scale: [Float]) -> Var {
        let X = value(x)
        shapeCheck(X.rank == 2 && X.shape[0] == rows.total,
                   "segmentSum: input \(describe(X.shape)) does not have the \(rows.total) rows of its layout")
        shapeCheck(scale.count == rows.count, "segmentSum: \(scale.count) scales for \(rows.count) sets")
        let C = X.shape[1], G = rows.count, offsets = rows.offsets
        let Y = Tensor(zeros: [G, C])  // (G, C)
        for s in 0..<G {
            let out = Y.pointer + s * C
            for r in offsets[s]..<offsets[s + 1] {
                let row = X.pointer + r * C
                for c in 0..<C { out[c] += row[c] }
            }
            let k = scale[s]
            for c in 0..<C { out[c] *= k }
        }
        return record(Y, inputs: [x]) { g, y in
            let dy = g.outputGrad(y).pointer
            // forward: y[s, c] = scale[s] · Σ_{r ∈ set s} x[r, c]
            g.accumulate(into: x) { dx in
                for s in 0..<G {
                    let k = scale[s], src = dy + s * C
                    for r in offsets[s]..<offsets[s + 1] {
                        let dst = dx + r * C
                        for c in 0..<C { dst[c] += k * src[c] }
                    }
                }
            }
        }
    }

    /// Mean over each row set (empty sets give 0): `segmentSum` with scale 1/|set|.
    public func segmentMean(_ x: Var, rows: SetLayout) -> Var {
        segmentSum(x, rows: rows, scale: rows.sizes.map { $0 > 0 ? 1 / Float($0) : 0 })
    }
}
