import Foundation
import FaceNaming
import NumericCore
import Testing

/// `secla name`'s core: every method labels every face with a calibrated confidence, corrections are kept and
/// shape the rest, the calibration fit recovers known constants, and bad corrections files are named precisely.
@Suite struct NamingTests {
    static let small = LFWLikeGenerator.generate(seed: 7, scale: 0.03, dimension: 32)

    @Test(arguments: NamingMethod.allCases)
    func everyMethodLabelsEveryFace(method: NamingMethod) throws {
        let corpus = Self.small
        var settings = NamingSettings()
        settings.epochs = 1
        let result = try Naming.run(method, corpus: corpus, settings: settings)
        #expect(result.labels.count == corpus.samples.count)
        for (sample, labels) in zip(corpus.samples, result.labels) {
            #expect(labels.count == sample.faces.count)
            let allowed = Set(sample.realNames.map(\.text) + [noName])
            var realNames = [String]()
            for label in labels {
                #expect(allowed.contains(label.name), "\(method): \(label.name) is not a candidate of \(sample.id)")
                #expect(label.confidence >= 0 && label.confidence <= 1 && label.confidence.isFinite)
                if label.name != noName { realNames.append(label.name) }
            }
            if method != .random {  // one person per caption name (the random baseline draws per face)
                #expect(Set(realNames).count == realNames.count, "\(method): a name given to two faces of \(sample.id)")
            }
        }
        // Calibration is the method's own (the corpus is big enough for evidence and the learned prior to be fitted).
        if method == .evidence { #expect(result.calibration == NamingMethod.evidence.calibration) }
    }

    @Test func labelsUseTheCalibratedSoftmax() {
        let sample = Sample(id: "a", faces: [Face(row: 0)], names: [CandidateName("Ann"), CandidateName("Bob"), CandidateName(noName)])
        let corpus = Corpus(samples: [sample], faceFeatures: Tensor(shape: [1, 2], data: [1, 0]), source: "one")
        let options = [[[ConfidenceCalibration.Candidate(text: "Ann", score: 1.0, isNoName: false),
                         ConfidenceCalibration.Candidate(text: "Bob", score: 0.2, isNoName: false),
                         ConfidenceCalibration.Candidate(text: noName, score: 0.5, isNoName: true)]]]
        let c = ConfidenceCalibration(temperature: 0.5, noNameOffset: -1)
        let label = Naming.labels(corpus: corpus, predictions: [["Ann"]], options: options, calibration: c, fixed: nil)[0][0]
        // softmax(2.0, 0.4, 1.0 − 1) computed by hand
        let e = [exp(2.0), exp(0.4), exp(0.0)]
        #expect(abs(label.confidence - e[0] / e.reduce(0, +)) < 1e-12)
        #expect(label.runnerUp == noName && label.runnerUpScore == 0.5 && label.score == 1.0)
    }

    @Test func calibrationFitRecoversKnownConstants() {
        // Faces whose gold text is drawn from softmax(score / T + b·[NONAME]) with T 0.5, b −1: the fit must find them.
        var rng = SeededRandom(seed: 11)
        var samples = [Sample](), options = [[[ConfidenceCalibration.Candidate]]]()
        for i in 0..<4000 {
            let scores = (0..<3).map { _ in rng.uniform() }
            let row = [ConfidenceCalibration.Candidate(text: "A", score: scores[0], isNoName: false),
                       ConfidenceCalibration.Candidate(text: "B", score: scores[1], isNoName: false),
                       ConfidenceCalibration.Candidate(text: noName, score: scores[2], isNoName: true)]
            let p = ConfidenceCalibration(temperature: 0.5, noNameOffset: -1).probabilities(row)
            let u = rng.uniform()
            let gold = u < p[0] ? "A" : u < p[0] + p[1] ? "B" : noName
            samples.append(Sample(id: "\(i)", faces: [Face(row: i, label: gold)], names: [CandidateName("A"), CandidateName("B"), CandidateName(noName)]))
            options.append([row])
        }
        let fitted = ConfidenceCalibration.fit(samples: samples, options: options)
        #expect(fitted != nil)
        #expect(abs((fitted?.temperature ?? 0) - 0.5) < 0.06, "T \(String(describing: fitted?.temperature))")
        #expect(abs((fitted?.noNameOffset ?? 0) + 1) < 0.15, "b \(String(describing: fitted?.noNameOffset))")
    }

    @Test(arguments: [NamingMethod.evidence, .handPrior, .heuristic])
    func correctionsAreKeptAndMoveOthersAside(method: NamingMethod) throws {
        let corpus = Self.small
        let before = try Naming.run(method, corpus: corpus)
        // A two-face image: give face 0 the name face 1 got (or the first caption name), and fix a face of another
        // image to someone the caption does not name.
        let s = try #require(corpus.samples.indices.first { corpus.samples[$0].faces.count >= 2 && corpus.samples[$0].realNames.count >= 2 })
        let other = try #require(corpus.samples.indices.first { $0 != s && !corpus.samples[$0].faces.isEmpty })
        let taken = before.labels[s][1].name != noName ? before.labels[s][1].name : corpus.samples[s].realNames[0].text
        var settings = NamingSettings()
        settings.corrections = Corrections(fixed: [s: [0: taken], other: [0: "Someone Not In The Caption"]])
        let after = try Naming.run(method, corpus: corpus, settings: settings)
        #expect(after.labels[s][0].name == taken && after.labels[s][0].confidence == 1 && after.labels[s][0].fixed == true)
        #expect(!after.labels[s].dropFirst().contains { $0.name == taken }, "the fixed name stays with the fixed face")
        #expect(after.labels[other][0].name == "Someone Not In The Caption" && after.labels[other][0].fixed == true)
        #expect(after.labels[other].dropFirst().allSatisfy { $0.fixed == nil })
    }

    @Test func correctionsFileErrorsNameTheRecordAndField() throws {
        let corpus = Self.small
        let id = corpus.samples[0].id
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secla-corrections-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func read(_ text: String) throws -> Corrections {
            let path = folder + "/c.json"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            return try Corrections.read(path: path, corpus: corpus)
        }
        let good = try read(#"{"format": "secla-corrections", "version": 1, "corrections": [{"sample": "\#(id)", "face": 0, "name": "X Y", "was": "NONAME"}, {"sample": "\#(id)", "face": 0, "name": "X Y"}]}"#)
        #expect(good.name(sample: 0, face: 0) == "X Y" && good.count == 1)
        func problem(_ text: String) -> DataError? {
            do { _ = try read(text); return nil } catch { return error as? DataError }
        }
        let unknown = problem(#"{"corrections": [{"sample": "no-such-id", "face": 0, "name": "A"}]}"#)
        #expect(unknown?.record == "corrections[0] (sample 'no-such-id')" && unknown?.field == "sample")
        let face = problem(#"{"corrections": [{"sample": "\#(id)", "face": 99, "name": "A"}]}"#)
        #expect(face?.field == "face" && face?.problem.contains("99") == true)
        let twice = problem(#"{"corrections": [{"sample": "\#(id)", "face": 0, "name": "A"}, {"sample": "\#(id)", "face": 0, "name": "B"}]}"#)
        #expect(twice?.record == "corrections[1] (sample '\(id)')" && twice?.field == "name")
        #expect(problem(#"{"format": "something-else", "corrections": []}"#)?.field == "format")
        #expect(problem(#"{"corrections": [{"sample": "\#(id)", "face": 0, "name": "  "}]}"#)?.field == "name")
        #expect(problem(#"{"corrections": [{"sample": "\#(id)", "name": "A"}]}"#) != nil)  // missing face
        #expect(problem("not json") != nil)
    }
}
