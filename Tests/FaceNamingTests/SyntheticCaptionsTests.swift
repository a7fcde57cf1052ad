import FaceNaming
import Foundation
import NumericCore
import Testing

/// Synthetic captions exist to exercise the caption-cue features end to end, so the writer and the cue parser must
/// agree, the rest of the corpus must not move, and a label-free method must be able to use the cues.
@Suite struct SyntheticCaptionsTests {
    /// Position of each pictured caption name among the pictured caption names, left to right (computed here from
    /// boxes and gold labels, independently of the writer).
    static func expectedCues(_ sample: Sample) -> [String: PositionCue] {
        let real = Set(sample.realNames.map(\.text))
        let pictured = sample.faces.compactMap { f -> (String, Double)? in
            guard !f.wrong, let l = f.label, real.contains(l), let b = f.box else { return nil }
            return (l, (b.x1 + b.x2) / 2)
        }.sorted { $0.1 < $1.1 }
        guard pictured.count >= 2 else { return [:] }
        var out = [String: PositionCue]()
        for (k, p) in pictured.enumerated() { out[p.0] = k == 0 ? .left : k == pictured.count - 1 ? .right : .centre }
        return out
    }

    @Test func parsedCuesAreTheWritersAndOnlyInMultiPersonImages() {
        var corpus = LFWLikeGenerator.generate(seed: 4, scale: 0.05, dimension: 8)
        SyntheticCaptions.write(&corpus, cueShare: 1, seed: 4)
        var cued = 0, multiPerson = 0
        for sample in corpus.samples {
            let caption = try! #require(sample.caption)
            let expected = Self.expectedCues(sample)
            var found = 0
            for name in sample.realNames {
                // Every real name is in its caption, whole.
                #expect(caption.contains(name.text), "\(name.text) missing from \(caption)")
                guard let cue = LayoutFeatures.cue(for: name.text, in: caption) else { continue }
                found += 1
                #expect(cue == expected[name.text], "\(name.text) in \(caption)")
            }
            if !expected.isEmpty { multiPerson += 1; cued += found > 0 ? 1 : 0 }
        }
        #expect(multiPerson > 50)
        #expect(cued == multiPerson)  // share 1: every multi-person caption places at least one person
    }

    @Test func shareZeroWritesCaptionsWithoutCuesAndMovesNothingElse() {
        let plain = LFWLikeGenerator.generate(seed: 2, scale: 0.03, dimension: 8)
        var captioned = plain, cued = plain
        SyntheticCaptions.write(&captioned, cueShare: 0, seed: 2)
        SyntheticCaptions.write(&cued, cueShare: 0.5, seed: 2)
        for c in [captioned, cued] {
            for (a, b) in zip(plain.samples, c.samples) {
                #expect(a.faces == b.faces && a.names == b.names && a.slots == b.slots)
                // Mention ranks come from the candidates' own ranks, not from the new caption text.
                #expect(LayoutFeatures.names(of: a).map(\.mentionRank) == LayoutFeatures.names(of: b).map(\.mentionRank))
            }
        }
        #expect(captioned.samples.allSatisfy { s in s.realNames.allSatisfy { LayoutFeatures.cue(for: $0.text, in: s.caption!) == nil } })
        let share = Double(cued.samples.filter { s in s.realNames.contains { LayoutFeatures.cue(for: $0.text, in: s.caption!) != nil } }.count)
            / Double(cued.samples.filter { !Self.expectedCues($0).isEmpty }.count)
        #expect(share > 0.35 && share < 0.65, "share of multi-person captions with a cue: \(share)")
        // Same seed, same captions.
        var again = plain
        SyntheticCaptions.write(&again, cueShare: 0.5, seed: 2)
        #expect(again.samples.map(\.caption) == cued.samples.map(\.caption))
    }

    @Test func learnedPriorPicksUpTheCuesWithoutLabels() throws {
        var corpus = LFWLikeGenerator.generate(seed: 3, scale: 0.2, dimension: 64)
        let without = try LearnedLayoutPrior.bergLearned(corpus)
        SyntheticCaptions.write(&corpus, cueShare: 1, seed: 3)
        let with = try LearnedLayoutPrior.bergLearned(corpus)
        let prior = try #require(with.prior)
        let matches = LayoutFeatures.names.firstIndex(of: "cue matches position")!
        let contradicts = LayoutFeatures.names.firstIndex(of: "cue contradicts position")!
        #expect(prior.weights[matches] > prior.weights[contradicts] + 1, "weights \(prior.weights[matches]) \(prior.weights[contradicts])")
        func faceAccuracy(_ p: [[String]]) -> Double {
            var right = 0, total = 0
            for (s, labels) in zip(corpus.samples, p) {
                for (f, l) in zip(s.faces, labels) where !f.wrong { total += 1; right += f.label == l ? 1 : 0 }
            }
            return Double(right) / Double(total)
        }
        #expect(faceAccuracy(with.predictions) > faceAccuracy(without.predictions) + 0.005,
                "\(faceAccuracy(with.predictions)) vs \(faceAccuracy(without.predictions))")
    }
}
