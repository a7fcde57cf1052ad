// The symmetry-enhanced contrastive loss of SECLA (secla-method.md §5).
//
// For a batch of B image–caption pairs, with S^{N→F} and S^{F→N} the (B, B) pair scores of `PairScores`:
//
//     L1     = CE(S^{N→F} / τ, diag)                 each caption must pick its own image
//     L2     = CE(S^{F→N} / τ, diag)                 each image must pick its own caption
//     Lagree = mean_i (S^{N→F}_ii − C_ii)²           (diag)   or mean_ij (S^{N→F}_ij − C_ji)²   (full)
//     loss   = L1 (face) | L2 (name) | L1 + L2 (both) | L1 + L2 + α·Lagree (agree)
//
// Two modes:
// - faithful: the official code. Faces and names are zero-padded to the batch maxima F and N, padded rows go through
//   the heads (becoming the constant embeddings c_F = g_F(0), c_N = g_N(0)) and take part in every max and mean; both
//   means divide by the padded counts; C = S^{F→N}·F/N (the official agreement divides the face→name side by N, §12
//   item 8); τ = 1.
// - clean: padding is masked (sets are packed at their real sizes), each mean divides by its own set's real size,
//   C = S^{F→N}, and τ may differ from 1. The agreement term compares the untempered scores, so α keeps its meaning.
//
// Padding is built without running zero rows through the heads one by one: each branch embeds its real rows plus a
// single zero row, and the padded layout gathers that row as often as needed. The values are the official ones; the
// gradient of a gathered row is the sum over its copies, which is what the padded computation gives too.

import NumericCore

public enum LossMode: String, Codable, CaseIterable, Sendable {
    /// The official computation, padding and normalisation quirks included.
    case faithful
    /// Padding masked, each direction normalised by its own count, optional temperature.
    case clean
}

public enum LossDirection: String, Codable, CaseIterable, Sendable {
    /// L1 only (name→face: each caption picks its image).
    case face
    /// L2 only (face→name: each image picks its caption).
    case name
    /// L1 + L2.
    case both
    /// L1 + L2 + α·Lagree: SECLA.
    case agree
}

public enum NullOption: String, Codable, CaseIterable, Sendable {
    case none, face, both
}

public enum AgreementType: String, Codable, CaseIterable, Sendable {
    /// The diagonal of both score matrices (each pair with itself).
    case diag
    /// The whole B×B matrices, one against the other's transpose.
    case full
}

public struct SECLALossConfig: Codable, Equatable, Sendable {
    public var mode: LossMode = .faithful
    public var direction: LossDirection = .agree
    public var agreement: AgreementType = .diag
    /// Weight of the agreement term.
    public var alpha: Double = 0.15
    /// Logits are divided by τ in L1 and L2 (clean mode only; the official code has none, i.e. τ = 1).
    public var temperature: Double = 1
    /// Clean mode: every image also offers a null face (`face`, `both`) and every caption a null name (`both`): the
    /// heads' output for a zero input, c_F and c_N, which a name (face) may match instead of a real face (name) but
    /// which adds no term of its own. The faithful padding offers these by accident in most samples; this makes them
    /// explicit and uniform.
    public var nullOption: NullOption = .none
    /// Clean mode: divide each pair score by its own set's real size (default), or, as the official code does, by the
    /// batch's largest set (padding still masked). An ablation that separates the normalisation from the padding.
    public var normaliseByBatchMaximum = false

    public init(mode: LossMode = .faithful, direction: LossDirection = .agree, agreement: AgreementType = .diag,
                alpha: Double = 0.15, temperature: Double = 1, nullOption: NullOption = .none, normaliseByBatchMaximum: Bool = false) {
        self.mode = mode; self.direction = direction; self.agreement = agreement; self.alpha = alpha; self.temperature = temperature
        self.nullOption = nullOption
        self.normaliseByBatchMaximum = normaliseByBatchMaximum
    }

    enum CodingKeys: String, CodingKey { case mode, direction, agreement, alpha, temperature, nullOption, normaliseByBatchMaximum }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decode(LossMode.self, forKey: .mode)
        direction = try c.decode(LossDirection.self, forKey: .direction)
        agreement = try c.decode(AgreementType.self, forKey: .agreement)
        alpha = try c.decode(Double.self, forKey: .alpha)
        temperature = try c.decode(Double.self, forKey: .temperature)
        nullOption = try c.decodeIfPresent(NullOption.self, forKey: .nullOption) ?? .none
        normaliseByBatchMaximum = try c.decodeIfPresent(Bool.self, forKey: .normaliseByBatchMaximum) ?? false
    }
}

