// The learned layout term h of the layout-aware score s(f, n) = g_F(f)·g_N(n) + h(layout(f, n)).
//
// h is a small MLP on the pair features of `LayoutFeatures`. It is trained by the same weakly supervised losses as
// the heads: the pair scores of SECLA take, per name, the max over an image's faces of s(f, n), so h is pushed up for
// the layouts of the (face, name) pairs that win inside matching image–caption pairs and down for those that win in
// mismatched ones. A face and a name from different pairs have layout features too (each is described within its own
// image or caption), so h is defined on every cell of a batch's score matrix. Padding and null slots have no layout:
// their features are zero, so they get the constant h(0), as padded rows get the constant g(0).

import NumericCore

extension ProjectionHeads {
    public var hasLayout: Bool { config.layoutFeatures > 0 }

    /// h over pair features x (pairs, k) → (pairs, 1).
    public func layoutScores(_ g: Graph, _ x: Var) -> Var {
        let p = parameters
        let hidden = g.relu(g.linear(x, weight: g.parameter(p, "layout.0.weight"), bias: g.parameter(p, "layout.0.bias")))  // (pairs, 16)
        return g.linear(hidden, weight: g.parameter(p, "layout.2.weight"), bias: g.parameter(p, "layout.2.bias"))  // (pairs, 1)
    }

    /// H (rows, columns) with H[r, c] = h(layout(face, name)) for row slots × column slots: names × faces when
    /// `namesAsRows`, faces × names otherwise. A nil slot (padding, null) has zero features.
    public func layoutMatrix(_ g: Graph, faces: [FaceLayout?], names: [NameLayout?], namesAsRows: Bool) -> Var {
        let k = LayoutFeatures.count
        precondition(config.layoutFeatures == k, "layout term built for \(config.layoutFeatures) features, LayoutFeatures has \(k)")
        let rows = namesAsRows ? names.count : faces.count, columns = namesAsRows ? faces.count : names.count
        let x = Tensor(zeros: [rows * columns, k])  // (rows·columns, k)
        for (i, f) in faces.enumerated() {
            guard let f else { continue }
            for (j, n) in names.enumerated() {
                guard let n else { continue }
                let cell = namesAsRows ? j * columns + i : i * columns + j
                LayoutFeatures.pair(f, n, into: x.pointer + cell * k)
            }
        }
        return g.reshape(layoutScores(g, g.constant(x)), [rows, columns])
    }
}
