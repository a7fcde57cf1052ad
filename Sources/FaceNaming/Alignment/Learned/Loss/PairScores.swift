// Image–caption pair scores of a batch, aggregated from face–name products (secla-method.md §5.1–5.2).
//
// With u the face embeddings (ΣF, P) and v the name embeddings (ΣN, P) of B pairs, packed by `faceSets` and
// `nameSets` (see `SetLayout`):
//
//     S^{N→F}[i, j] = scale_N[i] · Σ_{n ∈ caption i} max_{f ∈ image j} ⟨v_n, u_f⟩      (name→face, caption i vs image j)
//     S^{F→N}[i, j] = scale_F[i] · Σ_{f ∈ image i} max_{n ∈ caption j} ⟨u_f, v_n⟩      (face→name, image i vs caption j)
//
// scale = 1/|set| is a mean over the real members (clean); the official code divides by the batch's padded maximum
// and runs on zero-padded sets (faithful), which is the same computation on a uniform layout with scale 1/N_max.

import NumericCore

public enum PairScores {
    /// S^{N→F}: (B, B), row i = caption i against every image j.
    /// `layout` (ΣN, ΣF), when given, is added to every face–name product (the layout term h).
    public static func nameToFace(_ g: Graph, faces u: Var, names v: Var, faceSets: SetLayout, nameSets: SetLayout,
                                  scale: [Float], layout: Var? = nil) -> Var {
        let dots = g.matmul(v, u, transB: true)  // (ΣN, ΣF)
        let products = layout.map { g.add(dots, $0) } ?? dots
        let best = g.segmentMax(products, columns: faceSets)  // (ΣN, B)
        return g.segmentSum(best, rows: nameSets, scale: scale)  // (B, B)
    }

    /// S^{F→N}: (B, B), row i = image i against every caption j.
    /// `layout` (ΣF, ΣN), when given, is added to every face–name product.
    public static func faceToName(_ g: Graph, faces u: Var, names v: Var, faceSets: SetLayout, nameSets: SetLayout,
                                  scale: [Float], layout: Var? = nil) -> Var {
        let dots = g.matmul(u, v, transB: true)  // (ΣF, ΣN)
        let products = layout.map { g.add(dots, $0) } ?? dots
        let best = g.segmentMax(products, columns: nameSets)  // (ΣF, B)
        return g.segmentSum(best, rows: faceSets, scale: scale)  // (B, B)
    }

    /// 1/|set| for every set: the mean over real members.
    public static func meanScale(_ sets: SetLayout) -> [Float] { sets.sizes.map { 1 / Float(max($0, 1)) } }
}
