import FaceNaming
import Foundation
import Testing

@Suite struct OfficialMetricTests {
    /// Record 100006 of augmented LFW (secla-method.md §2.2) plus two small made-up images, counted by hand.
    let samples = [
        Sample(id: "100006", faces: [Face(label: "Diego Espinoza"), Face(label: "Janela Jara"), Face(label: "NONAME")],
               names: ["Ismael Jara", "Diego Espinoza", "Janela Jara", "NONAME"].map { CandidateName($0) },
               slots: [Slot(face: nil, gold: "NOFACE"), Slot(face: 0, gold: "Diego Espinoza"), Slot(face: 1, gold: "Janela Jara"),
                       Slot(face: 2, gold: "NONAME")]),
        // A face slot before a name-only slot: the official placement shifts the prediction into the wrong slot.
        Sample(id: "x", faces: [Face(label: "A")], names: [CandidateName("A"), CandidateName("B"), CandidateName("NONAME")],
               slots: [Slot(face: 0, gold: "A"), Slot(face: nil, gold: "NOFACE")]),
        // A false detection (WRONGNAME) and a non-person name (WRONGFACE): counted as predictions only.
        Sample(id: "y", faces: [Face(label: "NONAMEWRONG", wrong: true), Face(label: "C")],
               names: [CandidateName("Dow Jones"), CandidateName("NONAMEWRONG"), CandidateName("C"), CandidateName("NONAME")],
               slots: [Slot(face: nil, gold: "WRONGFACE"), Slot(face: 0, gold: "WRONGNAME"), Slot(face: 1, gold: "C")]),
    ]

    @Test func countsLikeTheOfficialScript() {
        let predictions = [["Diego Espinoza", "NONAME", "NONAME"], ["A"], ["C", "C"]]
        let official = OfficialMetric.evaluate(samples, predictions: predictions)
        // 100006: NOFACE ✓, Diego ✓, Janela ✗, NONAME ✓ → 3 of 4.  x: both slots misplaced → 0 of 2.
        // y: WRONGFACE and WRONGNAME are predictions only; C ✓ → 1 correct, 3 predicted, 1 gold.
        #expect(official.correct == 4 && official.predicted == 9 && official.gold == 7)
        #expect(abs(official.precision - 4.0 / 9) < 1e-12 && abs(official.recall - 4.0 / 7) < 1e-12)
        #expect(abs(official.f1 - 2 * (4.0 / 9) * (4.0 / 7) / (4.0 / 9 + 4.0 / 7)) < 1e-12)
        // faces-only accuracy: 5 real faces, right: Diego, NONAME, A, C → 4/5
        #expect(official.faces == 5 && abs(official.facesAccuracy - 0.8) < 1e-12)

        let trueSlot = OfficialMetric.evaluate(samples, predictions: predictions, placement: .trueSlot)
        #expect(trueSlot.correct == 6 && trueSlot.predicted == 9 && trueSlot.gold == 7)
    }

    @Test func nonameAndCelebToAccuracy() {
        let r = OfficialMetric.evaluate(samples, predictions: [["Diego Espinoza", "NONAME", "NONAME"], ["A"], ["C", "C"]])
        // Real faces predicted NONAME: Janela (label Janela) and the NONAME face → precision 1/2; the one NONAME face
        // is found → recall 1/1. The false detection of y is not counted.
        #expect(r.nonamePredicted == 2 && r.nonameGold == 1 && r.nonameCorrect == 1)
        #expect(r.nonamePrecision == 0.5 && r.nonameRecall == 1)
        // CelebTo accuracy counts every labelled face, the false detection (label NONAMEWRONG, predicted C) included: 4/6.
        #expect(r.celebtoFaces == 6 && r.celebtoCorrect == 4 && abs(r.celebtoAccuracy - 4.0 / 6) < 1e-12)
        #expect(r.facesCorrect == 4)

        // NONAMEWRONG predicted for a real face says NONAME too; predicting it for the false detection is right there.
        let wrongSaysNoName = OfficialMetric.evaluate(samples, predictions: [["NONAMEWRONG", "Janela Jara", "NONAMEWRONG"], ["A"], ["NONAMEWRONG", "C"]])
        #expect(wrongSaysNoName.nonamePredicted == 2 && wrongSaysNoName.nonameCorrect == 1 && wrongSaysNoName.nonameGold == 1)
        #expect(wrongSaysNoName.celebtoCorrect == 4)  // Janela, A, C and the false detection

        // No face predicted or labelled NONAME: 0/0 is reported as 0, with the counts to tell.
        let none = OfficialMetric.evaluate([samples[1]], predictions: [["A"]])
        #expect(none.nonamePrecision == 0 && none.nonameRecall == 0 && none.nonamePredicted == 0 && none.nonameGold == 0)
    }

