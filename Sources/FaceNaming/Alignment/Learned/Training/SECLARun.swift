// One SECLA run end to end: split the corpus by protocol, train (optionally from a checkpoint or initial weights,
// optionally in a given batch order), checkpoint, label the evaluation samples and score them.
//
// Protocols: transductive (the paper's: train on every pair, label the same pairs; no face label is ever used in
// training) and inductive (train on a seeded split, label only the held-out pairs).

import Foundation
import NumericCore

public enum EvaluationProtocol: String, Codable, CaseIterable, Sendable {
    case transductive, inductive
}

/// Which name encoder turns candidate strings into features.
public enum NameEncoderChoice: String, Codable, CaseIterable, Sendable {
    /// Hashed character n-grams (`HashedNameEncoder`, 768-d): needs no model files.
    case builtin
    /// The corpus's own names.json + names.npy.
    case precomputed
    /// all-MiniLM-L6-v2 run natively (`MiniLMNameEncoder`, 384-d), pooled as SECLA pools BERT (§3.2.1: the last four
    /// layers summed, averaged over the word pieces). Needs the model files (`bash scripts/setup.sh`).
    case minilm
    /// all-MiniLM-L6-v2 pooled as sentence-transformers does (mean over the tokens, L2-normalised).
    case minilmMean = "minilm-mean"

    public func make(for corpus: Corpus) throws -> any NameEncoder {
        switch self {
        case .builtin: return HashedNameEncoder()
        case .precomputed:
            guard let features = corpus.nameFeatures else {
                throw DataError(path: corpus.source, "the corpus has no precomputed name features",
                                hint: "add names.json + names.npy to the corpus folder, or use --name-encoder builtin")
            }
            return PrecomputedNameEncoder(features: features, source: corpus.source)
        case .minilm: return try MiniLMNameEncoder(pooling: .seclaLastFour)
        case .minilmMean: return try MiniLMNameEncoder(pooling: .meanNormalized)
        }
    }

    /// Precomputed when the corpus brings name features; otherwise MiniLM (SECLA pooling) when its model files are
    /// present, since it is the better encoder for SECLA and SECLA-B (README, Results); built-in otherwise.
    public static func `default`(for corpus: Corpus, modelDirectory: String = MiniLMNameEncoder.defaultDirectory) -> NameEncoderChoice {
        if corpus.nameFeatures != nil { return .precomputed }
        return MiniLMNameEncoder.filesPresent(in: modelDirectory) ? .minilm : .builtin
    }

    /// The line to print when the default fell back to the built-in encoder for want of the MiniLM files; nil otherwise.
    public static func fallbackNote(for corpus: Corpus, modelDirectory: String = MiniLMNameEncoder.defaultDirectory) -> String? {
        guard self.default(for: corpus, modelDirectory: modelDirectory) == .builtin else { return nil }
        return "note: name encoder builtin (hashed n-grams): the MiniLM model files are not in \(modelDirectory); "
            + "`bash scripts/setup.sh` fetches them (MiniLM is the default when present and scores higher)"
    }
}

public struct RunOptions: Sendable {
    public var config: TrainingConfig
    public var evaluation: EvaluationProtocol = .transductive
    /// Fraction of samples held out under the inductive protocol.
    public var holdout = 0.2
    public var splitSeed: UInt64 = 1
    public var inference = InferenceOptions()
    public var encoder: NameEncoderChoice = .builtin
    /// Write the run here (model, run.json, checkpoints); nil keeps everything in memory.
    public var outFolder: String?
    /// Write a checkpoint every this many epochs (and always at the end when `outFolder` is set).
    public var checkpointEvery: Int?
    /// Continue from this checkpoint (or run folder's latest checkpoint).
    public var resume: String?
    /// Start from these weights (safetensors or .npz, official names).
    public var initWeights: String?
    /// Row e: the order (positions into the training samples) of epoch e.
    public var batchOrder: [[Int]]?

    public init(config: TrainingConfig) { self.config = config }
}

