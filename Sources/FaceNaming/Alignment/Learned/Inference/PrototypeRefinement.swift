// Prototype refinement (`--assignment prototypes`): label with a trained layout-aware model's learned layout term,
// but take appearance evidence from prototypes pooled over every image of a name, as the Berg-style alternation does.
//
// Why: a SECLA model scores appearance with g_F(f)·g_N(n), where a name's embedding is a function of its text. Some
// ten thousand caption names share one small projection, so a name seen in a handful of images is matched only as
// well as that projection allows (on lfw-structure, SECLA's faces-only accuracy without layout is 4–5 points below
// the Berg-style alternation's). The alternation (`PrototypeAlternation`) keeps one leave-one-out prototype per name over
// the faces currently assigned to it instead. Refinement keeps what the model learned from image–caption pairs that
// the alternation lacks, the layout term h, and hands appearance to the alternation: per image, faces are assigned
// one-to-one (each real name at most one face, NONAME any number) maximising
//     cos(f, prototype(n) without f) + h(layout(f, n)) / κ      (NONAME: the alternation's cost + h(layout(f, NONAME)) / κ)
// and prototypes are re-estimated until no face changes name.
//
// κ converts h from the model's score units into cosine units without labels: the spread (standard deviation) of the
// model's appearance scores g_F·g_N over all (face, real candidate) pairs divided by the spread of the
// alternation's initial leave-one-out cosines over the same kind of pairs.

import Foundation
import NumericCore

public struct PrototypeRefinement: Sendable {
    /// h / κ is added to the cosine scores; nil = the label-free κ (`labelFreeScale`).
    public var scale: Double?
    /// The alternation (its NONAME cost, unseen-name score and number of rounds); its own layout prior is not used.
    public var alternation = PrototypeAlternation()

    /// After the alternation, fit a `LearnedLayoutPrior` on its labels and run the alternation again with it this many
    /// times (0: prototype refinement alone; `AssignmentRule.learnedPrior` uses 1).
    public var learnedPriorRefits = 0

    public init(scale: Double? = nil, learnedPriorRefits: Int = 0) { self.scale = scale; self.learnedPriorRefits = learnedPriorRefits }

    /// Per sample in `samples`, [face][candidate]: h(layout(f, c)) alone (all zero for a model without layout).
    public static func layoutScores(heads: ProjectionHeads, features: FeatureIndex, samples: [Int]) -> [[[Float]]] {
        var result = samples.map { s in
            [[Float]](repeating: [Float](repeating: 0, count: features.nameLayouts[s].count), count: features.faceLayouts[s].count)
        }
        if heads.hasLayout { Aligner.addLayoutScores(&result, heads: heads, features: features, samples: samples) }
        return result
    }

    /// κ = spread of the model's appearance scores over (face, real candidate) pairs / spread of the alternation's
    /// initial leave-one-out cosines. `appearance`: per sample of `corpus`, [face][candidate]. 1 when either spread is
    /// undefined or zero.
    public static func labelFreeScale(appearance: [[[Float]]], corpus: Corpus) throws -> Double {
        var model = [Double]()
        for (sample, matrix) in zip(corpus.samples, appearance) {
            for row in matrix {
                for (c, name) in sample.names.enumerated() where !name.isNoName { model.append(Double(row[c])) }
            }
        }
        guard let a = Statistics.sampleStandardDeviation(model),
              let b = Statistics.sampleStandardDeviation(try PrototypeAlternation.initialScores(corpus)), a > 0, b > 0 else { return 1 }
        return a / b
    }

    /// Per sample in `samples` (corpus indices; the prototypes pool these samples only), per face, the chosen
    /// candidate text ("NONAME" for an unnamed face); the κ used; and with `learnedPriorRefits` > 0, the last learned
    /// prior (nil when none could be fitted: the labels are then the refinement's).
    public func predict(corpus whole: Corpus, heads: ProjectionHeads, features: FeatureIndex, samples: [Int]) throws
        -> (predictions: [[String]], scale: Double, prior: LearnedLayoutPrior?) {
        var corpus = whole
        corpus.samples = samples.map { whole.samples[$0] }
        let h = Self.layoutScores(heads: heads, features: features, samples: samples)
        let kappa: Double
        if let scale { kappa = scale } else {
            let appearance = Aligner.scores(heads: heads, features: features, samples: samples, includeLayout: false)
            kappa = try Self.labelFreeScale(appearance: appearance, corpus: corpus)
        }
        var berg = alternation
        berg.layout = nil
        berg.pairBonuses = h.map { $0.map { $0.map { Double($0) / kappa } } }
        let predictions = try berg.predict(corpus).predictions
        guard learnedPriorRefits > 0 else { return (predictions, kappa, nil) }
        let refined = try LearnedLayoutPrior.refine(corpus: corpus, start: predictions, alternation: alternation, refits: learnedPriorRefits)
        return (refined.predictions, kappa, refined.prior)
    }
}
