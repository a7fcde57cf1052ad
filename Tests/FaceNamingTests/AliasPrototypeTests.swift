import FaceNaming
import Foundation
import NumericCore
import Testing

/// A name seen in only one image has no prototype of its own; with `aliasPrototypes` it borrows the prototype of a
/// name whose words contain its own ("Bush" ~ "George W. Bush"), and only of such a name.
@Suite struct AliasPrototypeTests {
    /// "George W. Bush" alone in four images (descriptor g), "Tony Blair" alone in four (t). The test image names
    /// `singleton` first and "Jacques Chirac" (seen nowhere else) second; its large face is Chirac (c), its small
    /// one Bush (g), so layout alone (largest face ↔ first name) gets both wrong.
    static func corpus(singleton: String) -> Corpus {
        let g: [Float] = [1, 0, 0, 0], t: [Float] = [0, 1, 0, 0], c: [Float] = [0, 0, 1, 0]
        var rows = [Float](), samples = [Sample]()
        func face(_ v: [Float], _ box: Box, _ label: String, _ k: Int) -> Face {
            rows += v.enumerated().map { $0.element + 0.05 * Float(($0.offset + k) % 3) }
            return Face(row: rows.count / 4 - 1, box: box, label: label)
        }
        let box = Box(x1: 0, y1: 0, x2: 60, y2: 60)
        for k in 0..<4 {
            samples.append(Sample(id: "g\(k)", faces: [face(g, box, "George W. Bush", k)],
                                  names: [CandidateName("George W. Bush", mention: 0), CandidateName(noName)]))
            samples.append(Sample(id: "t\(k)", faces: [face(t, box, "Tony Blair", k)],
                                  names: [CandidateName("Tony Blair", mention: 0), CandidateName(noName)]))
        }
        samples.append(Sample(id: "test", faces: [face(c, Box(x1: 0, y1: 0, x2: 100, y2: 100), "Jacques Chirac", 0),
                                                  face(g, Box(x1: 200, y1: 0, x2: 230, y2: 30), singleton, 1)],
                              names: [CandidateName(singleton, mention: 0), CandidateName("Jacques Chirac", mention: 1), CandidateName(noName)]))
        return Corpus(samples: samples, faceFeatures: Tensor(shape: [rows.count / 4, 4], data: rows), source: "aliases")
    }

    @Test func aSingletonNameBorrowsItsAliasPrototypeAndOnlyThat() throws {
        var berg = PrototypeAlternation.withLayout
        // Explicit NONAME and unseen-name scores: in so small a corpus the default quantiles sit near cosine 1.
        berg.noNameCost = 0.2
        berg.unseenNameScore = 0.5
        let bush = Self.corpus(singleton: "Bush")
        // Layout alone: the large face takes the first-mentioned name.
        #expect(try berg.predict(bush).predictions.last == ["Bush", "Jacques Chirac"])
        berg.aliasPrototypes = true
        #expect(try berg.predict(bush).predictions.last == ["Jacques Chirac", "Bush"])
        // "Laura Bush" is not an alias of "George W. Bush" (neither word set contains the other): layout decides.
        let laura = Self.corpus(singleton: "Laura Bush")
        #expect(try berg.predict(laura).predictions.last == ["Laura Bush", "Jacques Chirac"])
        #expect(try berg.predict(Self.corpus(singleton: "George W. Bush Jr")).predictions.last == ["Jacques Chirac", "George W. Bush Jr"])
    }

    @Test func learnedPriorLabelsScoreTheBorrowedPrototype() throws {
        let corpus = Self.corpus(singleton: "Bush")
        let prior = LearnedLayoutPrior(weights: [Double](repeating: 0, count: LearnedLayoutPrior.featureCount), threshold: 0.5)
        let predictions = corpus.samples.map { s in s.faces.map { $0.label! } }
        // Without aliases "Bush" scores τ, as a name seen nowhere else; with them, its alias's cosine (≈ 1).
        let plain = try #require(try prior.labels(corpus: corpus, predictions: predictions).last?[1])
        let aliased = try #require(try prior.labels(corpus: corpus, predictions: predictions, aliases: true).last?[1])
        #expect(plain.name == "Bush" && abs(plain.score - 0.5) < 1e-12)
        #expect(aliased.name == "Bush" && aliased.score > 0.95, "score \(aliased.score)")
        #expect(aliased.confidence > plain.confidence)
    }
}
