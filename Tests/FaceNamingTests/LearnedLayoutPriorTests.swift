import FaceNaming
import Foundation
import NumericCore
import Testing

/// The learned layout prior: fitted without labels on the images appearance resolves, it must pick up the layout
/// convention of the corpus and use it where appearance cannot decide.
@Suite struct LearnedLayoutPriorTests {
    /// Images of two named faces (a large and a small one) and sometimes a tiny unnamed bystander. In `convention` of
    /// the images the large face is the first-mentioned name. 60% of images name two of 20 recurring people (appearance
    /// decides), the rest two people seen nowhere else (only layout can). Descriptors: identity vector + noise.
    static func conventionCorpus(seed: UInt64, images: Int = 240, convention: Double = 0.85) -> Corpus {
        var rng = SeededRandom(seed: seed)
        let d = 16
        func unit() -> [Float] {
            let v = (0..<d).map { _ in Float(rng.normal()) }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / n }
        }
        let people = (0..<20).map { _ in unit() }
        var rows = [Float](), samples = [Sample]()
        func face(_ identity: [Float], _ box: Box, _ label: String) -> Face {
            rows += identity.map { $0 + 0.1 * Float(rng.normal()) }
            return Face(row: rows.count / d - 1, box: box, label: label)
        }
        for i in 0..<images {
            let recurring = rng.uniform() < 0.6
            var texts: [String], identities: [[Float]]
            if recurring {
                let a = rng.int(below: 20), b = (a + 1 + rng.int(below: 19)) % 20
                texts = ["P\(a)", "P\(b)"]; identities = [people[a], people[b]]
            } else {
                texts = ["S\(i)a", "S\(i)b"]; identities = [unit(), unit()]
            }
            let largeIsFirst = rng.uniform() < convention
            let large = largeIsFirst ? 0 : 1
            let leftX = Double(100 + rng.int(below: 50)), rightX = Double(300 + rng.int(below: 50))
            let largeOnLeft = rng.uniform() < 0.5
            var faces = [face(identities[large], Box(centerX: largeOnLeft ? leftX : rightX, centerY: 150, halfSide: 40), texts[large]),
                         face(identities[1 - large], Box(centerX: largeOnLeft ? rightX : leftX, centerY: 150, halfSide: 20), texts[1 - large])]
            if rng.uniform() < 0.3 { faces.append(face(unit(), Box(centerX: 500, centerY: 60, halfSide: 8), "NONAME")) }
            samples.append(Sample(id: "img\(i)", faces: faces,
                                  names: [CandidateName(texts[0], mention: 0), CandidateName(texts[1], mention: 1), CandidateName("NONAME")]))
        }
        return Corpus(samples: samples, faceFeatures: Tensor(shape: [rows.count / d, d], data: rows), source: "convention")
    }

    static func accuracy(_ corpus: Corpus, _ predictions: [[String]], where keep: (Sample) -> Bool = { _ in true }) -> Double {
        var right = 0, total = 0
        for (sample, labels) in zip(corpus.samples, predictions) where keep(sample) {
            for (face, label) in zip(sample.faces, labels) { total += 1; right += face.label == label ? 1 : 0 }
        }
        return Double(right) / Double(max(1, total))
    }

    @Test func everyWeightHasAFeatureNameAndTheStrongestComeFirst() throws {
        #expect(LearnedLayoutPrior.featureNames.count == LearnedLayoutPrior.featureCount)
        #expect(Set(LearnedLayoutPrior.featureNames).count == LearnedLayoutPrior.featureCount)
        let corpus = Self.conventionCorpus(seed: 2)
        let prior = try #require(try LearnedLayoutPrior.fit(corpus: corpus, assignment: try PrototypeAlternation().predict(corpus).predictions))
        let top = prior.strongestWeights(LearnedLayoutPrior.featureCount)
        #expect(top.count == LearnedLayoutPrior.featureCount)
        #expect(zip(top, top.dropFirst()).allSatisfy { abs($0.weight) >= abs($1.weight) })
        // The corpus's convention (large face = first-mentioned name) is among what the prior names as strongest.
        #expect(prior.strongestWeights(6).contains { ["rank match", "largest & first", "rank distance", "relative size & first"].contains($0.feature) })
        let decoded = try JSONDecoder().decode(LearnedLayoutPrior.self, from: Data(try jsonText(prior).utf8))
        #expect(decoded == prior)
    }

    @Test func priorLearnsTheConventionFromResolvedImagesWithoutReadingLabels() throws {
        let corpus = Self.conventionCorpus(seed: 1)
        let start = try PrototypeAlternation().predict(corpus).predictions
        let prior = try #require(try LearnedLayoutPrior.fit(corpus: corpus, assignment: start))
        let recurring = corpus.samples.filter { $0.names[0].text.hasPrefix("P") }.count
        #expect(prior.resolvedImages > recurring / 2 && prior.resolvedImages <= recurring)
        #expect(prior.threshold > 0.2 && prior.threshold < 0.8)  // between wrong (≈ 0) and right (≈ 0.99) pairs
        #expect(prior.weights.count == LearnedLayoutPrior.featureCount)

        // On an image of two people seen nowhere else (and a bystander), the prior prefers large ↔ first,
        // small ↔ second, and NONAME for the tiny face.
        let singles = try #require(corpus.samples.firstIndex { $0.names[0].text.hasPrefix("S") && $0.faces.count == 3 })
        let one = Corpus(samples: [corpus.samples[singles]], faceFeatures: corpus.faceFeatures, source: "one")
        let b = prior.bonuses(one)[0]   // [face][candidate: first, second, NONAME]; face 0 is the large one
        #expect(b[0][0] > b[0][1] && b[0][0] > b[0][2])
        #expect(b[1][1] > b[1][0])
        #expect(b[2][2] > b[2][0] && b[2][2] > b[2][1])
        for row in b { #expect(abs(row.reduce(0, +)) < 1e-12) }  // centred over the face's candidates

        // Label-free: the same corpus with every gold label removed gives the same prior.
        var unlabelled = corpus
        unlabelled.samples = corpus.samples.map { s in
            var s = s
            s.faces = s.faces.map { Face(row: $0.row, box: $0.box) }
            return s
        }
        #expect(try LearnedLayoutPrior.fit(corpus: unlabelled, assignment: start) == prior)
    }

    @Test func refinementUsesTheConventionWhereAppearanceCannotDecide() throws {
        let corpus = Self.conventionCorpus(seed: 2)
        let start = try PrototypeAlternation().predict(corpus).predictions
        let refined = try LearnedLayoutPrior.refine(corpus: corpus, start: start)
        let prior = try #require(refined.prior)
        let unseen: (Sample) -> Bool = { $0.names[0].text.hasPrefix("S") }
        let before = Self.accuracy(corpus, start, where: unseen), after = Self.accuracy(corpus, refined.predictions, where: unseen)
        #expect(after > before + 0.1, "faces of people seen once: \(before) → \(after)")
        #expect(Self.accuracy(corpus, refined.predictions, where: { !unseen($0) }) > 0.95)  // appearance still wins

        // refine = the alternation with the prior's bonuses, τ as NONAME cost and unseen-name score, no hand prior.
        var berg = PrototypeAlternation()
        berg.pairBonuses = prior.bonuses(corpus)
        berg.noNameCost = prior.threshold
        berg.unseenNameScore = prior.threshold
        #expect(try berg.predict(corpus).predictions == refined.predictions)
        #expect(try LearnedLayoutPrior.refine(corpus: corpus, start: start).predictions == refined.predictions)  // deterministic
    }

    @Test func learnedPriorRuleRefinesThePrototypeLabels() throws {
        let corpus = Self.conventionCorpus(seed: 3, images: 120)
        let features = try FeatureIndex.build(corpus, encoder: HashedNameEncoder())
        let all = Array(corpus.samples.indices)
        let heads = PrototypeRefinementTests.model(features, layout: true, seed: 1)
        let labels = try Aligner.label(corpus: corpus, heads: heads, features: features, samples: all,
                                       options: InferenceOptions(rule: .learnedPrior))
        let prototypes = try PrototypeRefinement().predict(corpus: corpus, heads: heads, features: features, samples: all)
        let refined = try LearnedLayoutPrior.refine(corpus: corpus, start: prototypes.predictions)
        #expect(labels.map { $0.map(\.name) } == refined.predictions)
        // Scores and confidences are the prior's, consistent with the names it chose, not the model's.
        let prior = try #require(refined.prior)
        #expect(labels == (try prior.labels(corpus: corpus, predictions: refined.predictions)))
        #expect(labels.flatMap { $0 }.allSatisfy { $0.confidence >= 0 && $0.confidence <= 1 })
    }

    @Test func corpusWithoutDescriptorsIsAClearError() {
        let corpus = Corpus(samples: [Sample(id: "a", faces: [Face(row: 0)], names: [CandidateName("Ann")])], source: "nofeatures.jsonl")
        #expect(throws: DataError.self) { try LearnedLayoutPrior.fit(corpus: corpus, assignment: [["Ann"]]) }
    }
}

