// Learned layout prior: a layout model fitted without labels on the images that appearance already resolves, used by
// the prototype alternation (`PrototypeAlternation`) for the images it does not.
//
// Why: in news data a face whose name occurs in other images is decided by appearance (on lfw-structure the
// leave-one-out cosine to the name's prototype is ≈ 0.8 for the right face and ≈ 0 for the others), while a name or a
// face seen nowhere else can only be decided by layout. The hand prior (`PrototypeAlternation.LayoutPrior`) scores layout
// with one distance between size rank and mention rank and leaves "nobody" vs "a name seen nowhere else" to two fixed
// quantiles of the score distribution. Here the layout model is learned from the resolved images instead:
//
//   P(candidate c | face f) ∝ exp(w · φ(f, c))     over the face's distinct real names and NONAME,
//
// fitted by maximum likelihood (small L2; `ConditionalLogit`) on the faces of images where appearance alone gives the
// assignment: every real candidate has a prototype of other faces, and for every face exactly its assigned name
// (none, for a NONAME face) has a leave-one-out cosine above τ. τ is Otsu's threshold of the assignment's
// leave-one-out cosines (the two modes of right and wrong pairs); no label is read.
// Then the alternation runs with
//   score(f, n)      = cos(f, prototype(n) without f)  (τ for a name with no other face)  + λ · ℓ(f, n)
//   score(f, NONAME) = τ                                                                  + λ · ℓ(f, NONAME)
// where ℓ is w·φ centred over the face's candidates. A name seen nowhere else and NONAME get the same appearance
// score, τ: neither has evidence, so the learned layout alone decides between them, and τ sits between the two
// appearance modes, so a clear match (or mismatch) still wins over layout. λ = 0.1 cosine per unit of log-odds:
// chosen on lfw-structure seed 101 (0.05 and 0.1 within 0.0004 F1 of each other, 0.2 a point worse as layout starts
// overriding appearance); never on the evaluation seeds.
//
// φ (`features`, 30 values): the 16 `LayoutFeatures` of the learned layout term, plus indicators the linear model
// cannot build from them: a real name's mention rank (0, 1, 2, ≥ 3), mention rank beyond the number of faces, face
// larger than its name's rank, and for NONAME the face's size rank (0, 1, 2, ≥ 3), the caption's number of real names
// (1, 2, ≥ 3) and a one-face image.
//
// The assignment the prior is fitted on comes from elsewhere: the Berg-style alternation with the hand prior
// (`BenchMethod.bergLearned`), or a trained model's prototype refinement (`AssignmentRule.learnedPrior`). `refits`
// repeats fit → alternation on the alternation's own result.

import Foundation
import NumericCore

public struct LearnedLayoutPrior: Codable, Sendable, Equatable {
    /// w, one weight per feature of `features`.
    public var weights: [Double]
    /// τ: the appearance threshold (Otsu) used to select resolved images, and the score of unseen names and NONAME.
    public var threshold: Double
    /// Images and faces the prior was fitted on.
    public var resolvedImages: Int
    public var resolvedFaces: Int
    /// When set, the alternation and the labels score appearance as this log-likelihood ratio and the layout in
    /// log-odds (scale 1), with NONAME and unseen names at 0 (`AppearanceEvidence`).
    public var appearance: AppearanceEvidence?

    public init(weights: [Double], threshold: Double, resolvedImages: Int = 0, resolvedFaces: Int = 0) {
        self.weights = weights; self.threshold = threshold; self.resolvedImages = resolvedImages; self.resolvedFaces = resolvedFaces
    }

    /// Cosine units per unit of log-odds (see the header comment).
    public static let defaultScale = 0.1
    /// Temperature of the per-face confidence, in cosine units: chosen on lfw-structure seed 101 by the calibration
    /// error of its reliability table (bucket-weighted |accuracy − mean confidence|: 0.055 at T = 0.1 = λ, 0.029 at
    /// 0.125, 0.009 at 0.15, 0.029 at 0.175, 0.051 at 0.2).
    public static let defaultConfidenceTemperature = 0.15
    /// Temperature of the confidence in evidence units (log-odds; `appearance` set). T = 1 would read the summed
    /// log-odds as exact probabilities, which is overconfident: the layout log-odds come from images appearance
    /// resolved and are surer than they should be where layout decides alone. Chosen on the real development half
    /// (the evidence method; accuracy of the faces at confidence ≥ 0.9 and their share): T = 1 94.0% of 82.6%,
    /// 1.5 95.0% of 75.3%, 2 97.2% of 56.4%, 3 98.2% of 48.7%; T = 2 is the smallest with a margin over 95%.
    public static let evidenceConfidenceTemperature = 2.0
    /// Explaining away in evidence mode (`PrototypeAlternation.shadowCosine`): prototypes at cosine above 0.7 are one person.
    /// On the real development half 0.5–0.7 give the same labels (F1 0.8858, faces 0.8952), 0.8 0.8855, off 0.8840.
    public static let evidenceShadowCosine = 0.7
    /// L2 weight of the fit, relative to the mean negative log-likelihood per face.
    public static let ridge = 1e-3

