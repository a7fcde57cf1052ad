import FaceNaming
import NumericCore
import Testing

/// The Berg et al. style alternating baseline: recovers clear identities, converges, is deterministic, handles odd
/// candidate lists, and beats the random baseline on a generated corpus.
@Suite struct PrototypeAlternationTests {
    /// Three people with orthogonal descriptors (small per-face jitter), plus a stranger orthogonal to all of them.
    static func descriptor(_ person: Int, jitter: Int) -> [Float] {
        var v = [Float](repeating: 0, count: 6)
        v[person] = 1
        v[5] = 0.05 * Float(jitter % 3)
        return v
    }

    /// Faces given as (person, caption candidates); every image's true names are listed, except the stranger's.
    static func tinyCorpus() -> Corpus {
        let people = ["Ann", "Bob", "Cid"]
        // (persons in the image, caption names in caption order)
        let images: [([Int], [String])] = [
            ([0, 1], ["Ann", "Bob"]),
            ([1, 2], ["Cid", "Bob"]),
            ([0, 2], ["Cid", "Ann", "Ann"]),   // duplicate candidate string
            ([0], ["Ann", "Bob"]),
            ([1], ["Bob", "Cid"]),
            ([2, 0], ["Ann", "Cid"]),
            ([], ["Bob"]),                    // no faces
            ([1, 3], ["Bob"]),                // person 3 is a stranger, not named
        ]
        var rows = [Float](), samples = [Sample](), row = 0
        for (i, (persons, names)) in images.enumerated() {
            var faces = [Face]()
            for p in persons {
                rows += descriptor(p, jitter: row)
                faces.append(Face(row: row, label: p < people.count ? people[p] : noName))
                row += 1
            }
            let candidates = names.map { CandidateName($0) } + (i == 3 ? [] : [CandidateName(noName)])  // image 3: no NONAME
            samples.append(Sample(id: "img\(i)", faces: faces, names: candidates))
        }
        return Corpus(samples: samples, faceFeatures: Tensor(shape: [row, 6], data: rows), source: "tiny")
    }

    @Test func recoversClearNamesAndConverges() throws {
        let corpus = Self.tinyCorpus()
        let result = try PrototypeAlternation().predict(corpus)
        let gold = corpus.samples.map { $0.faces.map { $0.label! } }
        #expect(result.predictions == gold)
        #expect(result.changedPerIteration.last == 0)
        #expect(result.iterations == result.changedPerIteration.count)
        #expect(result.iterations < 20)
        let again = try PrototypeAlternation().predict(corpus)
        #expect(again.predictions == result.predictions && again.changedPerIteration == result.changedPerIteration)
    }

    @Test func strangerGetsNoName() throws {
        // The stranger's caption lists only Bob, who is also in the image: the stranger must not take "Bob".
        let result = try PrototypeAlternation().predict(Self.tinyCorpus())
        #expect(result.predictions[7] == ["Bob", noName])
    }

    @Test func withoutNoNameCandidateExtraFacesStayUnnamed() throws {
        let corpus = Corpus(samples: [Sample(id: "a", faces: [Face(row: 0), Face(row: 1)], names: [CandidateName("Ann")]),
                                      Sample(id: "b", faces: [Face(row: 2)], names: [CandidateName("Ann")]),
                                      Sample(id: "c", faces: [Face(row: 3)], names: [])],
                            faceFeatures: Tensor(shape: [4, 2], data: [0, 1, 1, 0, 1, 0.1, 1, 1]), source: "t")
        let result = try PrototypeAlternation().predict(corpus)
        #expect(result.predictions == [[noName, "Ann"], ["Ann"], [noName]])
    }

    @Test func missingRowsAndFeaturesAreDataErrors() {
        let noRow = Corpus(samples: [Sample(id: "x7", faces: [Face(row: nil)], names: [CandidateName("Ann")])],
                           faceFeatures: Tensor(shape: [1, 2], data: [1, 0]), source: "t")
        #expect(throws: DataError.self) { try PrototypeAlternation().predict(noRow) }
        do {
            _ = try PrototypeAlternation().predict(noRow)
        } catch {
            #expect("\(error)".contains("x7"))
        }
        let outside = Corpus(samples: [Sample(id: "y", faces: [Face(row: 5)], names: [])],
                             faceFeatures: Tensor(shape: [1, 2], data: [1, 0]), source: "t")
        #expect(throws: DataError.self) { try PrototypeAlternation().predict(outside) }
        let none = Corpus(samples: [Sample(id: "z", faces: [Face(row: 0)], names: [])], source: "t")
        #expect(throws: DataError.self) { try PrototypeAlternation().predict(none) }
        let empty = Corpus(samples: [], faceFeatures: Tensor(shape: [0, 2], data: []), source: "t")
        #expect((try? PrototypeAlternation().predict(empty).predictions) == [])
    }

