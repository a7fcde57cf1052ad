@testable import FaceNaming
import Foundation
import NumericCore
import Testing

/// Appearance as evidence (log-likelihood ratios fitted on the corpus) and explaining away in the alternation.
@Suite struct AppearanceEvidenceTests {
    /// EM with a fixed stranger component recovers the "same" Gaussian from a contaminated sample.
    @Test func emRecoversTheSameComponentFromAContaminatedSample() {
        var rng = SeededRandom(seed: 11)
        var xs = [Double]()
        for _ in 0..<3000 { xs.append(0.8 + 0.07 * rng.normal()) }  // same person
        for _ in 0..<300 { xs.append(0.0 + 0.2 * rng.normal()) }    // strangers (≈ 9%)
        let fit = AppearanceEvidence.sameComponent(xs, differentMean: 0, differentSD: 0.2)
        #expect(abs(fit.mean - 0.8) < 0.01)
        #expect(abs(fit.sd - 0.07) < 0.01)
        #expect(abs(fit.strangers - 300.0 / 3300) < 0.02)
        // The plain mean and sd of the sample are far off: that is what EM is for.
        let mean = xs.reduce(0, +) / Double(xs.count)
        #expect(mean < 0.75)
    }

    /// The log-likelihood ratio is log t_ν(c; μs, σs) − log N(c; μd, σd), computed here independently, and clipped.
    @Test func logLikelihoodRatioMatchesTheDensitiesAndIsClipped() {
        let b = AppearanceEvidence.Bucket(lower: 1, upper: nil, sameMean: 0.8, sameSD: 0.1, differentMean: 0, differentSD: 0.2,
                                          strangerShare: 0.05, positives: 100, negatives: 100)
        let e = AppearanceEvidence(buckets: [b], pairs: 100)
        let nu = AppearanceEvidence.sameDegreesOfFreedom
        func studentT(_ x: Double) -> Double {
            let z = (x - 0.8) / 0.1
            return tgamma((nu + 1) / 2) / (tgamma(nu / 2) * (nu * Double.pi).squareRoot() * 0.1) * pow(1 + z * z / nu, -(nu + 1) / 2)
        }
        func normal(_ x: Double) -> Double { exp(-0.5 * (x / 0.2) * (x / 0.2)) / (0.2 * (2 * Double.pi).squareRoot()) }
        for c in [0.3, 0.5, 0.7, 0.9] {
            let expected = log(studentT(c) / normal(c))
            #expect(abs(e.logLikelihoodRatio(cosine: c, others: 5) - expected) < 1e-9, "c = \(c)")
        }
        // Monotone in the cosine: below the strangers' mean it stays at the value there.
        #expect(e.logLikelihoodRatio(cosine: -0.9, others: 5) == e.logLikelihoodRatio(cosine: 0, others: 5))
        let grid = stride(from: -0.5, through: 1.0, by: 0.05).map { e.logLikelihoodRatio(cosine: $0, others: 5) }
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(e.logLikelihoodRatio(cosine: 0.8, others: 5) > 0)
        // Clipped: a bucket whose "same" is far narrower than its strangers gives more than 15 nats at its mean.
        let narrow = AppearanceEvidence(buckets: [AppearanceEvidence.Bucket(lower: 1, upper: nil, sameMean: 0.9, sameSD: 0.02, differentMean: 0,
                                                                            differentSD: 0.1, strangerShare: 0, positives: 1, negatives: 1)], pairs: 1)
        #expect(narrow.logLikelihoodRatio(cosine: 0.9, others: 1) == AppearanceEvidence.clip)
    }

    /// On a corpus of recurring people, the fitted evidence separates the right name from a stranger's by many nats.
    @Test func fittedEvidenceSeparatesSameFromDifferent() throws {
        let corpus = LearnedLayoutPriorTests.conventionCorpus(seed: 3, images: 400)
        // One-face, one-name images are what the fit learns "same" from: add some.
        var samples = corpus.samples
        var rows = Array(UnsafeBufferPointer(start: corpus.faceFeatures!.pointer, count: corpus.faceFeatures!.count))
        let d = corpus.faceFeatures!.shape[1]
        for (i, s) in corpus.samples.prefix(200).enumerated() {
            let f = s.faces[0]
            rows += Array(rows[f.row! * d..<(f.row! + 1) * d])
            samples.append(Sample(id: "single\(i)", faces: [Face(row: rows.count / d - 1, box: f.box, label: f.label)],
                                  names: [CandidateName(f.label!, mention: 0), CandidateName(noName)]))
        }
        let extended = Corpus(samples: samples, faceFeatures: Tensor(shape: [rows.count / d, d], data: rows), source: "test")
        let data = try PrototypeAlternation.Prepared(extended)
        let start = try PrototypeAlternation.withLayout.predict(extended).predictions
        let evidence = try #require(AppearanceEvidence.fit(data, assigned: LearnedLayoutPrior.assignedIDs(data, start)))
        #expect(evidence.logLikelihoodRatio(cosine: 0.9, others: 10) > 5)
        #expect(evidence.logLikelihoodRatio(cosine: 0.0, others: 10) < -5)
        // And the whole method names the recurring people right.
        let result = try LearnedLayoutPrior.bergLearned(extended, evidence: true)
        #expect(LearnedLayoutPriorTests.accuracy(extended, result.predictions) > 0.9)
    }

