// The SECLA-B "easy" subsets (secla-method.md §7.1, §2.3, §2.4): images whose faces can be named with little doubt,
// used to train stage 1.

public enum EasySubset {
    public enum Rule: String, CaseIterable, Sendable {
        /// Augmented LFW: exactly one face, exactly one distinct real caption name, and the face carries that name
        /// (so no name-only slot and no NONAME face). "One face and one name" alone would also take 229 `rest`
        /// images whose single face is NONAME next to one name-only slot; this rule selects exactly the 3,142 records
        /// of the official `one` file from one ∪ rest.
        case lfw
        /// Celebrity Together (`get_subset_2name_no_noname`): at most two faces, all labelled (no NONAME face).
        case celebTo
    }

    /// The rule matching a corpus: LFW when its samples carry the official metric's slots, CelebTo otherwise.
    public static func rule(for corpus: Corpus) -> Rule {
        corpus.samples.contains { $0.slots != nil } ? .lfw : .celebTo
    }

    public static func isEasy(_ sample: Sample, rule: Rule) -> Bool {
        switch rule {
        case .lfw:
            guard sample.faces.count == 1 else { return false }
            let real = Set(sample.realNames.map(\.text))
            guard real.count == 1, let name = real.first else { return false }
            return sample.faces[0].label == name
        case .celebTo:
            return sample.faces.count <= 2 && sample.faces.allSatisfy { face in
                guard let label = face.label else { return false }
                return label != noName && label != "NONAMEWRONG"
            }
        }
    }

    /// The easy samples; face rows keep pointing into the same feature matrix.
    public static func select(_ corpus: Corpus, rule: Rule? = nil) -> Corpus {
        let rule = rule ?? Self.rule(for: corpus)
        var subset = corpus
        subset.samples = corpus.samples.filter { isEasy($0, rule: rule) }
        subset.source = corpus.source + " (easy subset)"
        return subset
    }
}
