// Labelling faces with a trained model (secla-method.md §8).
//
// Every face is scored against its own caption's candidates, s(f, n) = g_F(f) · g_N(n) (+ h(layout(f, n)) for a model
// with the layout term). Decision rules:
// - argmax (official): each face independently takes its highest-scoring candidate, NONAME included (first on ties);
// - hungarian: one-to-one within an image: each real name goes to at most one face, NONAME to any number, maximising
//   the image's total score (`Assignment.assignNames`).
// A NONAME threshold t (optional, both rules) makes NONAME's score max(s(f, NONAME), t): a face gets a real name only
// if that name scores above t. Without a NONAME candidate in the caption, the threshold still yields "NONAME".
//
// Each label carries the runner-up (the best candidate with a different text) and a confidence: the softmax
// probability of the chosen text over the face's distinct candidate texts (each text at its best score).

import Foundation
import NumericCore

public enum AssignmentRule: String, Codable, CaseIterable, Sendable {
    /// Each face independently (official).
    case argmax
    /// One-to-one within an image (Hungarian).
    case hungarian
    /// One-to-one within an image, with appearance from name prototypes pooled over the labelled images and the
    /// model's layout term (`PrototypeRefinement`). Needs the whole labelled set; a single image falls back to
    /// `hungarian`.
    case prototypes
    /// `prototypes`, then the alternation again with a layout prior learned from the images appearance resolves in
    /// that result (`LearnedLayoutPrior`) instead of the model's layout term. Needs the whole labelled set.
    case learnedPrior = "learned-prior"
}

public struct InferenceOptions: Codable, Equatable, Sendable {
    public var rule: AssignmentRule = .argmax
    /// A real name must score above this to beat NONAME.
    public var noNameThreshold: Double?
    /// Label-free NONAME cost: the threshold is this quantile of the labelled faces' best real-candidate scores (a
    /// face whose best name is among the corpus's weakest q of best names stays unnamed). Overrides `noNameThreshold`.
    public var noNameQuantile: Double?
    /// Confidence = softmax(score / T + b·[NONAME]) over a face's distinct candidates (`ConfidenceCalibration`);
    /// nil = T 1, b 0.
    public var confidenceTemperature: Double?
    public var confidenceNoNameOffset: Double?
    /// Names that occur in only one image of the labelled samples get this quantile of the real-name appearance
    /// scores instead of their own (nil: their own); the layout term then decides between them.
    public var singletonQuantile: Double?

    public init(rule: AssignmentRule = .argmax, noNameThreshold: Double? = nil, noNameQuantile: Double? = nil,
                confidenceTemperature: Double? = nil) {
        self.rule = rule
        self.noNameThreshold = noNameThreshold
        self.noNameQuantile = noNameQuantile
        self.confidenceTemperature = confidenceTemperature
    }
}

/// One face's label, as `secla align` writes it.
public struct FaceLabel: Codable, Equatable, Sendable {
    public var box: Box?
    public var name: String
    public var score: Double
    public var runnerUp: String?
    public var runnerUpScore: Double?
    public var confidence: Double
    /// True when a person fixed this face's name (`secla name --fixed`); absent otherwise.
    public var fixed: Bool?

    public init(box: Box?, name: String, score: Double, runnerUp: String?, runnerUpScore: Double?, confidence: Double, fixed: Bool? = nil) {
        self.box = box; self.name = name; self.score = score; self.runnerUp = runnerUp; self.runnerUpScore = runnerUpScore
        self.confidence = confidence; self.fixed = fixed
    }

    enum CodingKeys: String, CodingKey {
        case box, name, score, confidence, fixed
        case runnerUp = "runner_up", runnerUpScore = "runner_up_score"
    }
}

public enum Aligner {
    /// Per sample in `samples`: the score matrix [face][candidate] of its faces against its own candidates.
    /// `singletonQuantile`: see `InferenceOptions.singletonQuantile`. `includeLayout` false: the appearance term
    /// g_F·g_N alone, also for a model with a layout term.
    public static func scores(heads: ProjectionHeads, features: FeatureIndex, samples: [Int], singletonQuantile: Double? = nil,
                              includeLayout: Bool = true) -> [[[Float]]] {
        let g = Graph()
        let nameEmbeddings = g.value(heads.names(g, g.constant(features.names)))  // (U, P), every distinct text once
        var result = [[[Float]]]()
        result.reserveCapacity(samples.count)
        var first = 0
        while first < samples.count {
            // A chunk of samples with at most ~8k faces: one face-head pass each.
            var last = first, faceCount = 0
            while last < samples.count && (faceCount == 0 || faceCount + features.faceRows[samples[last]].count <= 8_192) {
                faceCount += features.faceRows[samples[last]].count
                last += 1
            }
            let chunk = Array(samples[first..<last])
            let rows = chunk.flatMap { features.faceRows[$0] }
            let gf = Graph()
            let u = gf.value(heads.faces(gf, gf.constant(FeatureIndex.gather(features.faces, rows))))  // (chunk faces, P)
            var offset = 0
            for s in chunk {
                let count = features.faceRows[s].count
                result.append(dotScores(u, faces: offset..<(offset + count), nameEmbeddings, names: features.nameRows[s]))
                offset += count
            }
            first = last
        }
        if let q = singletonQuantile { flattenSingletons(&result, features: features, samples: samples, quantile: q) }
        if includeLayout && heads.hasLayout { addLayoutScores(&result, heads: heads, features: features, samples: samples) }
        return result
    }

