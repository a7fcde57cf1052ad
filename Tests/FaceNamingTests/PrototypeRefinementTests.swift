import FaceNaming
import NumericCore
import Testing

/// Prototype refinement (`--assignment prototypes`): the alternation with per-pair bonuses, the label-free scale κ,
/// and the labelling rule built on them.
@Suite struct PrototypeRefinementTests {
    /// Per-pair bonuses that equal a layout prior's reproduce the alternation with that prior: the bonuses reach the
    /// right score columns, duplicate candidates included.
    @Test func pairBonusesEqualToThePriorReproduceTheLayoutAlternation() throws {
        let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.05, dimension: 32)
        var byPairs = PrototypeAlternation()
        byPairs.pairBonuses = corpus.samples.map { PrototypeAlternation.layoutBonus($0, .tuned) }
        let expected = try PrototypeAlternation.withLayout.predict(corpus)
        let got = try byPairs.predict(corpus)
        #expect(got.predictions == expected.predictions)
        #expect(got.changedPerIteration == expected.changedPerIteration)
        // and the bonuses matter: the same corpus without them labels differently
        #expect(try PrototypeAlternation().predict(corpus).predictions != expected.predictions)
    }

    /// κ is the ratio of two sample standard deviations, recomputed here from the definition.
    @Test func labelFreeScaleIsTheRatioOfSpreads() throws {
        let corpus = LFWLikeGenerator.generate(seed: 7, scale: 0.02, dimension: 16)
        var rng = SeededRandom(seed: 9)
        let appearance: [[[Float]]] = corpus.samples.map { s in s.faces.map { _ in s.names.map { _ in Float(3 * rng.normal() + 1) } } }
        func sd(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / Double(v.count)
            return (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        }
        var model = [Double]()
        for (s, m) in zip(corpus.samples, appearance) {
            for row in m { for (c, n) in s.names.enumerated() where !n.isNoName { model.append(Double(row[c])) } }
        }
        let cosines = try PrototypeAlternation.initialScores(corpus)
        #expect(cosines.count > 100 && cosines.allSatisfy { $0 >= -1 - 1e-9 && $0 <= 1 + 1e-9 })
        let kappa = try PrototypeRefinement.labelFreeScale(appearance: appearance, corpus: corpus)
        #expect(abs(kappa - sd(model) / sd(cosines)) < 1e-9 * kappa)
        // A constant model has no spread: κ falls back to 1 instead of dividing by zero.
        let flat = corpus.samples.map { s in s.faces.map { _ in s.names.map { _ in Float(2) } } }
        #expect(try PrototypeRefinement.labelFreeScale(appearance: flat, corpus: corpus) == 1)
    }

    static func model(_ features: FeatureIndex, layout: Bool, seed: UInt64) -> ProjectionHeads {
        var rng = SeededRandom(seed: seed)
        return ProjectionHeads(config: ProjectionHeadsConfig(faceDim: features.faceDim, nameDim: features.nameDim, hidden: 8, projection: 4,
                                                             layoutFeatures: layout ? LayoutFeatures.count : 0), rng: &rng)
    }

    /// Without a layout term refinement is the plain alternation; with one, the names are the alternation's with
    /// h / κ as pair bonuses, and `Aligner.label` with the `prototypes` rule returns exactly those names, each with
    /// the model's score, a runner-up and a confidence in [0, 1].
    @Test func labellingRuleUsesTheAlternationWithTheLearnedLayoutTerm() throws {
        let corpus = LFWLikeGenerator.generate(seed: 3, scale: 0.02)
        let features = try FeatureIndex.build(corpus, encoder: HashedNameEncoder())
        let all = Array(corpus.samples.indices)

        let plain = Self.model(features, layout: false, seed: 1)
        let noLayout = try PrototypeRefinement().predict(corpus: corpus, heads: plain, features: features, samples: all)
        #expect(noLayout.predictions == (try PrototypeAlternation().predict(corpus).predictions))

        let layered = Self.model(features, layout: true, seed: 1)
        let refined = try PrototypeRefinement(scale: 0.5).predict(corpus: corpus, heads: layered, features: features, samples: all)
        var berg = PrototypeAlternation()
        let h = PrototypeRefinement.layoutScores(heads: layered, features: features, samples: all)
        berg.pairBonuses = h.map { $0.map { $0.map { Double($0) / 0.5 } } }
        #expect(refined.predictions == (try berg.predict(corpus).predictions))
        #expect(refined.scale == 0.5)

        let labels = try Aligner.label(corpus: corpus, heads: layered, features: features, samples: all,
                                       options: InferenceOptions(rule: .prototypes))
        let auto = try PrototypeRefinement().predict(corpus: corpus, heads: layered, features: features, samples: all)
        #expect(labels.map { $0.map(\.name) } == auto.predictions)
        let scores = Aligner.scores(heads: layered, features: features, samples: all)
        for (i, sample) in corpus.samples.enumerated() {
            for (f, label) in labels[i].enumerated() {
                #expect(label.confidence >= 0 && label.confidence <= 1)
                if let c = sample.names.firstIndex(where: { $0.text == label.name }) { #expect(label.score == Double(scores[i][f][c])) }
            }
        }
    }

    /// The prototypes pool only the samples being labelled (inductive protocol): refining a subset equals refining a
    /// corpus that holds only that subset.
    @Test func refinementPoolsOnlyTheLabelledSamples() throws {
        let corpus = LFWLikeGenerator.generate(seed: 8, scale: 0.02)
        let features = try FeatureIndex.build(corpus, encoder: HashedNameEncoder())
        let heads = Self.model(features, layout: true, seed: 4)
        let subset = Array(corpus.samples.indices.filter { $0 % 3 != 0 })
        let got = try PrototypeRefinement(scale: 2).predict(corpus: corpus, heads: heads, features: features, samples: subset)
        var berg = PrototypeAlternation()
        let h = PrototypeRefinement.layoutScores(heads: heads, features: features, samples: subset)
        berg.pairBonuses = h.map { $0.map { $0.map { Double($0) / 2 } } }
        var part = corpus
        part.samples = subset.map { corpus.samples[$0] }
        #expect(got.predictions == (try berg.predict(part).predictions))
        #expect(got.predictions.count == subset.count)
    }
}
