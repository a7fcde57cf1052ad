import FaceNaming
import Foundation
import NumericCore
import Testing

@Suite struct CalibrationTests {
    /// Gold labels drawn from softmax(s / 5 − 1·[NONAME]) are fitted back to T ≈ 5, b ≈ −1.
    @Test func fitRecoversTheGeneratingTemperatureAndOffset() throws {
        var rng = SeededRandom(seed: 9)
        let names = [CandidateName("A", mention: 0), CandidateName("B", mention: 1), CandidateName("C", mention: 2), CandidateName(noName)]
        var samples = [Sample](), scores = [[[Float]]]()
        for i in 0..<4_000 {
            let row = (0..<4).map { _ in Float(rng.normal() * 8) }
            let logits = row.enumerated().map { c, s in Double(s) / 5 - (c == 3 ? 1 : 0) }
            let top = logits.max()!
            let p = logits.map { exp($0 - top) }, total = p.reduce(0, +)
            var u = rng.uniform() * total, gold = 0
            while gold < 3 && u > p[gold] { u -= p[gold]; gold += 1 }
            samples.append(Sample(id: "\(i)", faces: [Face(label: names[gold].text)], names: names))
            scores.append([row])
        }
        let fit = try #require(ConfidenceCalibration.fit(samples: samples, scores: scores))
        #expect(abs(fit.temperature - 5) < 0.4, "T \(fit.temperature)")
        #expect(abs(fit.noNameOffset + 1) < 0.2, "b \(fit.noNameOffset)")
    }

    @Test func noLabelsNoFit() {
        let s = Sample(id: "x", faces: [Face()], names: [CandidateName("A"), CandidateName(noName)])
        #expect(ConfidenceCalibration.fit(samples: [s], scores: [[[1, 0]]]) == nil)
    }

    /// Labels carry softmax(s / T + b·[NONAME]) of the chosen text.
    @Test func alignerConfidenceUsesTheCalibration() {
        let s = Sample(id: "x", faces: [Face(label: "A")], names: [CandidateName("A"), CandidateName(noName)])
        var options = InferenceOptions(confidenceTemperature: 2)
        options.confidenceNoNameOffset = -0.5
        let label = Aligner.label(s, scores: [[3, 1]], options: options)[0]
        let expected = exp(1.5) / (exp(1.5) + exp(0.5 - 0.5))
        #expect(label.name == "A" && abs(label.confidence - expected) < 1e-12)
    }
}