    /// "Ilan Ramon" is named beside "Ariel Sharon" three times but never pictured: without explaining away his
    /// prototype is Sharon's face and can take it; with it, Sharon keeps his faces.
    @Test func aCoCandidatesPrototypeIsExplainedAway() throws {
        var rng = SeededRandom(seed: 5)
        let d = 16
        func unit() -> [Float] {
            let v = (0..<d).map { _ in Float(rng.normal()) }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return v.map { $0 / n }
        }
        let sharon = unit()
        var rows = [Float](), samples = [Sample]()
        func face(_ v: [Float]) -> Face {
            rows += v.map { $0 + 0.05 * Float(rng.normal()) }
            return Face(row: rows.count / d - 1, box: Box(centerX: 100, centerY: 100, halfSide: 30), label: "Ariel Sharon")
        }
        for i in 0..<12 { samples.append(Sample(id: "s\(i)", faces: [face(sharon)], names: [CandidateName("Ariel Sharon", mention: 0), CandidateName(noName)])) }
        // Ramon is mentioned first in his three images, so layout favours him there.
        for i in 0..<3 {
            samples.append(Sample(id: "r\(i)", faces: [face(sharon)],
                                  names: [CandidateName("Ilan Ramon", mention: 0), CandidateName("Ariel Sharon", mention: 1), CandidateName(noName)]))
        }
        // Strangers, so that descriptors are centred and the corpus has other people.
        for i in 0..<30 {
            rows += unit()
            samples.append(Sample(id: "x\(i)", faces: [Face(row: rows.count / d - 1, box: Box(centerX: 100, centerY: 100, halfSide: 30), label: "P\(i)")],
                                  names: [CandidateName("P\(i)", mention: 0), CandidateName(noName)]))
        }
        let corpus = Corpus(samples: samples, faceFeatures: Tensor(shape: [rows.count / d, d], data: rows), source: "ramon")
        var berg = PrototypeAlternation()
        berg.noNameCost = 0.1
        berg.unseenNameScore = 0.2
        berg.pairBonuses = corpus.samples.map { s in s.faces.map { _ in s.names.map { $0.text == "Ilan Ramon" ? 0.3 : 0 } } }
        // Start from the state the trap leaves: Ramon holding Sharon's three faces.
        let plain = try berg.predict(corpus).predictions
        berg.shadowCosine = 0.7
        let explained = try berg.predict(corpus).predictions
        let ramonImages = corpus.samples.indices.filter { corpus.samples[$0].id.hasPrefix("r") }
        #expect(ramonImages.allSatisfy { explained[$0] == ["Ariel Sharon"] })
        // The plain alternation is free to differ; explaining away must never be worse here.
        #expect(ramonImages.filter { explained[$0] == ["Ariel Sharon"] }.count >= ramonImages.filter { plain[$0] == ["Ariel Sharon"] }.count)
    }
}

/// Name attributes: a name's text predicts its face only as far as the corpus shows it does.
@Suite struct NameAttributesTests {
    /// 300 one-face images, every name seen once. Faces are of two kinds (a direction in descriptor space plus
    /// noise); with `related`, a name's embedding says which kind, otherwise it is noise.
    static func corpus(related: Bool, seed: UInt64) -> (Corpus, [String: [Double]]) {
        var rng = SeededRandom(seed: seed)
        let d = 8, k = 6
        var rows = [Float](), samples = [Sample](), embeddings = [String: [Double]]()
        for i in 0..<300 {
            let kind = i % 2
            var v = (0..<d).map { _ in Float(0.6 * rng.normal()) }
            v[kind] += 2
            rows += v
            var e = (0..<k).map { _ in 0.3 * rng.normal() }
            if related { e[kind] += 1 } else { e[rng.int(below: 2)] += 1 }
            embeddings["N\(i)"] = e
            samples.append(Sample(id: "\(i)", faces: [Face(row: i, box: Box(x1: 0, y1: 0, x2: 10, y2: 10), label: "N\(i)")],
                                  names: [CandidateName("N\(i)", mention: 0), CandidateName(noName)]))
        }
        return (Corpus(samples: samples, faceFeatures: Tensor(shape: [300, d], data: rows), source: "attributes"), embeddings)
    }

    @Test func aNamesTextFavoursFacesOfItsKindWhenTheCorpusShowsIt() throws {
        let (corpus, byName) = Self.corpus(related: true, seed: 4)
        let data = try PrototypeAlternation.Prepared(corpus)
        let embeddings = data.nameTexts.map { byName[$0]! }
        let assigned = (0..<data.faceCount).map { data.names[$0][0] }
        let attributes = try #require(NameAttributes.fit(data, assigned: assigned, embeddings: embeddings))
        let evidence = attributes.evidence(data, embeddings: embeddings)
        // Each face against its own name (same kind) and against the next image's name (the other kind).
        var own = 0.0, other = 0.0
        for s in 0..<300 {
            own += evidence[s][0][0]
        }
        let shifted = attributes.evidence(data, embeddings: embeddings.indices.map { embeddings[($0 + 1) % embeddings.count] })
        for s in 0..<300 { other += shifted[s][0][0] }
        #expect(own / 300 > 0.5)
        #expect(other / 300 < -0.5)
        #expect(abs(own / 300) <= NameAttributes.clip && abs(other / 300) <= NameAttributes.clip)
    }

    @Test func noEvidenceWhenTheTextSaysNothingAboutTheFace() throws {
        let (corpus, byName) = Self.corpus(related: false, seed: 4)
        let data = try PrototypeAlternation.Prepared(corpus)
        let assigned = (0..<data.faceCount).map { data.names[$0][0] }
        #expect(NameAttributes.fit(data, assigned: assigned, embeddings: data.nameTexts.map { byName[$0]! }) == nil)
    }
}
