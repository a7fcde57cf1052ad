// One method on one corpus and seed, in process: the unit `secla bench` runs in a child process per (method, seed)
// so that each row's peak memory is its own.

import Foundation
import NumericCore

extension CandidateMode: Codable {}

/// The synthetic corpora `secla bench --generate` builds in memory, one per seed (the seed of the corpus is the seed
/// of training, as in `secla synth … --seed s` followed by `secla train --seed s`).
public enum BenchGenerator: String, CaseIterable, Codable, Sendable {
    case lfwLike = "lfw-like", lfwStructure = "lfw-structure", celebtoLike = "celebto-like"
}

public struct GeneratedCorpus: Codable, Equatable, Sendable {
    public var generator: BenchGenerator
    /// Size relative to the real dataset (lfw-like, celebto-like).
    public var scale: Double
    /// The augmented-LFW dictionaries folder (lfw-structure).
    public var structureFolder: String?
    /// Candidate names of lfw-structure.
    public var candidates: CandidateMode
    /// lfw-like and lfw-structure: give every sample caption text, with position cues in this share of the images
    /// with two or more pictured caption names (`SyntheticCaptions`); nil: name lists only, as the real annotations.
    public var captionCues: Double?

    public init(generator: BenchGenerator, scale: Double = 1, structureFolder: String? = nil, candidates: CandidateMode = .faithful,
                captionCues: Double? = nil) {
        self.generator = generator
        self.scale = scale
        self.structureFolder = structureFolder
        self.candidates = candidates
        self.captionCues = captionCues
    }

    /// The corpus of seed `seed`, the same as `secla synth <generator> --seed seed` writes.
    public func corpus(seed: UInt64) throws -> Corpus {
        var corpus: Corpus
        switch generator {
        case .lfwLike: corpus = LFWLikeGenerator.generate(seed: seed, scale: scale)
        case .celebtoLike: corpus = CelebToLikeGenerator.generate(seed: seed, scale: scale)
        case .lfwStructure:
            guard let structureFolder else {
                throw DataError(path: "--lfw", "lfw-structure needs the augmented-LFW dictionaries folder", hint: "add --lfw DIR")
            }
            let structure = try LFWReader.read(folder: structureFolder, candidates: candidates)
            corpus = LFWStructureSynthesizer.synthesize(structure: structure, seed: seed)
        }
        if let captionCues {
            guard generator != .celebtoLike else {
                throw DataError(path: "--caption-cues", "celebto-like has no captions (its names are a bare label list)",
                                hint: "use --caption-cues with lfw-like or lfw-structure")
            }
            SyntheticCaptions.write(&corpus, cueShare: captionCues, seed: seed)
        }
        return corpus
    }

    private var captionDescription: String {
        captionCues.map { String(format: ", synthetic captions with position cues in %g%% of multi-person images", 100 * $0) } ?? ""
    }

    /// "lfw-like, scale 0.2, generated per seed".
    public var description: String {
        switch generator {
        case .lfwLike, .celebtoLike: return "\(generator.rawValue), scale \(scale), generated per seed" + captionDescription
        case .lfwStructure:
            return "lfw-structure of \(structureFolder ?? "?") (\(candidates.rawValue) candidates), synthetic descriptors per seed"
                + captionDescription
        }
    }
}

/// What every trained method shares in one bench: epoch overrides, batch size, assignment rules, name encoder.
public struct BenchSettings: Codable, Equatable, Sendable {
    /// SECLA epochs and SECLA-B stage-2 epochs (nil: the presets, 60 and 20 on LFW).
    public var epochs: Int?
    /// SECLA-B stage-1 epochs (nil: the preset, 15 on LFW).
    public var stage1Epochs: Int?
    public var batchSize: Int?
    /// Every trained model is labelled with each of these rules, one row per rule.
    public var assignments: [AssignmentRule] = [.argmax, .hungarian]
    /// nil: `NameEncoderChoice.default(for:)`.
    public var encoder: NameEncoderChoice?
    /// How trained methods turn scores into labels and confidences (NONAME cost, singleton names, calibration); the
    /// rule is replaced by each of `assignments`.
    public var scoring = InferenceOptions()

    /// The inference options of a trained method's row with `rule`.
    func inference(_ rule: AssignmentRule) -> InferenceOptions {
        var options = scoring
        options.rule = rule
        return options
    }