    public static let featureCount = LayoutFeatures.count + 16
    /// The fewest resolved faces `secla name` trusts a prior fitted on: two per weight. Fewer fit noise: on the five
    /// demo photos a prior fitted on three faces made a coin toss between two unseen names look 96% sure.
    public static let minimumResolvedFaces = 2 * featureCount

    /// The name of each feature of `features`, in vector order: the 16 `LayoutFeatures.names`, then the indicators.
    public static let featureNames = LayoutFeatures.names + [
        "mention rank 0", "mention rank 1", "mention rank 2", "mention rank ≥ 3",
        "noname & size rank 0", "noname & size rank 1", "noname & size rank 2", "noname & size rank ≥ 3",
        "noname & 1 name", "noname & 2 names", "noname & ≥ 3 names", "noname & one face",
        "mention rank ≥ faces", "face larger than its name's rank",
        "mentioned again", "mentioned most",
    ]

    /// The `count` weights of largest magnitude with their feature names, largest first: what the corpus's layout
    /// convention turned out to be (log-odds per unit of feature).
    public func strongestWeights(_ count: Int) -> [(feature: String, weight: Double)] {
        zip(Self.featureNames, weights).sorted { abs($0.1) > abs($1.1) }.prefix(count).map { ($0.0, $0.1) }
    }

    /// φ(f, c) for every candidate of `sample`: [face][candidate][feature], candidates in `sample.names` order.
    public static func features(of sample: Sample) -> [[[Double]]] {
        let faces = LayoutFeatures.faces(of: sample), names = LayoutFeatures.names(of: sample)
        // Mention counts (caption salience), when the corpus has them: "mentioned again" and the caption's most
        // mentioned name when it was mentioned more than once and more than every other name.
        let counts = sample.names.map { $0.isNoName ? 0 : ($0.mentions ?? 0) }
        let top = counts.max() ?? 0
        let topUnique = top >= 2 && Set(zip(sample.names, counts).filter { $0.1 == top }.map { $0.0.text }).count == 1
        var base = [Float](repeating: 0, count: LayoutFeatures.count)
        let k = LayoutFeatures.count
        return faces.map { f in
            names.enumerated().map { c, n in
                base.withUnsafeMutableBufferPointer { LayoutFeatures.pair(f, n, into: $0.baseAddress!) }
                var v = base.map(Double.init) + [Double](repeating: 0, count: featureCount - k)
                if n.isNoName {
                    if f.hasBox { v[k + 4 + min(f.sizeRank, 3)] = 1 }
                    if n.nameCount > 0 { v[k + 8 + min(n.nameCount - 1, 2)] = 1 }
                    v[k + 11] = f.faceCount == 1 ? 1 : 0
                } else if let m = n.mentionRank {
                    v[k + min(m, 3)] = 1
                    v[k + 12] = m >= f.faceCount ? 1 : 0
                    v[k + 13] = f.hasBox && f.sizeRank < m ? 1 : 0
                }
                if !n.isNoName, c < counts.count {
                    v[k + 14] = counts[c] >= 2 ? 1 : 0
                    v[k + 15] = topUnique && counts[c] == top ? 1 : 0
                }
                return v
            }
        }
    }