public struct RunResult: Codable, Sendable {
    public var method = "secla"
    public var config: TrainingConfig
    public var evaluation: EvaluationProtocol
    public var inference: InferenceOptions
    public var encoder: String
    public var corpus: String
    public var trainingSamples: Int
    public var evaluatedSamples: Int
    public var epochs: [EpochRecord]
    public var resumedFromEpoch: Int?
    /// SECLA-B: bootstrapped pairs per stage-2 epoch.
    public var bootstrap: [BootstrapEpoch]?
    /// nil when the corpus has no gold labels.
    public var metrics: MetricResult?
    /// Accuracy by confidence bucket; nil without gold labels.
    public var reliability: [ReliabilityBucket]?
    /// The learning-free predictors on the same evaluated samples, for context.
    public var baselines: [String: MetricResult]
    public var trainingSeconds: Double
    public var secondsPerEpoch: Double
    public var pairsPerSecond: Double
    public var labellingSeconds: Double
    public var blasCore: String
    public var blasThreads: Int
}

public enum SECLARun {
    /// The (training, evaluation) corpus indices of a protocol.
    public static func split(count: Int, evaluation: EvaluationProtocol, holdout: Double, seed: UInt64) -> (train: [Int], evaluate: [Int]) {
        switch evaluation {
        case .transductive:
            return (Array(0..<count), Array(0..<count))
        case .inductive:
            var rng = SeededRandom(seed: seed)
            let order = rng.permutation(count)
            let held = min(count - 2, max(1, Int((Double(count) * holdout).rounded())))
            return (order[held...].sorted(), order[..<held].sorted())
        }
    }

    /// Trains and labels. `onStep` sees every optimiser step, `onEpoch` every finished epoch.
    public static func run(corpus: Corpus, options: RunOptions, onStep: ((StepRecord) -> Void)? = nil,
                           onEpoch: ((EpochRecord, SECLATrainer) -> Void)? = nil) throws -> (RunResult, labels: [[FaceLabel]], evaluated: [Int], heads: ProjectionHeads) {
        let encoder = try options.encoder.make(for: corpus)
        let features = try FeatureIndex.build(corpus, encoder: encoder)
        let (train, evaluate) = split(count: corpus.samples.count, evaluation: options.evaluation, holdout: options.holdout, seed: options.splitSeed)

        var config = options.config
        var resumedFrom: Int?
        var checkpoint: String?
        if let resume = options.resume {
            let path = try Checkpoint.resolve(resume)
            let saved = try Checkpoint.readState(path)
            let wantedEpochs = config.epochs
            config = saved.config
            config.epochs = max(wantedEpochs, saved.epochsDone)  // a resumed run may be extended
            checkpoint = path
            resumedFrom = saved.epochsDone
        }
        let trainer: SECLATrainer
        do { trainer = try SECLATrainer(config: config, features: features, samples: train) } catch {
            throw DataError(path: corpus.source, "\(error)")
        }
        do {
            if let checkpoint { try Checkpoint.restore(trainer, from: checkpoint) }
            else if let initWeights = options.initWeights { try InitialWeights.load(into: trainer.heads.parameters, from: initWeights) }
        } catch let error as FormatError { throw DataError(error) }
        if let order = options.batchOrder {
            guard order.count >= config.epochs else {
                throw DataError(path: "--batch-order", "\(order.count) epochs of order for a run of \(config.epochs) epochs")
            }
            for (e, row) in order.enumerated() where Set(row).count != trainer.samples.count || row.count != trainer.samples.count
                || row.contains(where: { $0 < 0 || $0 >= trainer.samples.count }) {
                throw DataError(path: "--batch-order", record: "epoch \(e)",
                                "each row must be a permutation of 0..<\(trainer.samples.count) (the training samples)")
            }
        }
        let encoderName = options.encoder.rawValue
        if let out = options.outFolder { try createFolder(out) }

        let start = Date()
        let firstEpoch = trainer.epochsDone
        while trainer.epochsDone < config.epochs {
            let record = trainer.trainEpoch(order: options.batchOrder?[trainer.epochsDone], onStep: onStep)
            if let out = options.outFolder, let every = options.checkpointEvery, every > 0,
               trainer.epochsDone % every == 0 || trainer.epochsDone == config.epochs {
                try Checkpoint.write(trainer, encoder: encoderName, every: every, runFolder: out)
            }
            onEpoch?(record, trainer)
        }
        let trainingSeconds = Date().timeIntervalSince(start)
        let epochsRun = config.epochs - firstEpoch
        let pairs = Double(epochsRun * trainer.samples.count)

        let result = try finish(corpus: corpus, features: features, heads: trainer.heads, config: trainer.config, options: options,
                                encoder: encoder, trainingSamples: trainer.samples.count, evaluate: evaluate, epochs: trainer.history,
                                trainingSeconds: trainingSeconds, pairs: pairs, epochsRun: epochsRun, resumedFromEpoch: resumedFrom)
        return (result.result, result.labels, evaluate, trainer.heads)
    }