    public init() {}
}

/// One row of a bench: a method (and its assignment rule, for a trained one) on one seed.
public struct BenchResult: Codable, Equatable, Sendable {
    public var method: BenchMethod
    public var assignment: AssignmentRule?
    public var label: String
    public var seed: UInt64
    /// The official metric over every sample (transductive), with the face-level diagnostics.
    public var metrics: MetricResult
    /// Epochs trained (SECLA-B: stage 1 + stage 2; Berg: assign/re-estimate rounds); nil for learning-free methods.
    public var epochs: Int?
    /// Wall-clock training time, shared by the rows of one trained model; Berg: its whole alternation.
    public var trainingSeconds: Double?
    public var secondsPerEpoch: Double?
    /// Scoring and assigning every face with this rule; learning-free methods: their prediction.
    public var labellingSeconds: Double?
    /// Peak resident memory of the process that ran the method (VmHWM), corpus included.
    public var peakMiB: Double?
    public var blasThreads: Int
    public var samples: Int
    public var faces: Int
    /// The name encoder a trained method used (`NameEncoderChoice` raw value); nil for the others.
    public var nameEncoder: String?
    /// Trained methods: the accuracy by per-face confidence bucket (`Reliability`).
    public var reliability: [ReliabilityBucket]?

    public init(method: BenchMethod, assignment: AssignmentRule?, label: String, seed: UInt64, metrics: MetricResult, epochs: Int?,
                trainingSeconds: Double?, secondsPerEpoch: Double?, labellingSeconds: Double?, peakMiB: Double?, blasThreads: Int,
                samples: Int, faces: Int, nameEncoder: String? = nil) {
        self.method = method
        self.assignment = assignment
        self.label = label
        self.seed = seed
        self.metrics = metrics
        self.epochs = epochs
        self.trainingSeconds = trainingSeconds
        self.secondsPerEpoch = secondsPerEpoch
        self.labellingSeconds = labellingSeconds
        self.peakMiB = peakMiB
        self.blasThreads = blasThreads
        self.samples = samples
        self.faces = faces
        self.nameEncoder = nameEncoder
    }

    enum CodingKeys: String, CodingKey {
        case method, assignment, label, seed, metrics, epochs, samples, faces, nameEncoder = "name_encoder", reliability
        case trainingSeconds = "training_seconds", secondsPerEpoch = "seconds_per_epoch", labellingSeconds = "labelling_seconds"
        case peakMiB = "peak_mib", blasThreads = "blas_threads"
    }
}

