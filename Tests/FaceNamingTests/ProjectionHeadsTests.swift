import FaceNaming
import NumericCore
import Testing
import TestSupport

@Suite struct ProjectionHeadsTests {
    @Test func officialParameterTableAndCount() {
        var rng = SeededRandom(seed: 684_331)
        let heads = ProjectionHeads(rng: &rng)
        // secla-method.md §4: 344,320 (face) + 393,216 (ner_proj) + 344,320 (ner_projector).
        #expect(heads.parameters.count == 1_081_856)
        #expect(heads.parameters.names == [
            "projector.0.weight", "projector.2.weight", "projector.2.bias", "projector.4.weight", "projector.4.bias",
            "ner_projector.0.weight", "ner_projector.2.weight", "ner_projector.2.bias", "ner_projector.4.weight",
            "ner_projector.4.bias", "ner_proj.0.weight",
        ])
        #expect(heads.parameters.specs.filter { !$0.decay }.map(\.name).allSatisfy { $0.hasSuffix("bias") })
    }

    @Test func pytorchLinearInitialisationBounds() {
        var rng = SeededRandom(seed: 1)
        let heads = ProjectionHeads(rng: &rng)
        for spec in heads.parameters.specs {
            let fanIn = spec.name.hasSuffix("bias")
                ? heads.parameters.value(spec.name.replacingOccurrences(of: "bias", with: "weight")).shape[1] : spec.shape[1]
            let bound = 1 / Float(fanIn).squareRoot()
            let values = heads.parameters.value(spec.name).array
            #expect(values.allSatisfy { abs($0) <= bound }, "\(spec.name) outside ±1/√\(fanIn)")
            // U(−b, b) has standard deviation b/√3; with ≥ 128 draws the sample is within 15% of it.
            let std = (values.reduce(0) { $0 + Double($1 * $1) } / Double(values.count)).squareRoot()
            #expect(abs(std - Double(bound) / 3.0.squareRoot()) < 0.15 * Double(bound) / 3.0.squareRoot(), "\(spec.name) std \(std)")
        }
    }

    /// Zero rows (the official code's padding) map to one constant embedding, since the first layers have no bias.
    @Test func zeroInputGivesConstantEmbedding() {
        var rng = SeededRandom(seed: 2)
        let config = ProjectionHeadsConfig(faceDim: 6, nameDim: 5, hidden: 8, projection: 4)
        let heads = ProjectionHeads(config: config, rng: &rng)
        let g = Graph()
        let u = g.value(heads.faces(g, g.constant(Tensor(zeros: [3, 6]))))
        #expect(u.shape == [3, 4])
        // c_F = W4·ReLU(b2) + b4
        let b2 = heads.parameters.value("projector.2.bias"), w4 = heads.parameters.value("projector.4.weight")
        let b4 = heads.parameters.value("projector.4.bias")
        let expected = (0..<4).map { o in Double(b4[o]) + (0..<4).reduce(0.0) { $0 + Double(w4[o, $1]) * Double(max(b2[$1], 0)) } }
        for r in 0..<3 { assertClose(u.rows(r..<(r + 1)), expected, "padded row \(r)") }
    }
}

@Suite struct PairScoresTests {
    /// S^{N→F} and S^{F→N} against the official definition written out as loops over a zero-padded [B, B, N, F]
    /// tensor (secla-method.md §5.1–5.2), including the padded rows' embeddings and the divide-by-padded-size.
    @Test func matchesPaddedDefinition() {
        var rng = SeededRandom(seed: 3)
        let B = 3, F = 2, N = 3, P = 4
        let u = rng.normalTensor([B * F, P]), v = rng.normalTensor([B * N, P])  // padded rows included
        let g = Graph()
        let faceSets = SetLayout.uniform(sets: B, size: F), nameSets = SetLayout.uniform(sets: B, size: N)
        let s1 = g.value(PairScores.nameToFace(g, faces: g.constant(u), names: g.constant(v), faceSets: faceSets,
                                               nameSets: nameSets, scale: Array(repeating: 1 / Float(N), count: B)))
        let s2 = g.value(PairScores.faceToName(g, faces: g.constant(u), names: g.constant(v), faceSets: faceSets,
                                               nameSets: nameSets, scale: Array(repeating: 1 / Float(F), count: B)))
        func dot(_ a: Tensor, _ i: Int, _ b: Tensor, _ j: Int) -> Double { (0..<P).reduce(0.0) { $0 + Double(a[i, $1]) * Double(b[j, $1]) } }
        var e1 = [Double](), e2 = [Double]()
        for i in 0..<B {
            for j in 0..<B {
                e1.append((0..<N).reduce(0.0) { acc, n in acc + (0..<F).map { dot(v, i * N + n, u, j * F + $0) }.max()! } / Double(N))
                e2.append((0..<F).reduce(0.0) { acc, f in acc + (0..<N).map { dot(u, i * F + f, v, j * N + $0) }.max()! } / Double(F))
            }
        }
        assertClose(s1, e1, rtol: 1e-5, atol: 1e-5, "name→face")
        assertClose(s2, e2, rtol: 1e-5, atol: 1e-5, "face→name")
    }
}
