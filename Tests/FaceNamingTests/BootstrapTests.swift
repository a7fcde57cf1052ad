import FaceNaming
import Foundation
import NumericCore
import Testing

/// SECLA-B's bootstrapping rule (secla-method.md §7.4) on hand-made samples.
@Suite struct BootstrapTests {
    func names(_ texts: String...) -> [CandidateName] { texts.map { CandidateName($0) } }
    let known: Set<String> = ["Ann", "Bob"]

    @Test func aFaceWhosePositiveArgMaxIsAKnownNameIsMatched() {
        // Face 0 → Ann (known, 2.0 > 0); face 1 → Cid (unknown); face 2's best is Bob, above NONAME but negative: no
        // prediction in faithful mode (score must be > 0), a match in clean mode (the arg-max over NONAME decides).
        let scores: [[Float]] = [[2.0, -1, 0.5, 0.1], [0.2, -1, 1.5, 0.0], [-0.5, -0.2, -0.9, -0.3]]
        let list = names("Ann", "Bob", "Cid", "NONAME")
        #expect(Bootstrap.match(scores: scores, names: list, known: known, faithful: true) == [Bootstrap.Match(face: 0, candidate: 0)])
        #expect(Bootstrap.match(scores: scores, names: list, known: known, faithful: false)
                == [Bootstrap.Match(face: 0, candidate: 0), Bootstrap.Match(face: 2, candidate: 1)])
    }

    @Test func theHighestScoringFaceWinsASharedName() {
        // Faces 0 and 2 both pick Ann; face 2 scores higher for Ann, so it wins; face 0 stays unmatched.
        let scores: [[Float]] = [[1.0, 0.2, 0.0], [0.1, 0.9, 0.0], [3.0, 0.5, 0.0]]
        let m = Bootstrap.match(scores: scores, names: names("Ann", "Bob", "NONAME"), known: known, faithful: false)
        #expect(m == [Bootstrap.Match(face: 2, candidate: 0), Bootstrap.Match(face: 1, candidate: 1)])
    }

    @Test func unknownNamesAndNoNameNeverMatch() {
        let scores: [[Float]] = [[0.0, 5.0, 1.0]]
        #expect(Bootstrap.match(scores: scores, names: names("Cid", "NONAME", "Dee"), known: known, faithful: false).isEmpty)
        // A face predicting NONAME does not block a known name's other face.
        let two: [[Float]] = [[0.1, 2.0], [1.0, 0.5]]
        #expect(Bootstrap.match(scores: two, names: names("Bob", "NONAME"), known: known, faithful: false) == [Bootstrap.Match(face: 1, candidate: 0)])
        // Faithful: with every score ≤ 0 nothing is predicted, so nothing matches.
        #expect(Bootstrap.match(scores: [[-1.0, -2.0], [-0.5, -3.0]], names: names("Bob", "NONAME"), known: known, faithful: true).isEmpty)
    }

    @Test func officialShortcutLeavesOneFaceOneNameSamplesUnmatched() {
        let scores: [[Float]] = [[2.0, 0.0]]
        #expect(Bootstrap.match(scores: scores, names: names("Ann", "NONAME"), known: known, faithful: true).isEmpty)
        #expect(Bootstrap.match(scores: scores, names: names("Ann", "NONAME"), known: known, faithful: false) == [Bootstrap.Match(face: 0, candidate: 0)])
    }

    @Test func duplicateNamesMatchTwiceOnlyInFaithfulMode() {
        // The official loop runs once per occurrence and always uses the first index (§12 item 19).
        let scores: [[Float]] = [[2.0, 2.0, 0.0]]
        let list = names("Ann", "Ann", "NONAME")
        #expect(Bootstrap.match(scores: scores, names: list, known: known, faithful: true).count == 2)
        #expect(Bootstrap.match(scores: scores, names: list, known: known, faithful: false) == [Bootstrap.Match(face: 0, candidate: 0)])
    }

    /// The split a stage-2 step makes: matched faces and names leave the sample, the rest (NONAME included) stays.
    @Test func matchedPairsLeaveTheUnmatchedPart() {
        let scores: [[Float]] = [[3.0, 0.2, 0.1, 0.0], [0.1, 0.2, 1.0, 0.0], [0.3, 2.0, 0.0, 0.1]]
        let list = names("Ann", "Bob", "Cid", "NONAME")
        let m = Bootstrap.match(scores: scores, names: list, known: known, faithful: false)
        #expect(m == [Bootstrap.Match(face: 0, candidate: 0), Bootstrap.Match(face: 2, candidate: 1)])
        let rest = Bootstrap.unmatched(faces: 3, names: 4, matches: m)
        #expect(rest.faces == [1] && rest.names == [2, 3])  // face 1 with Cid and NONAME
        let none = Bootstrap.unmatched(faces: 2, names: 2, matches: [])
        #expect(none.faces == [0, 1] && none.names == [0, 1])
    }

    @Test func knownNamesComeFromTheEasySubsetAndReferencesAreItsFaces() {
        let faces = Tensor(shape: [5, 2], data: [0, 0, 1, 0, 0.9, 0.1, 5, 5, 0, 1])
        let samples = [
            Sample(id: "e1", faces: [Face(row: 0, label: "Ann")], names: names("Ann", "NONAME")),
            Sample(id: "e2", faces: [Face(row: 1, label: "Ann")], names: names("Ann", "NONAME")),
            Sample(id: "e3", faces: [Face(row: 2, label: "Ann")], names: names("Ann", "NONAME")),
            Sample(id: "e4", faces: [Face(row: 3, label: "Ann")], names: names("Ann", "NONAME")),
            Sample(id: "hard", faces: [Face(row: 4, label: "Bob")], names: names("Bob", "Cid", "NONAME")),
        ]
        let corpus = Corpus(samples: samples, faceFeatures: faces, source: "test")
        let features = try! FeatureIndex.build(corpus, encoder: HashedNameEncoder(dimension: 8))
        let known = KnownNames(corpus: corpus, features: features, easy: [0, 1, 2, 3])
        #expect(known.names == ["Ann"])
        #expect(known.faces["Ann"] == [0, 1, 2, 3])
        // Mean distances: row 0 → (1 + 0.906 + 7.07)/3, row 1 → (1 + 0.141 + 6.40)/3, row 2 → (0.906 + 0.141 + 6.48)/3,
        // row 3 far from all: the medoid is row 2.
        #expect(known.medoids(faces)["Ann"] == 2)
        let mean = known.means(faces)["Ann"]!
        let norms: Float = (0 + 1 + (0.81 + 0.01 as Float).squareRoot() + (50 as Float).squareRoot()) / 4
        let direction = [Float(6.9), 5.1]
        let length = (direction[0] * direction[0] + direction[1] * direction[1]).squareRoot()
        #expect(abs(mean[0] - direction[0] / length * norms) < 1e-5 && abs(mean[1] - direction[1] / length * norms) < 1e-5)
    }
}