    /// ℓ(f, c) = λ · (w·φ(f, c) − its mean over the face's distinct candidates), per sample, face and candidate
    /// (`sample.names` order; a repeated text and every NONAME-like candidate share their value): the per-pair
    /// bonuses of `PrototypeAlternation.pairBonuses`.
    public func bonuses(_ corpus: Corpus, scale: Double = LearnedLayoutPrior.defaultScale) -> [[[Double]]] {
        corpus.samples.map { sample in
            let columns = PrototypeAlternation.scoreColumns(of: sample)
            return Self.features(of: sample).map { row in
                let logits = columns.map { c in zip(weights, row[c.candidate]).reduce(0) { $0 + $1.0 * $1.1 } }
                let mean = logits.isEmpty ? 0 : logits.reduce(0, +) / Double(logits.count)
                return sample.names.map { name in
                    let c = columns.firstIndex { name.isNoName ? $0.text == nil : $0.text == name.text }
                    return c.map { scale * (logits[$0] - mean) } ?? 0
                }
            }
        }
    }

    /// Fits the prior on `corpus` labelled with `assignment` (per sample, per face: a candidate text, or "NONAME").
    /// Throws `DataError` when the corpus has no usable face descriptors; nil when no image is resolved or the
    /// cosines have no two modes.
    public static func fit(corpus: Corpus, assignment: [[String]]) throws -> LearnedLayoutPrior? {
        fit(corpus: corpus, prepared: try PrototypeAlternation.Prepared(corpus), assignment: assignment)
    }

    static func fit(corpus: Corpus, prepared data: PrototypeAlternation.Prepared, assignment: [[String]]) -> LearnedLayoutPrior? {
        let assigned = Self.assignedIDs(data, assignment)
        let cosines = Self.leaveOneOutCosines(data, assigned)
        guard let tau = Statistics.otsuThreshold(sorted: cosines.flatMap { $0.flatMap { $0.compactMap { $0 } } }.sorted()) else {
            return nil
        }

        // The resolved faces: per face its candidates' features (distinct columns) and the assigned column.
        var examples = [(features: [[Double]], target: Int)]()
        var images = 0
        for (s, sample) in corpus.samples.enumerated() where !data.faceIndices[s].isEmpty {
            let columns = PrototypeAlternation.scoreColumns(of: sample)
            var targets = [Int]()
            for (j, f) in data.faceIndices[s].enumerated() {
                let row = cosines[s][j]
                guard row.allSatisfy({ $0 != nil }) else { break }
                let above = data.names[s].indices.filter { row[$0]! > tau }.map { data.names[s][$0] }
                guard above == (assigned[f] >= 0 ? [assigned[f]] : []) else { break }
                let wanted: String? = assigned[f] >= 0 ? data.nameTexts[assigned[f]] : nil
                guard let target = columns.firstIndex(where: { $0.text == wanted }) else { break }
                targets.append(target)
            }
            guard targets.count == data.faceIndices[s].count else { continue }  // not resolved
            let phi = Self.features(of: sample)
            images += 1
            for (j, target) in targets.enumerated() { examples.append((columns.map { phi[j][$0.candidate] }, target)) }
        }
        guard !examples.isEmpty else { return nil }
        let w = ConditionalLogit.fit(examples.map { ConditionalLogit.Choice(options: $0.features, chosen: $0.target) },
                                     featureCount: featureCount, ridge: ridge)
        return LearnedLayoutPrior(weights: w, threshold: tau, resolvedImages: images, resolvedFaces: examples.count)
    }

    /// assigned[f]: the name id of face f (in `data` order) under `assignment`, or -1 (NONAME, or a text that is not
    /// among the face's candidates).
    static func assignedIDs(_ data: PrototypeAlternation.Prepared, _ assignment: [[String]]) -> [Int] {
        let index = Dictionary(uniqueKeysWithValues: data.nameTexts.enumerated().map { ($1, $0) })
        var assigned = [Int](repeating: -1, count: data.faceCount)
        for (s, faces) in data.faceIndices.enumerated() where s < assignment.count {
            for (j, f) in faces.enumerated() where j < assignment[s].count {
                if let id = index[assignment[s][j]], data.names[s].contains(id) { assigned[f] = id }
            }
        }
        return assigned
    }

    /// [sample][face][k]: the leave-one-out cosine of each face to the prototype of its caption's k-th distinct real
    /// name under `assigned`; nil when the name has no other face.
    /// With `aliases` (`Prepared.aliases()`), a name without other faces gets its best alias cosine when that
    /// exceeds `floor` (`PrototypeAlternation.aliasPrototypes`).
    static func leaveOneOutCosines(_ data: PrototypeAlternation.Prepared, _ assigned: [Int], aliases: [[Int]]? = nil,
                                   floor: Double = -.infinity) -> [[[Double?]]] {
        let (sums, counts, norms) = data.model(of: assigned)
        return data.faceIndices.enumerated().map { s, faces in
            faces.map { f in
                data.names[s].map { n in
                    if let c = data.leaveOneOutCosine(face: f, name: n, included: assigned[f] == n, sums: sums, counts: counts, squaredNorms: norms) {
                        return c
                    }
                    guard let aliases,
                          let a = data.aliasCosine(face: f, name: n, caption: data.names[s], aliases: aliases, included: { assigned[f] == $0 },
                                                   sums: sums, counts: counts, squaredNorms: norms), a > floor else { return nil }
                    return a
                }
            }
        }
    }