public enum BenchRunner {
    /// Runs `method` on `corpus` with seed `seed` (training seed, random baseline seed) and returns its rows: one for
    /// a learning-free method or Berg, one per assignment rule for a trained one (all from the same model). Every row
    /// carries this process's peak memory so far. Throws `DataError` for a corpus without gold labels or face
    /// features, `ConfigError` for bad settings.
    public static func run(_ method: BenchMethod, corpus: Corpus, seed: UInt64, settings: BenchSettings) throws -> [BenchResult] {
        guard corpus.samples.contains(where: { $0.faces.contains { $0.label != nil } }) else {
            throw DataError(path: corpus.source, "the corpus has no gold face labels, so there is nothing to score",
                            hint: "bench a labelled corpus (augmented LFW, Celebrity Together, or --generate)")
        }
        guard !settings.assignments.isEmpty else { throw ConfigError("no assignment rule to label with") }
        func row(_ rule: AssignmentRule?, _ predictions: [[String]], epochs: Int? = nil, training: Double? = nil, perEpoch: Double? = nil,
                 labelling: Double?, encoder: NameEncoderChoice? = nil, labels: [[FaceLabel]]? = nil) -> BenchResult {
            let label = method.displayName(rule: rule) + (encoder.map { " · \($0.rawValue) names" } ?? "")
            var result = BenchResult(method: method, assignment: rule, label: label, seed: seed,
                                     metrics: OfficialMetric.evaluate(corpus.samples, predictions: predictions), epochs: epochs,
                                     trainingSeconds: training, secondsPerEpoch: perEpoch, labellingSeconds: labelling, peakMiB: nil,
                                     blasThreads: BLAS.threads, samples: corpus.samples.count, faces: corpus.faceCount,
                                     nameEncoder: encoder?.rawValue)
            result.reliability = labels.map { Reliability.table(corpus.samples, labels: $0) }
            return result
        }
        var rows = [BenchResult]()
        switch method {
        case .allNoName, .random, .heuristic:
            let baseline: Baseline = method == .allNoName ? .allNoName : method == .random ? .random : .largestFaceFirstMention
            let start = Date()
            let predictions = baseline.predict(corpus.samples, seed: seed)
            rows.append(row(nil, predictions, labelling: Date().timeIntervalSince(start)))
        case .appearance, .handPrior:
            let start = Date()
            let outcome = try (method == .appearance ? PrototypeAlternation() : PrototypeAlternation.withLayout).predict(corpus)
            let (predictions, iterations) = (outcome.predictions, outcome.iterations)
            let seconds = Date().timeIntervalSince(start)
            rows.append(row(nil, predictions, epochs: iterations, training: seconds,
                            perEpoch: iterations > 0 ? seconds / Double(iterations) : nil, labelling: nil))
        case .learnedPriorAliases, .evidence:
            // `secla name`'s methods: the same labels and calibrated confidences as that command gives.
            let result = try Naming.run(method == .evidence ? .evidence : .learnedPrior, corpus: corpus)
            rows.append(row(nil, result.labels.map { $0.map(\.name) }, training: result.seconds, labelling: nil, labels: result.labels))
        case .learnedPrior:
            let start = Date()
            let result = try LearnedLayoutPrior.bergLearned(corpus, aliases: method != .learnedPrior, evidence: method == .evidence,
                                                            nameEmbeddings: method == .evidence ? try NameAttributes.embeddings(for: corpus) : nil)
            rows.append(row(nil, result.predictions, training: Date().timeIntervalSince(start), labelling: nil, labels: result.labels))
        case .secla, .seclaClean, .seclaB, .seclaBClean, .seclaLayout, .seclaBLayout:
            let clean = method == .seclaClean || method == .seclaBClean
            var config = clean ? TrainingConfig.clean : TrainingConfig.faithful
            config.seed = seed
            if method.usesLayout { config.heads.layoutFeatures = LayoutFeatures.count }
            if let epochs = settings.epochs { config.epochs = epochs }
            if let batchSize = settings.batchSize { config.batchSize = batchSize }
            try config.validate()
            var options = RunOptions(config: config)
            options.inference = settings.inference(settings.assignments[0])
            options.encoder = settings.encoder ?? .default(for: corpus)
            let result: RunResult, labels: [[FaceLabel]], heads: ProjectionHeads
            if method == .secla || method == .seclaClean || method == .seclaLayout {
                (result, labels, _, heads) = try SECLARun.run(corpus: corpus, options: options)
            } else {
                var b = SECLABConfig.defaults(config, celebTo: EasySubset.rule(for: corpus) == .celebTo)
                if let epochs = settings.epochs { b.stage2.epochs = epochs }
                if let stage1 = settings.stage1Epochs { b.stage1.epochs = stage1 }
                try b.stage1.validate()
                (result, labels, _, heads) = try SECLARun.runSECLAB(corpus: corpus, options: options, method: b)
            }
            let epochs = result.epochs.count
            rows.append(row(settings.assignments[0], labels.map { $0.map(\.name) }, epochs: epochs, training: result.trainingSeconds,
                            perEpoch: result.secondsPerEpoch, labelling: result.labellingSeconds, encoder: options.encoder, labels: labels))
            if settings.assignments.count > 1 {
                let features = try FeatureIndex.build(corpus, encoder: try options.encoder.make(for: corpus))
                for rule in settings.assignments.dropFirst() {
                    let start = Date()
                    let more = try Aligner.label(corpus: corpus, heads: heads, features: features, samples: Array(corpus.samples.indices),
                                             options: settings.inference(rule))
                    let seconds = Date().timeIntervalSince(start)
                    rows.append(row(rule, more.map { $0.map(\.name) }, epochs: epochs, training: result.trainingSeconds,
                                    perEpoch: result.secondsPerEpoch, labelling: seconds, encoder: options.encoder, labels: more))
                }
            }
        }
        let peak = peakResidentMiB()
        for i in rows.indices { rows[i].peakMiB = peak }
        return rows
    }
}