/// The features of one batch, packed: sample b's faces are the slots faceSets.range(b), its candidate names the slots
/// nameSets.range(b). A slot names a row of `faces` / `names`; a feature row that several slots share (the NONAME row
/// is in almost every caption, a face can recur) is stored once, so it goes through its head once per step. That is
/// exact: the embedding of a row does not depend on the other rows, and the gradient of a gathered row is the sum
/// over its slots, as it would be over copies.
public struct PackedBatch {
    /// (distinct face rows, faceDim)
    public var faces: Tensor
    /// (distinct name rows, nameDim)
    public var names: Tensor
    public var faceSets: SetLayout
    public var nameSets: SetLayout
    /// Row of `faces` for each face slot (ΣF); nil when slot i is row i.
    public var faceRowOfSlot: [Int]?
    /// Row of `names` for each name slot (ΣN); nil when slot i is row i.
    public var nameRowOfSlot: [Int]?
    /// Layout of each face slot (ΣF) and name slot (ΣN), for a model with the layout term.
    public var faceLayouts: [FaceLayout]?
    public var nameLayouts: [NameLayout]?

    public init(faces: Tensor, names: Tensor, faceSets: SetLayout, nameSets: SetLayout,
                faceRowOfSlot: [Int]? = nil, nameRowOfSlot: [Int]? = nil, faceLayouts: [FaceLayout]? = nil,
                nameLayouts: [NameLayout]? = nil) {
        precondition(faceSets.count == nameSets.count
                     && (faceRowOfSlot?.count ?? faces.shape[0]) == faceSets.total
                     && (nameRowOfSlot?.count ?? names.shape[0]) == nameSets.total
                     && (faceRowOfSlot ?? []).allSatisfy { $0 >= 0 && $0 < faces.shape[0] }
                     && (nameRowOfSlot ?? []).allSatisfy { $0 >= 0 && $0 < names.shape[0] },
                     "PackedBatch: \(faces.shape[0]) face rows for \(faceSets.total) slots, \(names.shape[0]) name rows for \(nameSets.total)")
        self.faces = faces; self.names = names; self.faceSets = faceSets; self.nameSets = nameSets
        self.faceRowOfSlot = faceRowOfSlot; self.nameRowOfSlot = nameRowOfSlot
        precondition((faceLayouts?.count ?? faceSets.total) == faceSets.total && (nameLayouts?.count ?? nameSets.total) == nameSets.total,
                     "PackedBatch: layouts for \(faceLayouts?.count ?? 0) faces and \(nameLayouts?.count ?? 0) names")
        self.faceLayouts = faceLayouts; self.nameLayouts = nameLayouts
    }

    /// The layout term H for `faceSlots` × `nameSlots` padded to `faceSizes` / `nameSizes` per set (extra slots:
    /// padding or null, no layout); nil for a model without layout. Rows are names when `namesAsRows`.
    func layoutTerm(_ g: Graph, heads: ProjectionHeads, faceSizes: [Int], nameSizes: [Int], namesAsRows: Bool) -> Var? {
        guard heads.hasLayout else { return nil }
        guard let faceLayouts, let nameLayouts else {
            preconditionFailure("PackedBatch: a model with the layout term needs the batch's layouts")
        }
        func padded<T>(_ items: [T], _ sets: SetLayout, _ sizes: [Int]) -> [T?] {
            var out = [T?]()
            for b in 0..<sets.count {
                out += sets.range(b).map { items[$0] as T? }
                out += [T?](repeating: nil, count: sizes[b] - sets.sizes[b])
            }
            return out
        }
        return heads.layoutMatrix(g, faces: padded(faceLayouts, faceSets, faceSizes), names: padded(nameLayouts, nameSets, nameSizes),
                                  namesAsRows: namesAsRows)
    }

    public var count: Int { faceSets.count }

