// `secla name`: every alignment method behind one call, one labels format, one calibrated confidence.
//
// Each method yields, per face, its predicted text and a score for every distinct candidate text of the caption
// plus NONAME (the method's own scores: log-odds for `evidence`, cosines plus prior bonuses for the other
// alternations, g_F·g_N (+ h) for SECLA, 1 for the chosen text and 0 for the others for a baseline). The confidence of
// the predicted text is then the same function for every method,
//
//     p(text | face) = softmax_text( score / T + b·[text is NONAME] ),
//
// with the method's (T, b) fitted by maximum likelihood on the real augmented-LFW development half
// (`ConfidenceCalibration.fit`; constants and reliability tables in docs/naming.md, reproduced by
// `secla-bench calibrate`). Faces a person fixed (`Corrections`) keep their name with confidence 1: the corpus-level
// methods also use them in every round (they shape prototypes and the learned prior); the others have them imposed
// on their result, moving a face that held the same caption name in that image to its next best free text.

import Foundation
import NumericCore

public enum NamingMethod: String, CaseIterable, Codable, Sendable {
    case evidence
    case learnedPrior = "learned-prior"
    case handPrior = "hand-prior"
    case appearance
    case secla
    case seclaClean = "secla-clean"
    case seclaB = "secla-b"
    case seclaBClean = "secla-b-clean"
    case heuristic
    case random
    case allNoName = "all-noname"

    /// What `secla name` uses without `--method`: the best on real faces (docs/real-faces.md).
    public static let recommended = NamingMethod.evidence

    public enum Family: String, Codable, Sendable {
        /// No training: one alternation over the whole corpus (`PrototypeAlternation` and its priors).
        case corpusLevel = "corpus-level"
        /// Trained on the corpus, then labelled (SECLA, SECLA-B).
        case learned
        /// Learning-free rules (`Baseline`).
        case baseline
    }

    public var family: Family {
        switch self {
        case .evidence, .learnedPrior, .handPrior, .appearance: .corpusLevel
        case .secla, .seclaClean, .seclaB, .seclaBClean: .learned
        case .heuristic, .random, .allNoName: .baseline
        }
    }

    /// One line for `--help` and tables.
    public var summary: String {
        switch self {
        case .evidence: "prototype alternation, appearance as evidence fitted on the corpus + learned layout prior + aliases + name attributes (recommended)"
        case .learnedPrior: "prototype alternation + layout prior learned from the faces appearance resolves, cosine units, aliases"
        case .handPrior: "prototype alternation + hand-set layout prior (size rank ~ mention rank)"
        case .appearance: "prototype alternation on appearance alone (Berg et al. 2004 style)"
        case .secla: "SECLA (WACV 2023), faithful to the official code, trained on the corpus, one-to-one per image"
        case .seclaClean: "SECLA with the official code's quirks fixed"
        case .seclaB: "SECLA-B: easy-to-hard training with bootstrapped pairs, faithful"
        case .seclaBClean: "SECLA-B, clean"
        case .heuristic: "largest face gets the first-mentioned name, other faces NONAME"
        case .random: "a random candidate of the caption per face"
        case .allNoName: "every face NONAME"
        }
    }

    /// At most 62 characters, for `--help`.
    public var shortSummary: String {
        switch self {
        case .evidence: "alternation, appearance evidence + learned prior (recommended)"
        case .learnedPrior: "alternation + layout prior learned without labels"
        case .handPrior: "alternation + hand-set layout prior"
        case .appearance: "alternation on appearance alone (Berg et al. style)"
        case .secla: "SECLA, faithful to the official code, trained on the corpus"
        case .seclaClean: "SECLA with the official code's quirks fixed"
        case .seclaB: "SECLA-B, easy-to-hard with bootstrapped pairs, faithful"
        case .seclaBClean: "SECLA-B, clean"
        case .heuristic: "largest face → first-mentioned name, others NONAME"
        case .random: "a random candidate of the caption per face"
        case .allNoName: "every face NONAME"
        }
    }

