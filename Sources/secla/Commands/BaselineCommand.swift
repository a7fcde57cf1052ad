import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

extension Baseline: ExpressibleByArgument {}
extension SlotPlacement: ExpressibleByArgument {}

/// What `secla baseline` can score: the learning-free predictors plus the Berg-style alternation.
enum BaselineMethod: String, CaseIterable, ExpressibleByArgument {
    case allNoName = "all-noname", random, largestFaceFirstMention = "largest-face-first-mention", berg

    var baseline: Baseline? { Baseline(rawValue: rawValue) }
}

/// Which layout prior the Berg baseline uses: none, the hand prior, the learned prior (`LearnedLayoutPrior`, fitted on
/// the hand-prior result); `both` scores off and on, `all` all three.
enum BaselineLayoutChoice: String, CaseIterable, ExpressibleByArgument {
    case off, on, learned, both, all
}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Score the learning-free predictors (all NONAME, random, largest face gets the first-mentioned name, Berg-style alternation).",
        discussion: """
            Prints the official augmented-LFW metric (slot-level precision, recall, F1; secla-method.md §9.1), the
            faces-only accuracy, NONAME precision and recall and the CelebTo accuracy for each predictor: the
            reference points a trained model must beat.
            --method berg needs face features; --layout on adds the size-rank/mention-rank layout prior to it (PrototypeAlternation.LayoutPrior)
            (default weights: the tuned PrototypeAlternation.withLayout preset); --layout learned runs it again with a layout prior learned,
            without labels, from the images appearance resolves in that result (LearnedLayoutPrior, docs/layout-features.md).
            Example: secla baseline --lfw ../shared/data/augmented-lfw --json
                     secla baseline --method berg --layout both --corpus data/lfw-like
                     secla baseline --method berg --layout learned --corpus DIR --out labels.json --prior-out prior.json
                     secla review --corpus DIR --labels labels.json --out review.html   (check by rising confidence)
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(name: [.customLong("method"), .customLong("predictor")],
            help: "Which predictors to score: \(BaselineMethod.allCases.map(\.rawValue).joined(separator: ", ")) (default: all but berg, which needs face features).")
    var method: [BaselineMethod] = BaselineMethod.allCases.filter { $0 != .berg }

    @Option(help: "Layout prior of the berg method: off, on (hand prior), learned (fitted on the hand-prior result), both (off and on) or all (three rows).")
    var layout: BaselineLayoutChoice = .off

    @Option(help: "Layout prior: bonus, in cosine units, for a name whose mention rank equals the face's size rank (default: the tuned preset).")
    var layoutRankBonus: Double?

    @Option(help: "Layout prior: penalty per step between a name's mention rank and the face's size rank (default: the tuned preset).")
    var layoutDistancePenalty: Double?

    @Option(help: "Layout prior: bonus for NONAME on a face whose size rank is at least the caption's number of names (default: the tuned preset).")
    var layoutNonameBonus: Double?

    @Option(help: "Layout prior in the first (uniform-model) round too: on or off (default: the tuned preset).")
    var layoutFirstRound: LayoutSwitch?

    @Option(help: "Where a face's prediction is counted: official (the code's NOFACE-first placement) or true-slot.")
    var placement: SlotPlacement = .official

    @Option(help: "Seed of the random predictor.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Temperature T of the learned prior's per-face confidence, softmax(score / T): in log-odds with --evidence (default 2, chosen on the real augmented-LFW development half), in cosine units with --no-evidence (default 0.15, lfw-structure seed 101).")
    var confidenceTemperature: Double?

    @Option(help: "With --layout learned: write each face's label, score, runner-up and confidence as JSON (the format of `secla align --out`).")
    var out: String?

    @Option(help: "With --layout learned --no-evidence: λ, cosine units per unit of the prior's log-odds (default 0.1, chosen on lfw-structure seed 101).")
    var priorScale: Double?

    @Option(help: "With --layout learned: fit → alternation rounds, each fitting the prior on the previous round's labels (default 1).")
    var priorRefits: Int?

    @Flag(help: "With --method berg: a name seen in one image borrows the prototype of an alias, a name whose words are a subset or superset of its own (\"Bush\" ~ \"George W. Bush\"), when that face matches it better than an unseen name.")
    var aliases = false

    @Flag(inversion: .prefixedNo, help: "With --layout learned: score appearance as a log-likelihood ratio fitted on the corpus (AppearanceEvidence) and add the layout prior in log-odds, with explaining away (the default, chosen on real faces); --no-evidence: cosine + λ·log-odds as before.")
    var evidence = true

    @Flag(inversion: .prefixedNo, help: "With --evidence: names seen in one image get evidence from their text (NameAttributes, all-MiniLM-L6-v2); --no-name-attributes turns it off.")
    var nameAttributes = true

    @Option(help: "With --layout learned: write the fitted layout prior (every weight by feature name, τ, the images it was fitted on) as JSON.")
    var priorOut: String?

    /// What --prior-out writes: the weights by name, so the file reads without the code.
    struct PriorFile: Encodable {
        var threshold: Double, resolvedImages: Int, resolvedFaces: Int, scale: Double
        var weights: [String: Double]
        init(prior: LearnedLayoutPrior, scale: Double) {
            threshold = prior.threshold; resolvedImages = prior.resolvedImages; resolvedFaces = prior.resolvedFaces
            self.scale = scale
            weights = Dictionary(uniqueKeysWithValues: zip(LearnedLayoutPrior.featureNames, prior.weights))
        }
    }

    func validate() throws {
        for w in [layoutRankBonus, layoutDistancePenalty, layoutNonameBonus].compactMap({ $0 }) where !w.isFinite {
            throw ValidationError("layout bonuses must be finite numbers, got \(w)")
        }
        if let t = confidenceTemperature, !(t.isFinite && t > 0) {
            throw ValidationError("--confidence-temperature must be a positive number, got \(t)")
        }
        if out != nil && !(method.contains(.berg) && [.learned, .all].contains(layout)) {
            throw ValidationError("--out writes the labels of the learned layout prior: use it with --method berg --layout learned")
        }
        if (priorOut != nil || priorScale != nil || priorRefits != nil) && !(method.contains(.berg) && [.learned, .all].contains(layout)) {
            throw ValidationError("--prior-out, --prior-scale and --prior-refits go with the learned layout prior: --method berg --layout learned")
        }
        if aliases && !method.contains(.berg) { throw ValidationError("--aliases goes with --method berg") }
        if let l = priorScale, !(l.isFinite && l > 0) { throw ValidationError("--prior-scale must be a positive number, got \(l)") }
        if priorScale != nil && evidence { throw ValidationError("--prior-scale goes with --no-evidence (with evidence, appearance and layout share one unit)") }
        if let r = priorRefits, !(1...20).contains(r) { throw ValidationError("--prior-refits must be between 1 and 20, got \(r)") }
    }

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        let hasGold = corpus.samples.contains { $0.faces.contains { $0.label != nil } }
        var results = [String: MetricResult]()
        var rows = [String]()
        var reliability: [ReliabilityBucket]?
        for m in method {
            if let b = m.baseline {
                results[m.rawValue] = OfficialMetric.evaluate(corpus.samples, predictions: b.predict(corpus.samples, seed: seed), placement: placement)
                rows.append(m.rawValue)
                continue
            }
            var prior = PrototypeAlternation.LayoutPrior.tuned
            if let w = layoutRankBonus { prior.rankBonus = w }
            if let w = layoutDistancePenalty { prior.rankDistancePenalty = w }
            if let w = layoutNonameBonus { prior.noNameBonus = w }
            if let first = layoutFirstRound { prior.inFirstRound = first == .on }
            let variants: [String] = switch layout {
            case .off: ["berg"]
            case .on: ["berg-layout"]
            case .learned: ["berg-learned"]
            case .both: ["berg", "berg-layout"]
            case .all: ["berg", "berg-layout", "berg-learned"]
            }
            for label in variants {
                let predictions: [[String]]
                if label == "berg-learned" {
                    let learned = try exitingOnDataError {
                        try LearnedLayoutPrior.bergLearned(corpus, handPrior: prior, confidenceTemperature: confidenceTemperature,
                                                           scale: priorScale ?? LearnedLayoutPrior.defaultScale, refits: priorRefits ?? 1,
                                                           aliases: aliases, evidence: evidence, nameEmbeddings: nameEmbeddings(corpus))
                    }
                    predictions = learned.predictions
                    if let fitted = learned.prior, let labels = learned.labels {
                        if !json {
                            print(String(format: "berg-learned: prior fitted on %d resolved images (%d faces), appearance threshold τ %.4f",
                                         fitted.resolvedImages, fitted.resolvedFaces, fitted.threshold))
                            print("  strongest layout weights (log-odds): " + fitted.strongestWeights(6).map {
                                String(format: "%@ %+.2f", $0.feature, $0.weight)
                            }.joined(separator: ", "))
                            if let a = fitted.appearance {
                                let llr = { (c: Double, k: Int) in String(format: "%+.1f", a.logLikelihoodRatio(cosine: c, others: k)) }
                                print("  appearance evidence (\(a.pairs) pairs): log-likelihood ratio at cosine 0 / 0.4 / 0.8: one other face "
                                      + "\(llr(0, 1)) / \(llr(0.4, 1)) / \(llr(0.8, 1)), ten \(llr(0, 10)) / \(llr(0.4, 10)) / \(llr(0.8, 10))")
                                for b in a.buckets {
                                    print(String(format: "    k ≥ %d: same %.3f ± %.3f (strangers %.1f%% of %d), different %.3f ± %.3f (%d)", b.lower, b.sameMean, b.sameSD,
                                                 100 * b.strangerShare, b.positives, b.differentMean, b.differentSD, b.negatives))
                                }
                            }
                        }
                        if let priorOut { try writeAtomically(Data(try jsonText(PriorFile(prior: fitted, scale: priorScale ?? LearnedLayoutPrior.defaultScale), pretty: true).utf8), to: priorOut) }
                        if let out { try SECLARun.writeLabels(corpus: corpus, samples: Array(corpus.samples.indices), labels: labels, to: out) }
                        if hasGold { reliability = Reliability.table(corpus.samples, labels: labels) }
                    } else if out != nil {
                        throw ValidationError("no layout prior could be fitted on \(corpus.source) (no image whose names all have other faces), so there are no labels to write")
                    }
                } else {
                    var berg = PrototypeAlternation()
                    berg.layout = label == "berg" ? nil : prior
                    berg.aliasPrototypes = aliases
                    predictions = try exitingOnDataError { try berg.predict(corpus).predictions }
                }
                results[label] = OfficialMetric.evaluate(corpus.samples, predictions: predictions, placement: placement)
                rows.append(label)
            }
        }
        if json {
            print(try jsonString(results))
            return
        }
        if let out { print("labels of berg-learned → \(out)") }
        if let priorOut { print("learned layout prior → \(priorOut)") }
        guard hasGold else {
            print("\(corpus.source) has no gold face labels: nothing to score")
            return
        }
        print("predictor                        precision  recall      F1  faces-only accuracy  NONAME P  NONAME R  CelebTo accuracy"
              + "  (\(placement.rawValue) placement, \(corpus.source))")
        for label in rows {
            guard let r = results[label] else { continue }
            print(label.padding(toLength: 32, withPad: " ", startingAt: 0)
                  + String(format: "  %9.4f  %6.4f  %6.4f  %19.4f  %8.4f  %8.4f  %16.4f", r.precision, r.recall, r.f1, r.facesAccuracy,
                           r.nonamePrecision, r.nonameRecall, r.celebtoAccuracy))
        }
        if let reliability {
            print("berg-learned per-face confidence against gold labels (real faces):")
            print(Reliability.text(reliability))
        }
    }
}

extension BaselineCommand {
    /// Name embeddings for `NameAttributes` (all-MiniLM-L6-v2, mean-pooled) when evidence is on and the model files
    /// are installed; nil otherwise (a note says so).
    func nameEmbeddings(_ corpus: Corpus) -> NameFeatures? {
        guard evidence, nameAttributes else { return nil }
        do {
            guard let embeddings = try NameAttributes.embeddings(for: corpus) else {
                printNote("note: all-MiniLM-L6-v2 is not installed (bash scripts/fetch-minilm.sh): names seen once get no evidence from their text")
                return nil
            }
            return embeddings
        } catch {
            printNote("note: name embeddings failed (\(error)); names seen once get no evidence from their text")
            return nil
        }
    }
}