    @Test func beatsRandomOnGeneratedCorpus() throws {
        let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.05, dimension: 32)
        let result = try PrototypeAlternation().predict(corpus)
        let berg = OfficialMetric.evaluate(corpus.samples, predictions: result.predictions)
        let random = OfficialMetric.evaluate(corpus.samples, predictions: Baseline.random.predict(corpus.samples, seed: 1))
        #expect(berg.f1 > random.f1 + 0.05, "berg \(berg.f1) vs random \(random.f1)")
        #expect(result.changedPerIteration.first == corpus.faceCount)
        let again = try PrototypeAlternation().predict(corpus)
        #expect(again.predictions == result.predictions)
    }

    // MARK: Layout prior

    /// Appearance cannot tell Ann from Bob: every face has the same descriptor, and both names also appear alone on
    /// faces identical to these. Image 0 has a small face first and a large face second; its caption mentions Ann
    /// first. `boxes: false` drops the boxes of image 0.
    static func ambiguousCorpus(boxes: Bool = true) -> Corpus {
        let small = Box(x1: 0, y1: 0, x2: 10, y2: 10), large = Box(x1: 50, y1: 0, x2: 90, y2: 40)
        let samples = [
            Sample(id: "pair", faces: [Face(row: 0, box: boxes ? small : nil), Face(row: 1, box: boxes ? large : nil)],
                   names: [CandidateName("Ann", mention: 0), CandidateName("Bob", mention: 1), CandidateName(noName)]),
            Sample(id: "ann", faces: [Face(row: 2)], names: [CandidateName("Ann", mention: 0), CandidateName(noName)]),
            Sample(id: "bob", faces: [Face(row: 3)], names: [CandidateName("Bob", mention: 0), CandidateName(noName)]),
        ]
        return Corpus(samples: samples, faceFeatures: Tensor(shape: [4, 2], data: [1, 0, 1, 0, 1, 0, 1, 0]), source: "ambiguous")
    }

    static func prior(rank: Double = 0, distance: Double = 0, noName: Double = 0) -> PrototypeAlternation {
        var b = PrototypeAlternation()
        b.layout = .init(rankBonus: rank, rankDistancePenalty: distance, noNameBonus: noName)
        return b
    }

    @Test func layoutPriorBreaksAnAppearanceTieBySizeAndMentionRank() throws {
        let corpus = Self.ambiguousCorpus()
        // Without the prior the tie goes by face order (the small face takes the first name) ...
        let plain = try PrototypeAlternation().predict(corpus).predictions[0]
        #expect(plain == ["Ann", "Bob"])
        // ... with it the largest face takes the first-mentioned name, the second largest the second.
        #expect(try Self.prior(rank: 0.05).predict(corpus).predictions[0] == ["Bob", "Ann"])
        #expect(try Self.prior(distance: 0.05).predict(corpus).predictions[0] == ["Bob", "Ann"])
        #expect(try PrototypeAlternation.withLayout.predict(corpus).predictions[0] == ["Bob", "Ann"])
        // Mention order, not caption order, decides: mention Bob first and the large face takes Bob.
        var swapped = corpus
        swapped.samples[0].names = [CandidateName("Ann", mention: 1), CandidateName("Bob", mention: 0), CandidateName(noName)]
        #expect(try Self.prior(rank: 0.05).predict(swapped).predictions[0] == ["Ann", "Bob"])
        #expect(try PrototypeAlternation.withLayout.predict(swapped).predictions[0] == ["Ann", "Bob"])
    }

    @Test func layoutBonusesFollowTheFormula() {
        // Faces listed small, medium, large, smaller still (size ranks 2, 1, 0, 3); caption mentions Bob first.
        let boxes = [Box(x1: 0, y1: 0, x2: 20, y2: 20), Box(x1: 30, y1: 0, x2: 60, y2: 30),
                     Box(x1: 70, y1: 0, x2: 110, y2: 40), Box(x1: 120, y1: 0, x2: 130, y2: 10)]
        var sample = Sample(id: "four", faces: boxes.map { Face(box: $0) },
                            names: [CandidateName("Ann", mention: 5), CandidateName("Bob", mention: 1), CandidateName(noName),
                                    CandidateName("Ann", mention: 9)])
        let prior = PrototypeAlternation.LayoutPrior(rankBonus: 0.3, rankDistancePenalty: 0.1, noNameBonus: 0.2)
        // Columns Ann (rank 1), Bob (rank 0), NONAME, Ann again; NONAME bonus from size rank 2 (two real names).
        let expected: [[Double]] = [[-0.1, -0.2, 0.2, -0.1], [0.3, -0.1, 0, 0.3], [-0.1, 0.3, 0, -0.1], [-0.2, -0.3, 0.2, -0.2]]
        let got = PrototypeAlternation.layoutBonus(sample, prior)
        #expect(got.count == 4)
        for (g, e) in zip(got, expected) {
            #expect(g.count == e.count && zip(g, e).allSatisfy { abs($0 - $1) < 1e-12 }, "\(got)")
        }
        // A bare name list (no mentions, no caption; CelebTo): only the NONAME term is left.
        var list = sample
        list.names = list.names.map { CandidateName($0.text) }
        let listed = PrototypeAlternation.layoutBonus(list, prior)
        #expect(listed.map { $0[2] } == [0.2, 0, 0, 0.2] && listed.allSatisfy { $0[0] == 0 && $0[1] == 0 && $0[3] == 0 }, "\(listed)")
        // One face without a box: no face of the image gets a bonus.
        sample.faces[3].box = nil
        #expect(PrototypeAlternation.layoutBonus(sample, prior).allSatisfy { $0.allSatisfy { $0 == 0 } })
    }

    @Test func noNameBonusSendsFacesBeyondTheNamesToNoName() throws {
        // One name, two equal faces: without layout either may keep Ann; with a NONAME bonus larger than Ann's margin
        // the smaller face (size rank 1 ≥ 1 name) goes to NONAME and the larger one keeps Ann.
        var corpus = Self.ambiguousCorpus()
        corpus.samples[0].names = [CandidateName("Ann", mention: 0), CandidateName(noName)]
        let plain = try PrototypeAlternation().predict(corpus).predictions[0]
        #expect(plain == ["Ann", noName])
        #expect(try Self.prior(rank: 0, noName: 2).predict(corpus).predictions[0] == [noName, "Ann"])
    }

    @Test func layoutIsOffByDefaultAndZeroWeightsChangeNothing() throws {
        #expect(PrototypeAlternation().layout == nil)
        for corpus in [Self.tinyCorpus(), Self.ambiguousCorpus(), LFWLikeGenerator.generate(seed: 5, scale: 0.05, dimension: 32)] {
            let plain = try PrototypeAlternation().predict(corpus)
            let zero = try Self.prior().predict(corpus)
            #expect(zero.predictions == plain.predictions && zero.changedPerIteration == plain.changedPerIteration)
        }
    }

    @Test func facesWithoutBoxesGetNoLayoutBonus() throws {
        // Bob mentioned first: were face order taken for size order, the first face would get Bob's bonus.
        var corpus = Self.ambiguousCorpus(boxes: false)
        corpus.samples[0].names = [CandidateName("Ann", mention: 1), CandidateName("Bob", mention: 0), CandidateName(noName)]
        let plain = try PrototypeAlternation().predict(corpus).predictions
        #expect(plain[0] == ["Ann", "Bob"])
        #expect(try Self.prior(rank: 0.5, distance: 0.5, noName: 0.5).predict(corpus).predictions == plain)
        #expect(try PrototypeAlternation.withLayout.predict(corpus).predictions == plain)
    }

    @Test func layoutPriorHelpsOnGeneratedCorpus() throws {
        // The generator draws the largest face for the first-mentioned name more often than not.
        let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.05, dimension: 32)
        let plain = OfficialMetric.evaluate(corpus.samples, predictions: try PrototypeAlternation().predict(corpus).predictions)
        let layout = OfficialMetric.evaluate(corpus.samples, predictions: try PrototypeAlternation.withLayout.predict(corpus).predictions)
        #expect(layout.f1 >= plain.f1, "with layout \(layout.f1) vs without \(plain.f1)")
    }
}
