// The two projection heads of SECLA (secla-method.md §4, official `UnsupFragAlign` with `--proj_type two5`).
//
//     face branch  g_F: Linear(F_in, H, bias=False) → ReLU → Linear(H, P) → ReLU → Linear(P, P)
//     name branch  g_N: Linear(N_in, H, bias=False) → ReLU → [the face branch's shape on H inputs]
//
// Defaults F_in 512 (FaceNet), N_in 768 (BERT), H 512, P 128: 1,081,856 parameters. Parameter names are the official
// model's `state_dict` keys, so official weights load by name and checkpoints read back in PyTorch.
//
// With layout on (beyond the paper), a third branch h: Linear(k, 16) → ReLU → Linear(16, 1) scores a (face, name)
// pair from its layout features, and s(f, n) = g_F(f)·g_N(n) + h(layout(f, n)) (`LayoutTerm.swift`).

import NumericCore

public struct ProjectionHeadsConfig: Codable, Equatable, Sendable {
    /// Face feature width (512 for FaceNet).
    public var faceDim: Int = 512
    /// Name feature width (768 for BERT-base; taken from the name features in practice).
    public var nameDim: Int = 768
    /// Hidden width of the first layers.
    public var hidden: Int = 512
    /// Width of the joint embedding space.
    public var projection: Int = 128
    /// Layout pair features of the learned layout term h (`LayoutFeatures.count`); 0 = no layout term (SECLA).
    public var layoutFeatures: Int = 0
    /// Hidden width of h.
    public var layoutHidden: Int = 16

    public init(faceDim: Int = 512, nameDim: Int = 768, hidden: Int = 512, projection: Int = 128, layoutFeatures: Int = 0,
                layoutHidden: Int = 16) {
        self.faceDim = faceDim
        self.nameDim = nameDim
        self.hidden = hidden
        self.projection = projection
        self.layoutFeatures = layoutFeatures
        self.layoutHidden = layoutHidden
    }

    enum CodingKeys: String, CodingKey { case faceDim, nameDim, hidden, projection, layoutFeatures, layoutHidden }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        faceDim = try c.decode(Int.self, forKey: .faceDim)
        nameDim = try c.decode(Int.self, forKey: .nameDim)
        hidden = try c.decode(Int.self, forKey: .hidden)
        projection = try c.decode(Int.self, forKey: .projection)
        layoutFeatures = try c.decodeIfPresent(Int.self, forKey: .layoutFeatures) ?? 0  // models from before the layout term
        layoutHidden = try c.decodeIfPresent(Int.self, forKey: .layoutHidden) ?? 16
    }
}

public struct ProjectionHeads: Sendable {
    public let config: ProjectionHeadsConfig
    public let parameters: ParameterStore

    /// The parameter table in the official module registration order (projector, ner_projector, ner_proj).
    public static func specs(_ c: ProjectionHeadsConfig) -> [ParameterSpec] {
        [
            ParameterSpec("projector.0.weight", [c.hidden, c.faceDim]),
            ParameterSpec("projector.2.weight", [c.projection, c.hidden]),
            ParameterSpec("projector.2.bias", [c.projection]),
            ParameterSpec("projector.4.weight", [c.projection, c.projection]),
            ParameterSpec("projector.4.bias", [c.projection]),
            ParameterSpec("ner_projector.0.weight", [c.hidden, c.hidden]),
            ParameterSpec("ner_projector.2.weight", [c.projection, c.hidden]),
            ParameterSpec("ner_projector.2.bias", [c.projection]),
            ParameterSpec("ner_projector.4.weight", [c.projection, c.projection]),
            ParameterSpec("ner_projector.4.bias", [c.projection]),
            ParameterSpec("ner_proj.0.weight", [c.hidden, c.nameDim]),
        ] + (c.layoutFeatures > 0 ? [
            ParameterSpec("layout.0.weight", [c.layoutHidden, c.layoutFeatures]),
            ParameterSpec("layout.0.bias", [c.layoutHidden]),
            ParameterSpec("layout.2.weight", [1, c.layoutHidden]),
            ParameterSpec("layout.2.bias", [1]),
        ] : [])
    }

    /// New heads with PyTorch's default `nn.Linear` initialisation, layer by layer in registration order.
    public init(config: ProjectionHeadsConfig = .init(), rng: inout SeededRandom) {
        self.config = config
        parameters = ParameterStore(Self.specs(config))
        for (weight, bias) in [("projector.0.weight", nil), ("projector.2.weight", "projector.2.bias"),
                               ("projector.4.weight", "projector.4.bias"), ("ner_projector.0.weight", nil),
                               ("ner_projector.2.weight", "ner_projector.2.bias"),
                               ("ner_projector.4.weight", "ner_projector.4.bias"), ("ner_proj.0.weight", nil)] as [(String, String?)] {
            parameters.initialiseLinear(weight: weight, bias: bias, rng: &rng)
        }
        if config.layoutFeatures > 0 {  // after the official layers, so their initial values do not depend on h
            parameters.initialiseLinear(weight: "layout.0.weight", bias: "layout.0.bias", rng: &rng)
            parameters.initialiseLinear(weight: "layout.2.weight", bias: "layout.2.bias", rng: &rng)
        }
    }

    /// g_F: face features (R, faceDim) → embeddings (R, projection).
    public func faces(_ g: Graph, _ x: Var) -> Var {
        let p = parameters
        let h1 = g.relu(g.linear(x, weight: g.parameter(p, "projector.0.weight")))  // (R, H)
        let h2 = g.relu(g.linear(h1, weight: g.parameter(p, "projector.2.weight"), bias: g.parameter(p, "projector.2.bias")))  // (R, P)
        return g.linear(h2, weight: g.parameter(p, "projector.4.weight"), bias: g.parameter(p, "projector.4.bias"))  // (R, P)
    }

    /// g_N: name features (R, nameDim) → embeddings (R, projection).
    public func names(_ g: Graph, _ x: Var) -> Var {
        let p = parameters
        let h0 = g.relu(g.linear(x, weight: g.parameter(p, "ner_proj.0.weight")))  // (R, H)
        let h1 = g.relu(g.linear(h0, weight: g.parameter(p, "ner_projector.0.weight")))  // (R, H)
        let h2 = g.relu(g.linear(h1, weight: g.parameter(p, "ner_projector.2.weight"), bias: g.parameter(p, "ner_projector.2.bias")))  // (R, P)
        return g.linear(h2, weight: g.parameter(p, "ner_projector.4.weight"), bias: g.parameter(p, "ner_projector.4.bias"))  // (R, P)
    }
}