    /// g_F of every face slot (ΣF, P), with g_F(0), the embedding of padding, as an extra last row when `padding`.
    public func embeddedFaces(_ g: Graph, heads: ProjectionHeads, padding: Bool = false) -> Var {
        Self.embedded(g, rows: faces, slots: faceRowOfSlot, padding: padding) { heads.faces(g, $0) }
    }

    /// g_N of every name slot (ΣN, P), with g_N(0) as an extra last row when `padding`.
    public func embeddedNames(_ g: Graph, heads: ProjectionHeads, padding: Bool = false) -> Var {
        Self.embedded(g, rows: names, slots: nameRowOfSlot, padding: padding) { heads.names(g, $0) }
    }

    private static func embedded(_ g: Graph, rows: Tensor, slots: [Int]?, padding: Bool, head: (Var) -> Var) -> Var {
        let e = head(g.constant(padding ? SECLALoss.appendingZeroRow(rows) : rows))  // (rows [+ 1], P)
        guard let slots else { return e }
        return g.gatherRows(e, padding ? slots + [rows.shape[0]] : slots)  // (slots [+ 1], P)
    }
}

/// The loss and its terms, as graph nodes (terms a direction does not use are still computed, for logs).
public struct SECLALossTerms {
    public var l1: Var
    public var l2: Var
    public var agree: Var
    public var total: Var
}

public struct SECLALoss: Sendable {
    public let config: SECLALossConfig

    public init(_ config: SECLALossConfig) {
        precondition(config.mode == .clean || config.temperature == 1, "SECLALoss: the faithful loss has no temperature")
        precondition(config.temperature > 0, "SECLALoss: temperature must be positive")
        self.config = config
    }

    /// Builds the loss of `batch` on `g`. Faithful mode needs at least one face in the batch; clean mode at least one
    /// face per sample (the trainer leaves faceless samples out of clean batches).
    public func callAsFunction(_ g: Graph, heads: ProjectionHeads, batch: PackedBatch) -> SECLALossTerms {
        let B = batch.count
        let (nameToFace, faceToName, agreeScale) = scores(g, heads: heads, batch: batch)  // (B, B) each

        let targets = Array(0..<B)
        let invT = Float(1 / config.temperature)
        let l1 = g.crossEntropy(invT == 1 ? nameToFace : g.scale(nameToFace, invT), targets: targets)
        let l2 = g.crossEntropy(invT == 1 ? faceToName : g.scale(faceToName, invT), targets: targets)
        let symmetric = agreeScale == 1 ? faceToName : g.scale(faceToName, agreeScale)  // C (B, B)
        let agree = switch config.agreement {
        case .diag: g.mse(g.diagonal(nameToFace), g.diagonal(symmetric))
        case .full: g.mse(nameToFace, g.transpose(symmetric))
        }
        let total = switch config.direction {
        case .face: l1
        case .name: l2
        case .both: g.add(l1, l2)
        case .agree: g.add(g.add(l1, l2), g.scale(agree, Float(config.alpha)))
        }
        return SECLALossTerms(l1: l1, l2: l2, agree: agree, total: total)
    }

    /// Per-set scales of a clean mean: 1/own size, or 1/largest size of the batch.
    func cleanScale(_ sets: SetLayout) -> [Float] {
        config.normaliseByBatchMaximum ? Array(repeating: 1 / Float(max(sets.sizes.max() ?? 1, 1)), count: sets.count) : PairScores.meanScale(sets)
    }

