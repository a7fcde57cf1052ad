// SECLA-B's bootstrapping rule (secla-method.md §7.4): which faces of a sample the current model already names with a
// known name. Recomputed at every stage-2 step with the current weights.
//
// For one sample with scores S[f][c] (face f, candidate c):
// 1. known candidates: real candidate names in the known set (the easy subset's names), in caption order;
// 2. with none, or (official shortcut) exactly one face and candidates [x, NONAME]: no match;
// 3. each face's prediction: its arg-max candidate (NONAME included), in faithful mode only if that score is > 0;
// 4. for each known name k: among the faces predicting k, the one with the highest score for k (first occurrence of
//    k among the candidates) is matched to k.
// Faithful mode iterates the known names per occurrence, so a name listed twice can be matched twice (§12 item 19);
// clean mode takes each name once. Clean mode also drops the "score > 0" test: the contrastive losses are invariant
// to adding a constant to every face–name score, so the sign of a score is not identified; measured, a clean model
// ended stage 1 with every score negative and bootstrapped nothing. The NONAME candidate, which takes part in the
// arg-max, is the threshold that means something.

public enum Bootstrap {
    public struct Match: Equatable, Sendable {
        /// Face index within the sample.
        public var face: Int
        /// Candidate index within the sample (first occurrence of the name).
        public var candidate: Int

        public init(face: Int, candidate: Int) {
            self.face = face
            self.candidate = candidate
        }
    }

    public static func match(scores: [[Float]], names: [CandidateName], known: Set<String>, faithful: Bool) -> [Match] {
        let knownCandidates = names.indices.filter { !names[$0].isNoName && known.contains(names[$0].text) }
        if knownCandidates.isEmpty { return [] }
        if faithful, scores.count == 1, names.count == 2, !names[0].isNoName, names[1].text == noName { return [] }

        let predicted: [String?] = scores.map { row in
            guard var best = row.indices.first else { return nil }
            for c in row.indices where row[c] > row[best] { best = c }
            return !faithful || row[best] > 0 ? names[best].text : nil
        }
        var matches = [Match](), seen = Set<String>()
        for c in knownCandidates {
            let text = names[c].text
            if !faithful && !seen.insert(text).inserted { continue }
            let first = names.firstIndex { $0.text == text }!
            let faces = scores.indices.filter { predicted[$0] == text }
            guard var winner = faces.first else { continue }
            for f in faces where scores[f][first] > scores[winner][first] { winner = f }
            if faithful && scores[winner][first] < 0 { continue }  // official check; cannot fire after the > 0 test
            matches.append(Match(face: winner, candidate: first))
        }
        return matches
    }

    /// What stays in the unmatched part: the faces and candidates (NONAME included) of no match, in their order.
    public static func unmatched(faces: Int, names: Int, matches: [Match]) -> (faces: [Int], names: [Int]) {
        let f = Set(matches.map(\.face)), n = Set(matches.map(\.candidate))
        return ((0..<faces).filter { !f.contains($0) }, (0..<names).filter { !n.contains($0) })
    }
}