    /// (T, b) fitted on the real augmented-LFW development half (4,307 captions, 4,770 faces, dlib descriptors;
    /// `secla-bench calibrate --corpus DIR`), with the method's default settings; docs/naming.md has the cross-fitted
    /// reliability tables. A baseline's scores carry nothing but its choice: T is then effectively infinite and b
    /// alone sets how often NONAME is right. Other corpora and settings shift the constants (docs/naming.md).
    public var calibration: ConfidenceCalibration {
        switch self {
        case .evidence: ConfidenceCalibration(temperature: 2.8315, noNameOffset: -0.7514)
        case .learnedPrior: ConfidenceCalibration(temperature: 0.1549, noNameOffset: 0.2346)
        case .handPrior: ConfidenceCalibration(temperature: 0.1959, noNameOffset: 0.0758)
        case .appearance: ConfidenceCalibration(temperature: 0.2041, noNameOffset: 0.0149)
        case .secla: ConfidenceCalibration(temperature: 10.5709, noNameOffset: -1.5835)
        case .seclaClean: ConfidenceCalibration(temperature: 8.3374, noNameOffset: -1.5186)
        case .seclaB: ConfidenceCalibration(temperature: 8.0257, noNameOffset: -1.3720)
        case .seclaBClean: ConfidenceCalibration(temperature: 7.4401, noNameOffset: -1.7792)
        case .heuristic: ConfidenceCalibration(temperature: 0.6846, noNameOffset: -1.5696)
        case .random: ConfidenceCalibration(temperature: 1e6, noNameOffset: -2.6792)
        case .allNoName: ConfidenceCalibration(temperature: 1e6, noNameOffset: -2.6790)
        }
    }
}

public struct NamingSettings {
    /// Training seed (SECLA, SECLA-B) and the random baseline's seed.
    public var seed: UInt64 = 684_331
    /// SECLA epochs, SECLA-B stage-2 epochs (nil: the presets, 60 and 20).
    public var epochs: Int?
    /// SECLA's name encoder (nil: the default for the corpus).
    public var encoder: NameEncoderChoice?
    /// Name embeddings for `evidence`'s name attributes.
    public var nameEmbeddings: NameEmbeddings = .automatic
    /// Faces a person named.
    public var corrections: Corrections?
    /// Replaces the method's fitted constants (e.g. T 1, b 0 to fit new ones).
    public var calibration: ConfidenceCalibration?
    /// Training progress of SECLA and SECLA-B (stage 1 and 2 alike).
    public var onStep: ((StepRecord) -> Void)?

    public init() {}
}

/// Where `evidence` gets the text embeddings of the candidate names from.
public enum NameEmbeddings {
    /// all-MiniLM-L6-v2's for the corpus's candidates when the model is installed (`NameAttributes.embeddings`);
    /// a note says so when it is not, or when it fails.
    case automatic
    /// Already computed (to share one set between several runs on a corpus).
    case given(NameFeatures)
    /// None: names seen once get no evidence from their text.
    case none

    /// Automatic embeddings for `corpus`, loaded now so that several runs can share them (`.given`), or `.none`.
    public static func load(for corpus: Corpus) -> NameEmbeddings {
        guard let features = try? NameAttributes.embeddings(for: corpus) else { return .none }
        return .given(features)
    }
}

public struct NamingResult: Sendable {
    public var method: NamingMethod
    /// Per sample, per face, in corpus order.
    public var labels: [[FaceLabel]]
    /// Per sample, per face: the method's score for every distinct candidate text, NONAME last.
    public var options: [[[ConfidenceCalibration.Candidate]]]
    public var calibration: ConfidenceCalibration
    public var seconds: Double
    /// The learned layout prior (`evidence`, `learned-prior`), when one could be fitted.
    public var prior: LearnedLayoutPrior?
    /// Things the user should know (a fallback taken, a model missing).
    public var notes: [String]
}

