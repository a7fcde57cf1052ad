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
        let slotCorrect = OfficialMetric.evaluate(samples, predictions: Baseline.allNoName.predict(samples), placement: .trueSlot)
        #expect(String(format: "%.4f", slotCorrect.f1) == "0.3946")
    }

    @Test func largestFaceGetsFirstMentionedName() {
        let r = OfficialMetric.evaluate(samples, predictions: Baseline.largestFaceFirstMention.predict(samples))
        #expect(String(format: "%.4f %.4f %.4f", r.precision, r.recall, r.f1) == "0.7327 0.8103 0.7696")
        #expect(String(format: "%.4f", r.facesAccuracy) == "0.7173")
    }
}