    /// Replaces the appearance score of every real name that occurs in only one of `samples` by the q-quantile of all
    /// real-name appearance scores. Such a name's embedding has never been pulled towards a face of its own, so its
    /// dot products are noise of the same size as real evidence; a constant lets the layout term decide (as the
    /// Berg baseline's fixed unseen-name score does). Label-free: it only counts names.
    static func flattenSingletons(_ scores: inout [[[Float]]], features: FeatureIndex, samples: [Int], quantile q: Double) {
        let noNameRow = features.nameTexts.firstIndex(of: noName)
        var count = [Int: Int]()
        for s in samples { for row in Set(features.nameRows[s]) where row != noNameRow { count[row, default: 0] += 1 } }
        var real = [Float]()
        for (i, s) in samples.enumerated() {
            for row in scores[i] { for (c, r) in features.nameRows[s].enumerated() where r != noNameRow { real.append(row[c]) } }
        }
        guard !real.isEmpty else { return }
        real.sort()
        guard let constant = Statistics.quantile(sorted: real, q) else { return }
        for (i, s) in samples.enumerated() {
            for (c, r) in features.nameRows[s].enumerated() where r != noNameRow && count[r] == 1 {
                for f in scores[i].indices { scores[i][f][c] = constant }
            }
        }
    }

    /// Adds h(layout(f, n)) to every sample's [face][candidate] scores; one pass of h over all pairs.
    static func addLayoutScores(_ scores: inout [[[Float]]], heads: ProjectionHeads, features: FeatureIndex, samples: [Int]) {
        let k = LayoutFeatures.count
        let pairs = samples.reduce(0) { $0 + features.faceLayouts[$1].count * features.nameLayouts[$1].count }
        guard pairs > 0 else { return }
        let x = Tensor(zeros: [pairs, k])  // (pairs, k)
        var cell = 0
        for s in samples {
            let block = LayoutFeatures.matrix(faces: features.faceLayouts[s], names: features.nameLayouts[s])  // (faces·names, k)
            (x.pointer + cell * k).update(from: block, count: block.count)
            cell += block.count / k
        }
        let g = Graph()
        let h = g.value(heads.layoutScores(g, g.constant(x)))  // (pairs, 1)
        cell = 0
        for i in samples.indices {
            for f in scores[i].indices {
                for c in scores[i][f].indices { scores[i][f][c] += h.pointer[cell]; cell += 1 }
            }
        }
    }

    /// [face][name]: ⟨u_f, v_n⟩ for the rows `faces` of u (R, P) and `names` of v (R', P).
    static func dotScores(_ u: Tensor, faces: Range<Int>, _ v: Tensor, names: [Int]) -> [[Float]] {
        let P = u.shape[1]
        return faces.map { f in
            let uf = u.pointer + f * P
            return names.map { n in
                let vn = v.pointer + n * P
                var dot: Float = 0
                for k in 0..<P { dot += uf[k] * vn[k] }
                return dot
            }
        }
    }

    /// Labels for the faces of one sample from its score matrix.
    public static func label(_ sample: Sample, scores: [[Float]], options: InferenceOptions = .init()) -> [FaceLabel] {
        let names = sample.names
        let noNameColumns = names.indices.filter { names[$0].isNoName }
        let threshold = options.noNameThreshold
        // Effective score of each candidate: NONAME columns raised to the threshold.
        func effective(_ row: [Float], _ c: Int) -> Double {
            let s = Double(row[c])
            if let t = threshold, names[c].isNoName { return max(s, t) }
            return s
        }
        var choice: [Int?]  // candidate index per face; nil = the threshold's NONAME without a NONAME candidate
        switch options.rule {
        case .argmax:
            choice = scores.map { row in
                var best = 0
                for c in names.indices where effective(row, c) > effective(row, best) { best = c }
                if let t = threshold, !names[best].isNoName, effective(row, best) <= t { return noNameColumns.first }
                return best
            }
        case .hungarian, .prototypes, .learnedPrior:
            // Candidates by distinct text (duplicates score alike); one virtual NONAME when the caption has none but a
            // threshold is set.
            var columns = [Int](), seen = Set<String>()
            for c in names.indices where seen.insert(names[c].featureText).inserted { columns.append(c) }
            let virtualNoName = threshold != nil && noNameColumns.isEmpty
            let matrix = scores.map { row in
                columns.map { effective(row, $0) } + (virtualNoName ? [threshold!] : [])
            }
            let isNoName = columns.map { names[$0].isNoName } + (virtualNoName ? [true] : [])
            choice = Assignment.assignNames(scores: matrix, isNoName: isNoName).map { k in
                k >= 0 && k < columns.count ? columns[k] : nil
            }
        }
        return faceLabels(sample, scores: scores, choice: choice, options: options)
    }

