import FaceNaming
import NumericCore
import Testing

/// The Berg et al. style alternating baseline: recovers clear identities, converges, is deterministic, handles odd
/// candidate lists, and beats the random baseline on a generated corpus.
@Suite struct BergBaselineTests {
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
        let result = try BergBaseline().predict(corpus)
        let gold = corpus.samples.map { $0.faces.map { $0.label! } }
        #expect(result.predictions == gold)
        #expect(result.changedPerIteration.last == 0)
        #expect(result.iterations == result.changedPerIteration.count)
        #expect(result.iterations < 20)
        let again = try BergBaseline().predict(corpus)
        #expect(again.predictions == result.predictions && again.changedPerIteration == result.changedPerIteration)
    }

    @Test func strangerGetsNoName() throws {
        // The stranger's caption lists only Bob, who is also in the image: the stranger must not take "Bob".
        let result = try BergBaseline().predict(Self.tinyCorpus())
        #expect(result.predictions[7] == ["Bob", noName])
    }

    @Test func withoutNoNameCandidateExtraFacesStayUnnamed() throws {
        let corpus = Corpus(samples: [Sample(id: "a", faces: [Face(row: 0), Face(row: 1)], names: [CandidateName("Ann")]),
                                      Sample(id: "b", faces: [Face(row: 2)], names: [CandidateName("Ann")]),
                                      Sample(id: "c", faces: [Face(row: 3)], names: [])],
                            faceFeatures: Tensor(shape: [4, 2], data: [0, 1, 1, 0, 1, 0.1, 1, 1]), source: "t")
        let result = try BergBaseline().predict(corpus)
        #expect(result.predictions == [[noName, "Ann"], ["Ann"], [noName]])
    }

    @Test func missingRowsAndFeaturesAreDataErrors() {
        let noRow = Corpus(samples: [Sample(id: "x7", faces: [Face(row: nil)], names: [CandidateName("Ann")])],
                           faceFeatures: Tensor(shape: [1, 2], data: [1, 0]), source: "t")
        #expect(throws: DataError.self) { try BergBaseline().predict(noRow) }
        do {
            _ = try BergBaseline().predict(noRow)
        } catch {
            #expect("\(error)".contains("x7"))
        }
        let outside = Corpus(samples: [Sample(id: "y", faces: [Face(row: 5)], names: [])],
                             faceFeatures: Tensor(shape: [1, 2], data: [1, 0]), source: "t")
        #expect(throws: DataError.self) { try BergBaseline().predict(outside) }
        let none = Corpus(samples: [Sample(id: "z", faces: [Face(row: 0)], names: [])], source: "t")
        #expect(throws: DataError.self) { try BergBaseline().predict(none) }
        let empty = Corpus(samples: [], faceFeatures: Tensor(shape: [0, 2], data: []), source: "t")
        #expect((try? BergBaseline().predict(empty).predictions) == [])
    }

    @Test func beatsRandomOnGeneratedCorpus() throws {
        let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.05, dimension: 32)
        let result = try BergBaseline().predict(corpus)
        let berg = OfficialMetric.evaluate(corpus.samples, predictions: result.predictions)
        let random = OfficialMetric.evaluate(corpus.samples, predictions: Baseline.random.predict(corpus.samples, seed: 1))
        #expect(berg.f1 > random.f1 + 0.05, "berg \(berg.f1) vs random \(random.f1)")
        #expect(result.changedPerIteration.first == corpus.faceCount)
        let again = try BergBaseline().predict(corpus)
        #expect(again.predictions == result.predictions)
    }
}
