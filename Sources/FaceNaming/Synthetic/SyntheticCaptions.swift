// Caption text for a corpus that has only name lists, so the caption-cue layout features ("(L)", ", right,") can be
// exercised end to end: `secla synth … --caption-cues p`, `secla bench --generate … --caption-cues p`.
//
// The share of real news captions that place people with such cues is not known to us (augmented LFW ships names,
// not captions), so `cueShare` is a knob, not a measured statistic: it tests whether a method picks cues up without
// labels, not how much they are worth on real news.

import Foundation
import NumericCore

public enum SyntheticCaptions {
    /// Gives every sample a caption listing its real candidate names in mention order ("A (L), B and C at the
    /// event."). In a share `cueShare` of the images with at least two pictured caption names (faces whose gold
    /// label is a real candidate), the caption places those people as a caption writer would: left-to-right among
    /// the pictured named people (not among all detections: bystanders are not in the writer's order), the leftmost
    /// "left", the rightmost "right", the others "centre"; each pictured name gets its cue with probability 0.8, at
    /// least one does; the style is "(L)" in 60 % of such captions and ", left," otherwise. Candidates (with their
    /// mention ranks), faces and descriptors are unchanged; draws come from their own stream, so the corpus is
    /// otherwise identical to the one without captions. (A sample with a real name lacking a mention rank gets ranks
    /// from the caption's order in `LayoutFeatures.names` once it has a caption: 405 of augmented LFW's images.)
    public static func write(_ corpus: inout Corpus, cueShare: Double, seed: UInt64) {
        var rng = SeededRandom(seed: seed ^ 0xCA97_1011)
        for i in corpus.samples.indices {
            corpus.samples[i].caption = caption(for: corpus.samples[i], cueShare: cueShare, rng: &rng)
        }
        corpus.source += String(format: " (captions, cues in %.0f%% of multi-person images)", 100 * cueShare)
    }

    static func caption(for sample: Sample, cueShare: Double, rng: inout SeededRandom) -> String {
        // Distinct real names in mention order (unranked ones after, in candidate order).
        var texts = [String](), seen = Set<String>()
        for c in sample.names where !c.isNoName && seen.insert(c.text).inserted { texts.append(c.text) }
        let mention = Dictionary(sample.names.compactMap { c in c.mention.map { (c.text, $0) } }, uniquingKeysWith: min)
        texts = texts.enumerated().sorted { a, b in
            let ma = mention[a.element] ?? Int.max, mb = mention[b.element] ?? Int.max
            return ma != mb ? ma < mb : a.offset < b.offset
        }.map(\.element)

        // Pictured caption names, left to right by box centre.
        let pictured = sample.faces.compactMap { face -> (text: String, x: Double)? in
            guard !face.wrong, let label = face.label, seen.contains(label), let box = face.box else { return nil }
            return (label, (box.x1 + box.x2) / 2)
        }.sorted { $0.x < $1.x }
        var cues = [String: PositionCue]()
        if pictured.count >= 2, rng.uniform() < cueShare {
            for (k, p) in pictured.enumerated() {
                cues[p.text] = k == 0 ? .left : k == pictured.count - 1 ? .right : .centre
            }
            let keep = pictured.map { _ in rng.uniform() < 0.8 }
            let forced = rng.int(below: pictured.count)
            for (k, p) in pictured.enumerated() where !keep[k] && k != forced { cues[p.text] = nil }
        }
        let parenthesised = rng.uniform() < 0.6

        let phrases = texts.map { text -> String in
            guard let cue = cues[text] else { return text }
            switch (cue, parenthesised) {
            case (.left, true): return text + " (L)"
            case (.right, true): return text + " (R)"
            case (.centre, true): return text + " (C)"
            case (.left, false): return text + ", left,"
            case (.right, false): return text + ", right,"
            case (.centre, false): return text + ", centre,"
            }
        }
        let list: String
        switch phrases.count {
        case 0: list = "People"
        case 1: list = phrases[0]
        default:
            // "A (L), B (R) and C"; a word cue brings its own comma: "A, left, B, right, and C".
            list = phrases.dropLast().enumerated().map { k, p in
                k == phrases.count - 2 ? p : p + (p.hasSuffix(",") ? " " : ", ")
            }.joined() + " and " + phrases.last!
        }
        // "A, left, and B, right, at …": a word cue's trailing comma before "and" reads naturally; drop a doubled one.
        return (list + " at the event.").replacingOccurrences(of: ", at the", with: " at the")
    }
}