    /// Each face of `predictions` (this prior's alternation result) as a `FaceLabel`: its score is the alternation's
    /// final one (leave-one-out cosine, or τ for a name with no other face and for NONAME, plus λ·ℓ), with the
    /// runner-up and a confidence softmax(score / T) over the face's distinct candidates, T = `temperature` ??
    /// `defaultConfidenceTemperature`. Divided by λ the scores are in the prior's log-odds units, so T = λ would be the
    /// probability of the choice under the prior with appearance counted as cos/λ nats; that is overconfident (faces
    /// at 0.92 right 79% of the time on seed 101), hence the calibrated default of 1.5 λ. A face left unnamed in a
    /// caption without a NONAME candidate competes with the names at τ.
    public func labels(corpus: Corpus, predictions: [[String]], scale: Double = LearnedLayoutPrior.defaultScale,
                       temperature: Double? = nil, aliases: Bool = false) throws -> [[FaceLabel]] {
        let data = try PrototypeAlternation.Prepared(corpus)
        let assigned = Self.assignedIDs(data, predictions)
        var cosines = Self.leaveOneOutCosines(data, assigned, aliases: aliases ? data.aliases() : nil, floor: threshold)
        let scale = appearance == nil ? scale : 1
        let bonuses = self.bonuses(corpus, scale: scale)
        let t = temperature ?? (appearance == nil ? Self.defaultConfidenceTemperature : Self.evidenceConfidenceTemperature)
        let threshold = appearance == nil ? threshold : 0
        if let appearance {
            // In evidence units: each cosine becomes its log-likelihood ratio at the prototype's size.
            let counts = data.model(of: assigned).counts
            for (s, faces) in data.faceIndices.enumerated() {
                for (j, f) in faces.enumerated() {
                    for (k, n) in data.names[s].enumerated() {
                        guard let c = cosines[s][j][k] else { continue }
                        cosines[s][j][k] = appearance.logLikelihoodRatio(cosine: c, others: max(1, counts[n] - (assigned[f] == n ? 1 : 0)))
                    }
                }
            }
        }
        return corpus.samples.enumerated().map { s, sample in
            let columns = PrototypeAlternation.scoreColumns(of: sample)
            return sample.faces.indices.map { j in
                var options = columns.map { c -> (text: String, score: Double) in
                    guard let text = c.text else { return (noName, threshold + bonuses[s][j][c.candidate]) }
                    let k = data.names[s].firstIndex { data.nameTexts[$0] == text }!
                    return (text, (cosines[s][j][k] ?? threshold) + bonuses[s][j][c.candidate])
                }
                if !columns.contains(where: { $0.text == nil }) { options.append((noName, threshold)) }
                let chosen = s < predictions.count && j < predictions[s].count ? predictions[s][j] : noName
                let index = options.firstIndex { $0.text == (sample.names.contains { !$0.isNoName && $0.text == chosen } ? chosen : noName) }!
                let top = options.map(\.score).max()!
                let e = options.map { Foundation.exp(($0.score - top) / t) }
                let runnerUp = options.indices.filter { $0 != index }.max { options[$0].score < options[$1].score }
                return FaceLabel(box: sample.faces[j].box, name: chosen, score: options[index].score,
                                 runnerUp: runnerUp.map { options[$0].text }, runnerUpScore: runnerUp.map { options[$0].score },
                                 confidence: e[index] / e.reduce(0, +))
            }
        }
    }