public enum Naming {
    /// Labels every face of `corpus` with `method`. Throws `DataError` for a corpus a method cannot use (no face
    /// descriptors for all but the baselines) and `ConfigError` for bad settings.
    public static func run(_ method: NamingMethod, corpus: Corpus, settings: NamingSettings = NamingSettings()) throws -> NamingResult {
        let start = Date()
        let fixed = settings.corrections?.perFace(corpus)
        var predictions: [[String]], options: [[[ConfidenceCalibration.Candidate]]]
        var prior: LearnedLayoutPrior?
        var notes = [String]()
        switch method {
        case .evidence, .learnedPrior:
            let evidence = method == .evidence
            var embeddings: NameFeatures?
            if evidence {
                switch settings.nameEmbeddings {
                case .given(let given): embeddings = given
                case .none: break
                case .automatic:
                    do {
                        embeddings = try NameAttributes.embeddings(for: corpus)
                        if embeddings == nil {
                            notes.append("no name embeddings (all-MiniLM-L6-v2 not installed: bash scripts/fetch-minilm.sh): names seen once get no evidence from their text")
                        }
                    } catch {
                        notes.append("name embeddings failed (\(error)): names seen once get no evidence from their text")
                    }
                }
            }
            let result = try LearnedLayoutPrior.bergLearned(corpus, aliases: true, evidence: evidence, nameEmbeddings: embeddings, fixed: fixed)
            predictions = result.predictions
            options = result.options
            prior = result.prior
            if let p = prior, p.resolvedFaces < LearnedLayoutPrior.minimumResolvedFaces {
                // Too little to learn from: the hand prior's alternation, as without a prior.
                var alternation = PrototypeAlternation.withLayout
                alternation.aliasPrototypes = true
                alternation.fixed = fixed
                let outcome = try alternation.predict(corpus)
                (predictions, options, prior) = (outcome.predictions, outcome.options, nil)
            }
            if prior == nil {
                notes.append("too few faces resolved by appearance to learn a layout prior (\(LearnedLayoutPrior.minimumResolvedFaces) needed): labels and confidences are those of --method hand-prior")
            }
        case .handPrior, .appearance:
            var alternation = method == .handPrior ? PrototypeAlternation.withLayout : PrototypeAlternation()
            alternation.fixed = fixed
            let outcome = try alternation.predict(corpus)
            predictions = outcome.predictions
            options = outcome.options
        case .secla, .seclaClean, .seclaB, .seclaBClean:
            (predictions, options) = try trained(method, corpus: corpus, settings: settings)
        case .heuristic, .random, .allNoName:
            let rule: Baseline = method == .heuristic ? .largestFaceFirstMention : method == .random ? .random : .allNoName
            predictions = rule.predict(corpus.samples, seed: settings.seed)
            options = zip(corpus.samples, predictions).map { sample, names in
                names.map { chosen in
                    distinctTexts(sample).map { ConfidenceCalibration.Candidate(text: $0.text, score: $0.text == chosen ? 1 : 0, isNoName: $0.isNoName) }
                }
            }
        }
        // The scores' units decide the constants: without a learned prior they are the hand-prior alternation's;
        // without appearance evidence (too few faces to fit it) the learned prior's cosine units.
        var units = method
        if method == .evidence || method == .learnedPrior {
            if prior == nil {
                units = .handPrior
            } else if method == .evidence && prior?.appearance == nil {
                units = .learnedPrior
                notes.append("appearance evidence could not be fitted on this corpus (too few faces named alike); scored as --method learned-prior")
            }
        }
        let calibration = settings.calibration ?? units.calibration
        let labels = self.labels(corpus: corpus, predictions: predictions, options: options, calibration: calibration, fixed: fixed)
        return NamingResult(method: method, labels: labels, options: options, calibration: calibration,
                            seconds: Date().timeIntervalSince(start), prior: prior, notes: notes)
    }

    /// A sample's distinct candidate texts in caption order, NONAME last (always present).
    static func distinctTexts(_ sample: Sample) -> [(text: String, isNoName: Bool)] {
        var seen = Set<String>(), out = [(text: String, isNoName: Bool)]()
        for name in sample.names where !name.isNoName && seen.insert(name.text).inserted { out.append((name.text, false)) }
        out.append((noName, true))
        return out
    }

    /// SECLA / SECLA-B trained on the whole corpus (transductive, as the paper), labelled one-to-one per image.
    static func trained(_ method: NamingMethod, corpus: Corpus, settings: NamingSettings) throws
        -> (predictions: [[String]], options: [[[ConfidenceCalibration.Candidate]]]) {
        let clean = method == .seclaClean || method == .seclaBClean
        var config = clean ? TrainingConfig.clean : TrainingConfig.faithful
        config.seed = settings.seed
        if let epochs = settings.epochs, method == .secla || method == .seclaClean { config.epochs = epochs }
        try config.validate()
        var run = RunOptions(config: config)
        run.inference = InferenceOptions(rule: .hungarian)
        run.encoder = settings.encoder ?? .default(for: corpus)
        let labels: [[FaceLabel]], heads: ProjectionHeads
        if method == .secla || method == .seclaClean {
            (_, labels, _, heads) = try SECLARun.run(corpus: corpus, options: run, onStep: settings.onStep)
        } else {
            var b = SECLABConfig.defaults(config, celebTo: EasySubset.rule(for: corpus) == .celebTo)
            if let epochs = settings.epochs { b.stage2.epochs = epochs }
            (_, labels, _, heads) = try SECLARun.runSECLAB(corpus: corpus, options: run, method: b,
                                                           onStep: settings.onStep.map { f in { _, r in f(r) } })
        }
        let features = try FeatureIndex.build(corpus, encoder: try run.encoder.make(for: corpus))
        let scores = Aligner.scores(heads: heads, features: features, samples: Array(corpus.samples.indices))
        let options = zip(corpus.samples, scores).map { sample, matrix in
            matrix.map { row -> [ConfidenceCalibration.Candidate] in
                var merged = ConfidenceCalibration.candidates(sample.names, scores: row)
                let real = merged.filter { !$0.isNoName }
                // NONAME last and always present (a caption without it: at the face's lowest score).
                let none = merged.first { $0.isNoName }.map { ConfidenceCalibration.Candidate(text: noName, score: $0.score, isNoName: true) }
                    ?? ConfidenceCalibration.Candidate(text: noName, score: merged.map(\.score).min() ?? 0, isNoName: true)
                merged = real + [none]
                return merged
            }
        }
        return (labels.map { $0.map { $0.name == "NONAMEWRONG" ? noName : $0.name } }, options)
    }