    /// S^{N→F}, S^{F→N} and the factor that turns S^{F→N} into the agreement's C.
    public func scores(_ g: Graph, heads: ProjectionHeads, batch: PackedBatch) -> (Var, Var, Float) {
        let B = batch.count
        switch config.mode {
        case .clean where config.nullOption != .none:
            // Real rows plus the padding row (last), then each set extended by one copy of it on the side that is maxed
            // over: a name may match the null face, a face the null name; neither adds a term of its own.
            let uAll = batch.embeddedFaces(g, heads: heads, padding: true)  // (ΣF + 1, P)
            let vAll = batch.embeddedNames(g, heads: heads, padding: true)  // (ΣN + 1, P)
            let u = g.gatherRows(uAll, Array(0..<batch.faceSets.total)), v = g.gatherRows(vAll, Array(0..<batch.nameSets.total))
            let faceSetsWithNull = SetLayout(sizes: batch.faceSets.sizes.map { $0 + 1 })
            let nameSetsWithNull = SetLayout(sizes: batch.nameSets.sizes.map { $0 + (config.nullOption == .both ? 1 : 0) })
            let uNull = padded(g, uAll, sets: batch.faceSets, sizes: faceSetsWithNull.sizes)
            let vNull = padded(g, vAll, sets: batch.nameSets, sizes: nameSetsWithNull.sizes)
            let h1 = batch.layoutTerm(g, heads: heads, faceSizes: faceSetsWithNull.sizes, nameSizes: batch.nameSets.sizes, namesAsRows: true)
            let h2 = batch.layoutTerm(g, heads: heads, faceSizes: batch.faceSets.sizes, nameSizes: nameSetsWithNull.sizes, namesAsRows: false)
            return (PairScores.nameToFace(g, faces: uNull, names: v, faceSets: faceSetsWithNull, nameSets: batch.nameSets,
                                          scale: cleanScale(batch.nameSets), layout: h1),
                    PairScores.faceToName(g, faces: u, names: vNull, faceSets: batch.faceSets, nameSets: nameSetsWithNull,
                                          scale: cleanScale(batch.faceSets), layout: h2), 1)
        case .clean:
            let u = batch.embeddedFaces(g, heads: heads)  // (ΣF, P)
            let v = batch.embeddedNames(g, heads: heads)  // (ΣN, P)
            let h = batch.layoutTerm(g, heads: heads, faceSizes: batch.faceSets.sizes, nameSizes: batch.nameSets.sizes, namesAsRows: true)
            return (PairScores.nameToFace(g, faces: u, names: v, faceSets: batch.faceSets, nameSets: batch.nameSets,
                                          scale: cleanScale(batch.nameSets), layout: h),
                    PairScores.faceToName(g, faces: u, names: v, faceSets: batch.faceSets, nameSets: batch.nameSets,
                                          scale: cleanScale(batch.faceSets), layout: h.map { g.transpose($0) }), 1)
        case .faithful:
            let F = batch.faceSets.sizes.max() ?? 0, N = batch.nameSets.sizes.max() ?? 0
            precondition(F > 0 && N > 0, "SECLALoss: a faithful batch needs at least one face and one name")
            let uniformF = SetLayout.uniform(sets: B, size: F), uniformN = SetLayout.uniform(sets: B, size: N)
            let u = padded(g, batch.embeddedFaces(g, heads: heads, padding: true), sets: batch.faceSets, sizes: uniformF.sizes)  // (B·F, P)
            let v = padded(g, batch.embeddedNames(g, heads: heads, padding: true), sets: batch.nameSets, sizes: uniformN.sizes)  // (B·N, P)
            let h = batch.layoutTerm(g, heads: heads, faceSizes: uniformF.sizes, nameSizes: uniformN.sizes, namesAsRows: true)  // (B·N, B·F)
            return (PairScores.nameToFace(g, faces: u, names: v, faceSets: uniformF, nameSets: uniformN,
                                          scale: Array(repeating: 1 / Float(N), count: B), layout: h),
                    PairScores.faceToName(g, faces: u, names: v, faceSets: uniformF, nameSets: uniformN,
                                          scale: Array(repeating: 1 / Float(F), count: B), layout: h.map { g.transpose($0) }),
                    Float(F) / Float(N))
        }
    }

    /// (R, D) → (R + 1, D) with a zero last row: the embedding of padding.
    static func appendingZeroRow(_ x: Tensor) -> Tensor {
        let r = x.shape[0], d = x.shape[1]
        let out = Tensor(zeros: [r + 1, d])
        out.pointer.update(from: x.pointer, count: r * d)
        return out
    }

    /// Embeddings of real rows plus the padding row (last) → set b padded to `sizes[b]` with the padding row.
    func padded(_ g: Graph, _ embedded: Var, sets: SetLayout, sizes: [Int]) -> Var {
        let pad = sets.total
        var index = [Int]()
        index.reserveCapacity(sizes.reduce(0, +))
        for b in 0..<sets.count {
            index.append(contentsOf: sets.range(b))
            index.append(contentsOf: repeatElement(pad, count: sizes[b] - sets.sizes[b]))
        }
        return g.gatherRows(embedded, index)
    }
}