    @Test func samplesWithoutSlotsAreScoredPerFaceLikeCelebTo() {
        let celeb = [
            Sample(id: "c1", faces: [Face(label: "Tom Hanks"), Face(label: "NONAME"), Face(label: "Meg Ryan")],
                   names: ["Tom Hanks", "Meg Ryan", "NONAME"].map { CandidateName($0) }),
            Sample(id: "c2", faces: [Face(label: "NONAME"), Face(label: "A")], names: ["A", "NONAME"].map { CandidateName($0) }),
            // Unlabelled faces are not scored.
            Sample(id: "c3", faces: [Face()], names: ["A", "NONAME"].map { CandidateName($0) }),
        ]
        let r = OfficialMetric.evaluate(celeb, predictions: [["Tom Hanks", "Meg Ryan", "NONAME"], ["NONAME", "NONAMEWRONG"], ["A"]])
        // Right: Tom Hanks, c2's NONAME → 2 of 5 labelled faces.
        #expect(r.celebtoFaces == 5 && r.celebtoCorrect == 2 && r.celebtoAccuracy == 0.4)
        #expect(r.correct == 2 && r.predicted == 5 && r.gold == 5)
        #expect(r.precision == 0.4 && r.recall == 0.4 && abs(r.f1 - 0.4) < 1e-12 && r.facesAccuracy == 0.4)
        // Predicted NONAME: Meg Ryan's face, c2's NONAME face, A's face (NONAMEWRONG) → 1/3; labelled NONAME: 2, 1 found.
        #expect(r.nonamePredicted == 3 && r.nonameGold == 2 && r.nonameCorrect == 1)
        #expect(abs(r.nonamePrecision - 1.0 / 3) < 1e-12 && r.nonameRecall == 0.5)
    }

    @Test func jsonKeysAreSnakeCase() throws {
        let r = OfficialMetric.evaluate(samples, predictions: [["Diego Espinoza", "NONAME", "NONAME"], ["A"], ["C", "C"]])
        let data = try JSONEncoder().encode(r)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        #expect(Set(keys) == ["precision", "recall", "f1", "correct", "predicted", "gold", "faces", "faces_accuracy", "faces_correct",
                              "noname_precision", "noname_recall", "noname_predicted", "noname_gold", "noname_correct",
                              "celebto_accuracy", "celebto_faces", "celebto_correct"])
        #expect(try JSONDecoder().decode(MetricResult.self, from: data) == r)
    }
}

/// The reference values of ../shared/data/augmented-lfw/README.md, "checked by two independent implementations".
@Suite(.enabled(if: LFWData.available, "needs ../shared/data/augmented-lfw"))
struct OfficialMetricOnRealLFW {
    let samples = try! LFWReader.read(folder: LFWData.folder).samples

    @Test func oracle() {
        // Every face gets its own slot's gold string.
        let predictions = samples.map { s in
            s.faces.indices.map { f in s.slots!.first { $0.face == f }!.gold }
        }
        let r = OfficialMetric.evaluate(samples, predictions: predictions)
        #expect(String(format: "%.4f %.4f %.4f", r.precision, r.recall, r.f1) == "0.9025 0.9980 0.9478")
        let slotCorrect = OfficialMetric.evaluate(samples, predictions: predictions, placement: .trueSlot)
        #expect(String(format: "%.4f", slotCorrect.f1) == "0.9497")
    }

    @Test func everyFaceNoName() {
        let r = OfficialMetric.evaluate(samples, predictions: Baseline.allNoName.predict(samples))
        #expect(String(format: "%.4f %.4f %.4f", r.precision, r.recall, r.f1) == "0.3749 0.4146 0.3937")
        #expect(r.faces == 14_407 && String(format: "%.4f", r.facesAccuracy) == "0.1222")
        // Every real face is predicted NONAME, so NONAME precision is the share of NONAME faces (1,761 of 14,407).
        #expect(r.nonamePredicted == 14_407 && r.nonameGold == 1_761 && r.nonameCorrect == 1_761 && r.nonameRecall == 1)
        let slotCorrect = OfficialMetric.evaluate(samples, predictions: Baseline.allNoName.predict(samples), placement: .trueSlot)
        #expect(String(format: "%.4f", slotCorrect.f1) == "0.3946")
    }

    @Test func largestFaceGetsFirstMentionedName() {
        let r = OfficialMetric.evaluate(samples, predictions: Baseline.largestFaceFirstMention.predict(samples))
        #expect(String(format: "%.4f %.4f %.4f", r.precision, r.recall, r.f1) == "0.7327 0.8103 0.7696")
        #expect(String(format: "%.4f", r.facesAccuracy) == "0.7173")
    }
}