    /// Labels the evaluation samples, scores them, and writes model, run.json and alignment.json when asked.
    static func finish(corpus: Corpus, features: FeatureIndex, heads: ProjectionHeads, config: TrainingConfig, options: RunOptions,
                       encoder: any NameEncoder, trainingSamples: Int, evaluate: [Int], epochs: [EpochRecord], trainingSeconds: Double,
                       pairs: Double, epochsRun: Int, resumedFromEpoch: Int? = nil, method: String = "secla",
                       bootstrap: [BootstrapEpoch]? = nil) throws -> (result: RunResult, labels: [[FaceLabel]]) {
        let labelStart = Date()
        let labels = try Aligner.label(corpus: corpus, heads: heads, features: features, samples: evaluate, options: options.inference)
        let labellingSeconds = Date().timeIntervalSince(labelStart)
        let evaluatedSamples = evaluate.map { corpus.samples[$0] }
        let hasGold = evaluatedSamples.contains { $0.faces.contains { $0.label != nil } }
        var baselines = [String: MetricResult]()
        if hasGold {
            for b in Baseline.allCases {
                baselines[b.rawValue] = OfficialMetric.evaluate(evaluatedSamples, predictions: b.predict(evaluatedSamples, seed: 0))
            }
        }
        var result = RunResult(
            config: config, evaluation: options.evaluation, inference: options.inference, encoder: encoder.identifier,
            corpus: corpus.source, trainingSamples: trainingSamples, evaluatedSamples: evaluate.count, epochs: epochs,
            resumedFromEpoch: resumedFromEpoch,
            metrics: hasGold ? OfficialMetric.evaluate(evaluatedSamples, predictions: labels.map { $0.map(\.name) }) : nil,
            baselines: baselines, trainingSeconds: trainingSeconds, secondsPerEpoch: epochsRun > 0 ? trainingSeconds / Double(epochsRun) : 0,
            pairsPerSecond: trainingSeconds > 0 ? pairs / trainingSeconds : 0, labellingSeconds: labellingSeconds,
            blasCore: BLAS.coreName, blasThreads: BLAS.threads)
        result.method = method
        if hasGold { result.reliability = Reliability.table(evaluatedSamples, labels: labels) }
        result.bootstrap = bootstrap
        if let out = options.outFolder {
            try createFolder(out)
            try Safetensors.write(heads.parameters, metadata: Checkpoint.modelMetadata(heads: heads.config, encoder: options.encoder.rawValue),
                                  to: (out as NSString).appendingPathComponent(Checkpoint.modelFile))
            try writeAtomically(Data(try jsonText(result, pretty: true).utf8), to: (out as NSString).appendingPathComponent("run.json"))
            try writeLabels(corpus: corpus, samples: evaluate, labels: labels, to: (out as NSString).appendingPathComponent("alignment.json"))
        }
        return (result, labels)
    }