extension LearnedLayoutPriorTests {
    /// The labels carry the alternation's names; a face choosing between one real name and NONAME has confidence
    /// σ((score − runner-up score) / T), recomputed here from the two scores; every score is a cosine (or τ) plus the
    /// prior's bonus.
    @Test func labelsCarryTheAlternationsChoiceAndASoftmaxConfidence() throws {
        var corpus = Self.conventionCorpus(seed: 4, images: 200)
        // A few images with one name: two options per face.
        for i in 0..<20 { corpus.samples[i].names = [corpus.samples[i].names[0], CandidateName("NONAME")] }
        let start = try PrototypeAlternation().predict(corpus).predictions
        let refined = try LearnedLayoutPrior.refine(corpus: corpus, start: start)
        let prior = try #require(refined.prior)
        for t in [0.1, 0.3] {
            let labels = try prior.labels(corpus: corpus, predictions: refined.predictions, temperature: t)
            #expect(labels.map { $0.map(\.name) } == refined.predictions)
            let bonuses = prior.bonuses(corpus)
            var checked = 0
            for (s, sample) in corpus.samples.enumerated() {
                for (j, label) in labels[s].enumerated() {
                    #expect(label.confidence >= 0 && label.confidence <= 1)
                    let c = try #require(sample.names.firstIndex { $0.text == label.name })
                    #expect(label.score - bonuses[s][j][c] >= -1 - 1e-9 && label.score - bonuses[s][j][c] <= 1 + 1e-9)
                    if sample.names.count == 2, let other = label.runnerUpScore {
                        let expected = 1 / (1 + Foundation.exp(-(label.score - other) / t))
                        #expect(abs(label.confidence - expected) < 1e-12)
                        checked += 1
                    }
                }
            }
            #expect(checked >= 20)
        }
    }
}