    /// One face's decision: the options left to it and the text chosen (the face's own, or the person's fix).
    struct FaceChoice: Sendable {
        var options: [ConfidenceCalibration.Candidate]
        var name: String
        /// Index of `name` in `options` (NONAME's for a name the caption does not hold).
        var chosen: Int
        var fixed: Bool
    }

    /// Per sample, per face: the chosen text and the options it was chosen from (all the caption's texts and NONAME:
    /// the confidence is over all of them, also under one-to-one assignment; docs/naming.md says why). A fixed face
    /// gets its fixed name and moves aside a face of the same image that held that caption name.
    static func choices(corpus: Corpus, predictions: [[String]], options: [[[ConfidenceCalibration.Candidate]]],
                               fixed: [[String?]]?) -> [[FaceChoice]] {
        corpus.samples.enumerated().map { s, sample in
            var chosen: [String] = sample.faces.indices.map { j in
                let text = s < predictions.count && j < predictions[s].count ? predictions[s][j] : noName
                return text == "NONAMEWRONG" ? noName : text
            }
            let faceOptions: [[ConfidenceCalibration.Candidate]] = sample.faces.indices.map { j in
                let row = s < options.count && j < options[s].count ? options[s][j] : []
                return row.isEmpty ? [ConfidenceCalibration.Candidate(text: noName, score: 0, isNoName: true)] : row
            }
            let fixedHere = fixed.flatMap { s < $0.count ? $0[s] : nil } ?? []
            for (j, text) in fixedHere.enumerated() where j < chosen.count {
                guard let text else { continue }
                chosen[j] = text
                for k in chosen.indices where k != j && chosen[k] == text && text != noName && (k >= fixedHere.count || fixedHere[k] == nil) {
                    let taken = Set(chosen.enumerated().filter { $0.offset != k }.map(\.element))
                    chosen[k] = faceOptions[k].filter { $0.isNoName || !taken.contains($0.text) }.max { $0.score < $1.score }?.text ?? noName
                }
            }
            return sample.faces.indices.map { j in
                let row = faceOptions[j]
                let index = row.firstIndex { $0.text == chosen[j] } ?? row.firstIndex { $0.isNoName } ?? 0
                return FaceChoice(options: row, name: chosen[j], chosen: index, fixed: j < fixedHere.count && fixedHere[j] != nil)
            }
        }
    }

    /// Each face's `FaceLabel`: the chosen text with its score, the best other option, and the calibrated
    /// confidence; a fixed face at confidence 1.
    public static func labels(corpus: Corpus, predictions: [[String]], options: [[[ConfidenceCalibration.Candidate]]],
                              calibration: ConfidenceCalibration, fixed: [[String?]]?) -> [[FaceLabel]] {
        let all = choices(corpus: corpus, predictions: predictions, options: options, fixed: fixed)
        return zip(corpus.samples, all).map { sample, faces in
            zip(sample.faces, faces).map { face, c in
                let row = c.options
                let p = calibration.probabilities(row)
                let runnerUp = row.indices.filter { row[$0].text != c.name }.max { row[$0].score < row[$1].score }
                return FaceLabel(box: face.box, name: c.name, score: row[c.chosen].score,
                                 runnerUp: c.fixed ? nil : runnerUp.map { row[$0].text },
                                 runnerUpScore: c.fixed ? nil : runnerUp.map { row[$0].score },
                                 confidence: c.fixed ? 1 : p[c.chosen], fixed: c.fixed ? true : nil)
            }
        }
    }
}