    /// SECLA-B (stage 1 on the easy training samples unless `stage1` names a trained model, then stage 2).
    public static func runSECLAB(corpus: Corpus, options: RunOptions, method requested: SECLABConfig, stage1: String? = nil,
                                 onStep: ((Int, StepRecord) -> Void)? = nil,
                                 onBootstrap: ((BootstrapEpoch) -> Void)? = nil) throws -> (RunResult, labels: [[FaceLabel]], evaluated: [Int], heads: ProjectionHeads) {
        var method = requested
        let encoder = try options.encoder.make(for: corpus)
        let features = try FeatureIndex.build(corpus, encoder: encoder)
        let (train, evaluate) = split(count: corpus.samples.count, evaluation: options.evaluation, holdout: options.holdout, seed: options.splitSeed)
        let rule = EasySubset.rule(for: corpus)
        let easy = train.filter { EasySubset.isEasy(corpus.samples[$0], rule: rule) }
        let start = Date()
        let stage1Heads: ProjectionHeads
        var stage1History = [EpochRecord]()
        if let stage1 {
            stage1Heads = try TrainedModel.load(stage1).heads
            method.stage2.heads = stage1Heads.config  // stage 2 continues the stage-1 model, whatever its widths
        } else {
            let trainer: SECLATrainer
            do { trainer = try SECLATrainer(config: method.stage1, features: features, samples: easy) } catch {
                throw DataError(path: corpus.source, "stage 1: \(error)")
            }
            while trainer.epochsDone < method.stage1.epochs { trainer.trainEpoch { onStep?(1, $0) } }
            stage1Heads = trainer.heads
            stage1History = trainer.history
            if let out = options.outFolder {
                try createFolder(out)
                try Safetensors.write(trainer.heads.parameters, metadata: Checkpoint.modelMetadata(heads: trainer.config.heads, encoder: options.encoder.rawValue),
                                      to: (out as NSString).appendingPathComponent("stage1.safetensors"))
            }
        }
        let literal = try? encoder.encode(["noname"])  // "NONAME" as a word, not the reserved NONAME feature
        let trainer: SECLABTrainer
        do {
            trainer = try SECLABTrainer(config: method, corpus: corpus, features: features, samples: train, easy: easy, stage1Heads: stage1Heads,
                                        literalNoName: literal.map { Array(UnsafeBufferPointer(start: $0.pointer, count: $0.count)) })
        } catch { throw DataError(path: corpus.source, "stage 2: \(error)") }
        while trainer.stage2.epochsDone < method.stage2.epochs {
            let record = trainer.trainEpoch { onStep?(2, $0) }  // not inside `onBootstrap?(…)`: that would skip it when nil
            onBootstrap?(record)
        }
        let seconds = Date().timeIntervalSince(start)
        let pairs = Double(method.stage1.epochs * easy.count + method.stage2.epochs * trainer.stage2.samples.count)
        let result = try finish(corpus: corpus, features: features, heads: trainer.stage2.heads, config: method.stage2, options: options,
                                encoder: encoder, trainingSamples: trainer.stage2.samples.count, evaluate: evaluate,
                                epochs: stage1History + trainer.stage2.history, trainingSeconds: seconds, pairs: pairs,
                                epochsRun: stage1History.count + method.stage2.epochs, method: "secla-b", bootstrap: trainer.bootstrap)
        return (result.result, result.labels, evaluate, trainer.stage2.heads)
    }

    /// `{sample id: {"image": …, "faces": [label…]}}`, the format `secla evaluate` reads back.
    public static func writeLabels(corpus: Corpus, samples: [Int], labels: [[FaceLabel]], to path: String) throws {
        var entries = [String: LabelsFile.Entry]()
        for (s, faces) in zip(samples, labels) { entries[corpus.samples[s].id] = LabelsFile.Entry(image: corpus.samples[s].image, faces: faces) }
        try writeAtomically(Data(try jsonText(entries).utf8), to: path)
    }
}