    /// Labels for the faces of one sample with the chosen candidate index per face (nil: NONAME without a NONAME
    /// candidate; its score is the threshold, or 0).
    static func faceLabels(_ sample: Sample, scores: [[Float]], choice: [Int?], options: InferenceOptions) -> [FaceLabel] {
        let names = sample.names, threshold = options.noNameThreshold
        let calibration = ConfidenceCalibration(temperature: options.confidenceTemperature ?? 1,
                                                noNameOffset: options.confidenceNoNameOffset ?? 0)
        return zip(sample.faces, zip(scores, choice)).map { face, pair in
            let (row, chosen) = pair
            let name = chosen.map { names[$0].text } ?? noName
            let score = chosen.map { Double(row[$0]) } ?? (threshold ?? 0)
            // Candidates merged by text (best score each), for the runner-up and the confidence.
            let merged = ConfidenceCalibration.candidates(names, scores: row)
            let runnerUp = merged.filter { $0.text != name }.max { $0.score < $1.score }
            let p = calibration.probabilities(merged)
            let confidence = merged.firstIndex { $0.text == name }.map { p[$0] } ?? 0
            return FaceLabel(box: face.box, name: name, score: score, runnerUp: runnerUp?.text, runnerUpScore: runnerUp?.score,
                             confidence: confidence)
        }
    }

    /// Labels every sample in `samples` (corpus indices).
    /// With the `prototypes` rule the names come from `PrototypeRefinement` over `samples` (the NONAME threshold and
    /// quantile do not apply to it); scores, runner-ups and confidences are the model's own, as with the other rules.
    /// With `learnedPrior` the names, scores, runner-ups and confidences are the learned prior's
    /// (`LearnedLayoutPrior.labels`: cosine plus λ·log-odds, confidence at the prior's own temperature), because the
    /// names come from its alternation and the model's scores would contradict them (on lfw-structure seed 101 the
    /// model's confidence put 3,478 faces below 0.5 that were 70% right); the model's calibration does not apply.
    /// Throws only for `prototypes` and `learnedPrior` when the corpus has no usable face descriptors.
    public static func label(corpus: Corpus, heads: ProjectionHeads, features: FeatureIndex, samples: [Int],
                             options: InferenceOptions = .init()) throws -> [[FaceLabel]] {
        var options = options
        if options.rule == .prototypes || options.rule == .learnedPrior {
            let refined = try PrototypeRefinement(learnedPriorRefits: options.rule == .learnedPrior ? 1 : 0).predict(corpus: corpus, heads: heads, features: features, samples: samples)
            if let prior = refined.prior {
                var subset = corpus
                subset.samples = samples.map { corpus.samples[$0] }
                return try prior.labels(corpus: subset, predictions: refined.predictions)
            }
            let all = scores(heads: heads, features: features, samples: samples, singletonQuantile: options.singletonQuantile)
            return zip(samples, zip(all, refined.predictions)).map { s, pair in
                let sample = corpus.samples[s]
                // "NONAME" without a candidate of that exact text (e.g. only "NONAMEWRONG") stays "NONAME".
                let choice: [Int?] = pair.1.map { name in sample.names.firstIndex { $0.text == name } }
                return faceLabels(sample, scores: pair.0, choice: choice, options: options)
            }
        }
        let all = scores(heads: heads, features: features, samples: samples, singletonQuantile: options.singletonQuantile)
        if let q = options.noNameQuantile {
            options.noNameThreshold = noNameCost(quantile: q, scores: all, samples: samples.map { corpus.samples[$0] })
        }
        return zip(samples, all).map { label(corpus.samples[$0], scores: $1, options: options) }
    }

    /// The q-quantile of every face's best real-candidate score (faces with at least one real candidate); nil when
    /// there are none. Needs no label: it only looks at the score distribution of the corpus being labelled.
    public static func noNameCost(quantile q: Double, scores: [[[Float]]], samples: [Sample]) -> Double? {
        var best = [Double]()
        for (sample, matrix) in zip(samples, scores) {
            let real = sample.names.indices.filter { !sample.names[$0].isNoName }
            guard !real.isEmpty else { continue }
            for row in matrix { best.append(real.map { Double(row[$0]) }.max()!) }
        }
        guard !best.isEmpty else { return nil }
        best.sort()
        return Statistics.quantile(sorted: best, q)
    }
}
