// Corpus statistics, for checking a reader against the published counts (secla-method.md §2.3) and for `secla stats`.

import Foundation

public struct CorpusStats: Codable, Equatable, Sendable {
    public var samples: Int
    public var faces: Int
    /// Metric slots (augmented LFW); 0 when the corpus has none.
    public var slots: Int
    /// Faces whose name is not among the candidates (label NONAME), false detections excluded.
    public var nonameFaces: Int
    /// False detections (augmented LFW's NONAMEWRONG).
    public var nonamewrongFaces: Int
    /// Name-only slots the official metric counts as "NOFACE" (always correct there).
    public var nofaces: Int
    /// Name-only slots of non-persons ("WRONGFACE" in the metric: always wrong in precision).
    public var nofacewrong: Int
    /// Distinct gold identities carried by faces; NONAME, NONAMEWRONG and NOFACE-prefixed ids excluded.
    public var identities: Int
    /// Distinct real candidate-name strings (NONAME / NONAMEWRONG excluded).
    public var distinctNames: Int
    /// Samples of the SECLA-B easy subset, by `EasySubset.rule(for:)`.
    public var easySamples: Int
    /// Number of faces → number of samples.
    public var facesPerSample: [Int: Int]
    /// Candidate-list length (NONAME included) → number of samples.
    public var candidatesPerSample: [Int: Int]

    enum CodingKeys: String, CodingKey {
        case samples, faces, slots, identities
        case nonameFaces = "noname_faces"
        case nonamewrongFaces = "nonamewrong_faces"
        case nofaces, nofacewrong
        case distinctNames = "distinct_names"
        case easySamples = "easy_samples"
        case facesPerSample = "faces_per_sample"
        case candidatesPerSample = "candidates_per_sample"
    }

    public static func compute(_ corpus: Corpus) -> CorpusStats {
        let rule = EasySubset.rule(for: corpus)
        var s = CorpusStats(samples: corpus.samples.count, faces: 0, slots: 0, nonameFaces: 0, nonamewrongFaces: 0, nofaces: 0,
                            nofacewrong: 0, identities: 0, distinctNames: 0, easySamples: 0, facesPerSample: [:], candidatesPerSample: [:])
        var identities = Set<String>(), names = Set<String>()
        for sample in corpus.samples {
            s.faces += sample.faces.count
            s.facesPerSample[sample.faces.count, default: 0] += 1
            s.candidatesPerSample[sample.names.count, default: 0] += 1
            for face in sample.faces {
                if face.wrong { s.nonamewrongFaces += 1 } else if face.label == noName { s.nonameFaces += 1 }
                if let id = face.identity, !face.wrong, id != noName, id != "NONAMEWRONG", !id.hasPrefix("NOFACE") {
                    identities.insert(id)
                }
            }
            for name in sample.names where !name.isNoName { names.insert(name.text) }
            for slot in sample.slots ?? [] {
                s.slots += 1
                if slot.gold == "NOFACE" { s.nofaces += 1 } else if slot.gold == "WRONGFACE" { s.nofacewrong += 1 }
            }
            if EasySubset.isEasy(sample, rule: rule) { s.easySamples += 1 }
        }
        s.identities = identities.count
        s.distinctNames = names.count
        return s
    }

    /// A two-column table for people.
    public var table: String {
        func n(_ v: Int) -> String {
            let digits = String(v)
            var out = ""
            for (i, c) in digits.reversed().enumerated() {
                if i > 0, i % 3 == 0, c != "-" { out.append(",") }
                out.append(c)
            }
            return String(out.reversed())
        }
        func histogram(_ h: [Int: Int]) -> String {
            h.keys.sorted().map { "\($0):\(n(h[$0] ?? 0))" }.joined(separator: " ")
        }
        let rows: [(String, String)] = [
            ("samples", n(samples)),
            ("faces", n(faces)),
            ("slots", n(slots)),
            ("NONAME faces", n(nonameFaces)),
            ("NONAMEWRONG faces", n(nonamewrongFaces)),
            ("NOFACE slots (metric)", n(nofaces)),
            ("NOFACEWRONG slots", n(nofacewrong)),
            ("identities (faces)", n(identities)),
            ("distinct names", n(distinctNames)),
            ("easy samples", n(easySamples)),
            ("faces per sample", histogram(facesPerSample)),
            ("candidates per sample", histogram(candidatesPerSample)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}