    /// The learned-prior methods (`secla name --method learned-prior|evidence`): the prototype alternation with the hand prior `handPrior` (default: the tuned one of
    /// `PrototypeAlternation.withLayout`), then `refine` on its result; with the labels (scores and confidences at
    /// `confidenceTemperature`, nil = the default) when a prior could be fitted. `scale` is λ and `refits` the number of
    /// fit → alternation rounds (`refine`); `aliases` lets names seen once borrow their aliases' prototypes in both
    /// alternations and in the labels' scores (`PrototypeAlternation.aliasPrototypes`). Throws `DataError` for a corpus
    /// without usable face descriptors.
    public static func bergLearned(_ corpus: Corpus, handPrior: PrototypeAlternation.LayoutPrior = .tuned, confidenceTemperature: Double? = nil,
                                   scale: Double = defaultScale, refits: Int = 1, aliases: Bool = false, evidence: Bool = false,
                                   nameEmbeddings: NameFeatures? = nil, fixed: [[String?]]? = nil) throws
        -> (predictions: [[String]], prior: LearnedLayoutPrior?, labels: [[FaceLabel]]?, options: [[[ConfidenceCalibration.Candidate]]]) {
        var berg = PrototypeAlternation()
        berg.layout = handPrior
        berg.aliasPrototypes = aliases
        berg.fixed = fixed
        let first = try berg.predict(corpus)
        var alternation = PrototypeAlternation()
        alternation.aliasPrototypes = aliases
        alternation.fixed = fixed
        let refined = try refine(corpus: corpus, start: first.predictions, alternation: alternation, refits: refits, scale: scale, evidence: evidence,
                                 nameEmbeddings: nameEmbeddings)
        let labels = try refined.prior?.labels(corpus: corpus, predictions: refined.predictions, scale: scale,
                                               temperature: confidenceTemperature, aliases: aliases)
        return (refined.predictions, refined.prior, labels, refined.options ?? first.options)
    }

    /// Fit → alternation, `refits` times, starting from `start` (per sample, per face: a candidate text or "NONAME").
    /// The alternation (`alternation`: its rounds) runs with the prior's bonuses, τ as the NONAME cost and the
    /// unseen-name score, and no hand prior. Returns the last alternation's labels and the last prior; the labels are
    /// `start` unchanged when no prior could be fitted.
    public static func refine(corpus: Corpus, start: [[String]], alternation: PrototypeAlternation = PrototypeAlternation(), refits: Int = 1,
                              scale: Double = defaultScale, evidence: Bool = false, nameEmbeddings: NameFeatures? = nil) throws
        -> (predictions: [[String]], prior: LearnedLayoutPrior?, options: [[[ConfidenceCalibration.Candidate]]]?) {
        var labels = start, prior: LearnedLayoutPrior?, options: [[[ConfidenceCalibration.Candidate]]]?
        let data = try PrototypeAlternation.Prepared(corpus)  // centred, normalised descriptors: once for every fit and alternation
        // Name embeddings in the order of `data.nameTexts` (zeros for a text without one).
        let embeddings: [[Double]]? = nameEmbeddings.map { e in
            data.nameTexts.map { t in
                e.index[t].map { r in (0..<e.dimension).map { Double(e.features.pointer[r * e.dimension + $0]) } } ?? [Double](repeating: 0, count: e.dimension)
            }
        }
        for _ in 0..<max(1, refits) {
            guard var fitted = fit(corpus: corpus, prepared: data, assignment: labels) else { break }
            var berg = alternation
            berg.layout = nil
            if evidence, let appearance = AppearanceEvidence.fit(data, assigned: assignedIDs(data, labels)) {
                // One unit, log-odds: appearance LLR for names with a prototype, 0 for NONAME and unseen names.
                fitted.appearance = appearance
                berg.appearance = appearance
                berg.pairBonuses = fitted.bonuses(corpus, scale: 1)
                berg.noNameCost = 0
                berg.unseenNameScore = 0
                berg.shadowCosine = Self.evidenceShadowCosine
            } else {
                berg.pairBonuses = fitted.bonuses(corpus, scale: scale)
                berg.noNameCost = fitted.threshold
                berg.unseenNameScore = fitted.threshold
            }
            prior = fitted
            var outcome = berg.predict(corpus, prepared: data)
            // Names seen nowhere else: what their text says about the face, learned from the faces just named.
            if berg.appearance != nil, let embeddings,
               let attributes = NameAttributes.fit(data, assigned: assignedIDs(data, outcome.predictions), embeddings: embeddings) {
                berg.unseenEvidence = attributes.evidence(data, embeddings: embeddings)
                outcome = berg.predict(corpus, prepared: data)
            }
            labels = outcome.predictions
            options = outcome.options
        }
        return (labels, prior, options)
    }
}
