import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

extension LossMode: ExpressibleByArgument {}
extension LossDirection: ExpressibleByArgument {}
extension AgreementType: ExpressibleByArgument {}
extension NullOption: ExpressibleByArgument {}
extension ScheduleKind: ExpressibleByArgument {}
extension EvaluationProtocol: ExpressibleByArgument {}
extension NameEncoderChoice: ExpressibleByArgument {}

enum LayoutSwitch: String, ExpressibleByArgument, CaseIterable {
    case on, off
}
extension AssignmentRule: ExpressibleByArgument {}
extension ReferenceFace: ExpressibleByArgument {}

enum Method: String, ExpressibleByArgument, CaseIterable { case secla, seclaB = "secla-b" }
extension AdamW.Variant: ExpressibleByArgument {}

/// How faces are labelled after training (train, align).
struct InferenceArguments: ParsableArguments {
    @Option(help: "argmax: each face its best candidate (official); hungarian: one face per real name within an image; prototypes: hungarian with appearance from name prototypes pooled over the corpus and the model's layout term (PrototypeRefinement); learned-prior: prototypes, then the alternation again with a layout prior learned from the images appearance resolves (LearnedLayoutPrior; scores and confidences are then the prior's, and the confidence options below do not apply).")
    var assignment: AssignmentRule = .argmax

    @OptionGroup var scoring: ScoringArguments

    var options: InferenceOptions { scoring.options(rule: assignment) }
}

/// How a trained model's scores become labels and confidences, whatever the assignment rule (train, align, bench).
struct ScoringArguments: ParsableArguments {
    @Option(help: ArgumentHelp("A real name must score above this to beat NONAME (default: no threshold, as the official code).", valueName: "score"))
    var nonameThreshold: Double?

    @Option(help: ArgumentHelp("Label-free NONAME cost: the threshold is this quantile of the faces' best real-name scores over the corpus (overrides --noname-threshold).", valueName: "q"))
    var nonameQuantile: Double?

    @Option(help: ArgumentHelp("Names seen in only one image get this quantile of the real-name appearance scores instead of their own (label-free; the layout term then decides).", valueName: "q"))
    var singletonQuantile: Double?

    @Option(help: ArgumentHelp("Temperature T of the per-face confidence, softmax(score / T + b·[NONAME]) over the face's candidates (1); fit T and b on another labelled corpus with `secla align --fit-calibration`.", valueName: "T"))
    var confidenceTemperature: Double?

    @Option(help: ArgumentHelp("NONAME offset b of the per-face confidence (0); negative values as --confidence-noname-offset=-0.7.", valueName: "b"))
    var confidenceNonameOffset: Double?

    func validate() throws {
        for (name, q) in [("--noname-quantile", nonameQuantile), ("--singleton-quantile", singletonQuantile)] {
            if let q, !(q >= 0 && q <= 1) { throw ValidationError("\(name) must be in [0, 1] (got \(q))") }
        }
        if let t = confidenceTemperature, !(t > 0 && t.isFinite) { throw ValidationError("--confidence-temperature must be positive (got \(t))") }
        if let b = confidenceNonameOffset, !b.isFinite { throw ValidationError("--confidence-noname-offset must be finite") }
    }

    func options(rule: AssignmentRule) -> InferenceOptions {
        var options = InferenceOptions(rule: rule, noNameThreshold: nonameThreshold, noNameQuantile: nonameQuantile,
                                       confidenceTemperature: confidenceTemperature)
        options.singletonQuantile = singletonQuantile
        options.confidenceNoNameOffset = confidenceNonameOffset
        return options
    }

    /// The same options as command-line arguments, for a child process; "=" keeps negative values attached.
    var arguments: [String] {
        [("--noname-threshold", nonameThreshold), ("--noname-quantile", nonameQuantile), ("--singleton-quantile", singletonQuantile),
         ("--confidence-temperature", confidenceTemperature), ("--confidence-noname-offset", confidenceNonameOffset)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train SECLA on a corpus, label its faces and score them.",
        discussion: """
            --mode faithful reproduces the official implementation (zero padding that takes part in the loss,
            N-normalised agreement term, transformers AdamW, cosine schedule with T_max 32 stepped per batch, 60
            epochs, batch 20). --mode clean masks the padding and normalises each direction by its own count; the
            other settings keep the official values unless given. Every setting can be overridden.

            The run folder (--out) receives model.safetensors (official parameter names), run.json (settings,
            per-epoch losses, metrics), alignment.json (each labelled face's box, name, score, runner-up and
            confidence) and, with --checkpoint-every, checkpoints/epoch-NNNN. --resume continues a run with its own
            settings (epochs, name encoder, checkpoint interval) and ends with the same weights as an uninterrupted
            one; interrupted checkpoint writes of a killed run are cleaned up first. To replay a run made elsewhere step by step: --init WEIGHTS,
            --batch-order ORDER.npy and --loss-log steps.csv.

            Examples:
              secla train --corpus data/lfw-structure-1 --out runs/faithful
              secla train --lfw ../shared/data/augmented-lfw --faces faces.npy --mode clean --out runs/clean
              secla train --resume runs/faithful --out runs/faithful
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: "secla, or secla-b (stage 1 on the easy subset, stage 2 with bootstrapped known pairs).")
    var method: Method = .secla

    @Option(help: "faithful (the official code) or clean (masked padding, own-count normalisation).")
    var mode: LossMode = .faithful

    @Option(help: ArgumentHelp("SECLA-B: reuse this stage-1 model (a run folder or model.safetensors) instead of training stage 1.", valueName: "path"))
    var stage1: String?

    @Option(help: "SECLA-B: stage-1 epochs (LFW 15, Celebrity Together 5); --epochs sets stage 2 (LFW 20, Celebrity Together 2).")
    var stage1Epochs: Int?

    @Option(help: "SECLA-B reference face of a known name: medoid, random (re-drawn each step) or mean.")
    var reference: ReferenceFace = .medoid

    @Option(help: "Loss terms: face (L1), name (L2), both (L1+L2), agree (L1+L2+α·Lagree, SECLA).")
    var direction: LossDirection?

    @Option(help: "Agreement term: diag or full.")
    var agreement: AgreementType?

    @Option(help: "Weight α of the agreement term (0.15).")
    var alpha: Double?

    @Option(help: "Temperature τ of the contrastive terms (clean mode only; 1).")
    var temperature: Double?

    @Option(help: "Clean mode: none, face (every image offers a null face a name may match instead; the clean default) or both (also a null name for faces).")
    var nullOption: NullOption?  // default: the preset of --mode

    @Flag(help: "Clean mode ablation: divide pair scores by the batch's largest set, as the official code, with padding masked.")
    var normaliseByBatchMaximum = false

    @Option(help: "Training epochs (60).")
    var epochs: Int?

    @Option(help: "Image–caption pairs per batch (20).")
    var batchSize: Int?

    @Option(name: .customLong("lr"), help: "Base learning rate (3e-4).")
    var learningRate: Double?

    @Option(help: "Decoupled weight decay on weights, not biases (0.1).")
    var weightDecay: Double?

    @Option(help: "AdamW variant: huggingFace (transformers.AdamW, official) or torch.")
    var optimizer: AdamW.Variant?

    @Option(help: "Learning-rate schedule: cosine-periodic (official), cosine (one anneal over the run), constant.")
    var schedule: ScheduleKind?

    @Option(help: "T_max of cosine-periodic, in steps (32).")
    var cosinePeriod: Int?

    @Option(help: "Width of the joint embedding (128).")
    var projection: Int?

    @Option(help: "Hidden width of the heads (512).")
    var hidden: Int?

    @Option(help: "Seed of initialisation and shuffling (684331).")
    var seed: UInt64?

    @Option(help: "on: add the learned layout term h to every face–name score, s = g_F·g_N + h(layout) (docs/layout-features.md; beyond the paper); off: appearance only, as SECLA.")
    var layout: LayoutSwitch = .off

    @Option(help: "Name features: builtin (hashed n-grams), precomputed (the corpus's names.json/.npy), minilm (all-MiniLM-L6-v2, SECLA pooling) or minilm-mean (its sentence-transformers pooling). Default: precomputed when present, else minilm when its model files are present (bash scripts/setup.sh), else builtin.")
    var nameEncoder: NameEncoderChoice?

    @Option(name: .customLong("protocol"), help: "transductive (train and label the same pairs, as the paper) or inductive (label held-out pairs).")
    var evaluation: EvaluationProtocol = .transductive

    @Option(help: "Held-out fraction for --protocol inductive.")
    var holdout = 0.2

    @Option(help: "Seed of the inductive split.")
    var splitSeed: UInt64 = 1

    @OptionGroup var inference: InferenceArguments

    @Option(help: ArgumentHelp("Run folder for the model, run.json, alignment.json and checkpoints.", valueName: "dir"))
    var out: String?

    @Option(help: "Write a checkpoint every N epochs (needs --out; the last epoch is always checkpointed then).")
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp("Continue from a run folder's latest checkpoint or a checkpoint folder; its settings are used.", valueName: "path"))
    var resume: String?

    @Option(name: .customLong("init"), help: ArgumentHelp("Start from these weights (safetensors or .npz, official parameter names).", valueName: "weights"))
    var initWeights: String?

    @Option(help: ArgumentHelp(".npy integer array [epochs, training samples]: row e is the order epoch e consumes the samples in.", valueName: "order.npy"))
    var batchOrder: String?

    @Option(help: ArgumentHelp("Write one CSV line per optimiser step (epoch, step, lr, loss, l1, l2, agree, pairs).", valueName: "steps.csv"))
    var lossLog: String?

    @Flag(help: "Print one JSON object instead of a summary.")
    var json = false

    func validate() throws {
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be ≥ 0 (got \(epochs))") }
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be ≥ 1") }
        if checkpointEvery != nil && out == nil { throw ValidationError("--checkpoint-every needs --out DIR") }
        if resume != nil && initWeights != nil { throw ValidationError("--resume and --init exclude each other: a checkpoint has its own weights") }
        guard holdout > 0, holdout < 1 else { throw ValidationError("--holdout must be in (0, 1) (got \(holdout))") }
        if resume == nil {
            do { try trainingConfig().validate() } catch { throw ValidationError(error.description) }
        }
    }

    func trainingConfig() -> TrainingConfig {
        var c = mode == .faithful ? TrainingConfig.faithful : TrainingConfig.clean
        if let direction { c.loss.direction = direction }
        if let agreement { c.loss.agreement = agreement }
        if let alpha { c.loss.alpha = alpha }
        if let temperature { c.loss.temperature = temperature }
        if let nullOption { c.loss.nullOption = nullOption }
        if normaliseByBatchMaximum { c.loss.normaliseByBatchMaximum = true }
        if let epochs { c.epochs = epochs }
        if let batchSize { c.batchSize = batchSize }
        if let learningRate { c.learningRate = learningRate }
        if let weightDecay { c.weightDecay = weightDecay }
        if let optimizer { c.optimizer = optimizer }
        if let schedule { c.schedule = schedule }
        if let cosinePeriod { c.cosinePeriod = cosinePeriod }
        if let projection { c.heads.projection = projection }
        if let hidden { c.heads.hidden = hidden }
        if let seed { c.seed = seed }
        if layout == .on { c.heads.layoutFeatures = LayoutFeatures.count }
        return c
    }

    func run() throws {
        Memory.reuseFreedBuffers()
        let corpus = try exitingOnDataError { try source.load() }
        var options = RunOptions(config: trainingConfig())
        // A resumed run continues as it was set up: its epochs, name encoder and checkpoint interval, unless given.
        let saved = try resume.map { path in try exitingOnDataError { try Checkpoint.resumeSettings(Checkpoint.resolve(path)) } }
        if let saved, epochs == nil { options.config.epochs = saved.epochs }
        if let saved, let trained = saved.encoder, let nameEncoder, nameEncoder != trained {
            throw ValidationError("--name-encoder \(nameEncoder.rawValue): the checkpoint was trained on \(trained.rawValue) name features; "
                                  + "leave --name-encoder out to continue with them")
        }
        options.evaluation = evaluation
        options.holdout = holdout
        options.splitSeed = splitSeed
        options.inference = inference.options
        options.encoder = nameEncoder ?? saved?.encoder ?? .default(for: corpus)
        if nameEncoder == nil, saved?.encoder == nil, let note = NameEncoderChoice.fallbackNote(for: corpus) { printNote(note) }
        options.outFolder = out
        options.checkpointEvery = checkpointEvery ?? (out != nil ? (saved?.checkpointEvery ?? options.config.epochs) : nil)
        options.resume = resume
        options.initWeights = initWeights
        if let batchOrder { options.batchOrder = try exitingOnDataError { try BatchOrder.read(batchOrder) } }
        if method == .seclaB { return try runSECLAB(corpus: corpus, options: options) }

        var log = lossLog.map { _ in "epoch,step,lr,loss,l1,l2,agree,pairs\n" }
        let line = TrainingProgressLine(epochs: options.config.epochs,
                                        stepsPerEpoch: (corpus.samples.count + options.config.batchSize - 1) / options.config.batchSize)
        let (result, _, _, _) = try exitingOnDataError {
            try SECLARun.run(corpus: corpus, options: options, onStep: { s in
                log?.append("\(s.epoch),\(s.step),\(s.lr),\(s.loss),\(s.l1),\(s.l2),\(s.agree),\(s.pairs)\n")
                line.update(s)
            }, onEpoch: { e, _ in
                if !json && !ProgressLine.isTerminal {
                    FileHandle.standardError.write(Data(String(format: "epoch %d  loss %.4f  (L1 %.4f  L2 %.4f  agree %.4f)  %.1f s\n",
                                                               e.epoch, e.loss, e.l1, e.l2, e.agree, e.seconds).utf8))
                }
            })
        }
        line.finish()
        if let lossLog, let log { try writeAtomically(Data(log.utf8), to: lossLog) }
        if json {
            print(try jsonString(result))
            return
        }
        printSummary(result)
    }

    func runSECLAB(corpus: Corpus, options: RunOptions) throws {
        guard resume == nil, initWeights == nil, batchOrder == nil else {
            throw ValidationError("--resume, --init and --batch-order apply to SECLA; SECLA-B takes --stage1 PATH to reuse a stage-1 model")
        }
        var method = SECLABConfig.defaults(options.config, celebTo: EasySubset.rule(for: corpus) == .celebTo)
        if let epochs { method.stage2.epochs = epochs }
        if let stage1Epochs { method.stage1.epochs = stage1Epochs }
        method.reference = reference
        let line = ProgressLine()
        let started = Date()
        let (result, _, _, _) = try exitingOnDataError {
            try SECLARun.runSECLAB(corpus: corpus, options: options, method: method, stage1: stage1, onStep: { stage, s in
                let total = stage == 1 ? method.stage1.epochs : method.stage2.epochs
                line.update(String(format: "stage %d  epoch %d/%d  step %d  loss %.4f  %@ elapsed", stage, s.epoch, total, s.step, s.loss,
                                   formatDuration(Date().timeIntervalSince(started))))
            }, onBootstrap: { e in
                if !json {
                    line.finish()
                    let precision = e.precision.map { String(format: ", precision %.3f", $0) } ?? ""
                    FileHandle.standardError.write(Data(String(format: "stage 2 epoch %d  loss %.4f  bootstrapped %d pairs in %d sample-steps%@\n",
                                                               e.epoch, e.loss, e.matchedPairs, e.samplesWithMatches, precision).utf8))
                }
            })
        }
        line.finish()
        if json {
            print(try jsonString(result))
            return
        }
        printSummary(result)
    }

    func printSummary(_ r: RunResult) {
        let c = r.config
        print("\(r.method == "secla-b" ? "SECLA-B" : "SECLA") \(c.loss.mode.rawValue)\(c.heads.layoutFeatures > 0 ? " + layout" : "") (\(c.loss.direction.rawValue), \(c.loss.agreement.rawValue), α \(c.loss.alpha)"
              + (c.loss.mode == .clean ? ", τ \(c.loss.temperature)" : "") + ") on \(r.corpus)")
        print("  \(r.trainingSamples) training pairs, \(r.epochs.count) epochs × batch \(c.batchSize), AdamW(\(c.optimizer.rawValue)) lr \(c.learningRate), "
              + "\(c.schedule.rawValue) schedule; names: \(r.encoder)")
        if let last = r.epochs.last, let first = r.epochs.first {
            print(String(format: "  loss %.4f → %.4f;  %.2f s/epoch, %.0f pairs/s (OpenBLAS %@, %d threads)", first.loss, last.loss,
                         r.secondsPerEpoch, r.pairsPerSecond, r.blasCore, r.blasThreads))
        }
        print("  labelled \(r.evaluatedSamples) pairs (\(r.evaluation.rawValue), \(r.inference.rule.rawValue)"
              + (r.inference.noNameQuantile.map { ", NONAME cost at the \($0) quantile" } ?? "")
              + (r.inference.noNameThreshold.map { ", NONAME threshold \($0)" } ?? "") + String(format: ") in %.2f s", r.labellingSeconds))
        if let m = r.metrics { printMetricTable(m, baselines: r.baselines, label: r.method == "secla-b" ? "SECLA-B" : "SECLA") }
        if let table = r.reliability {
            print("  per-face confidence against gold labels (real faces):")
            print(Reliability.text(table))
        }
        if let out { print("  written to \(out)/ (model.safetensors, run.json, alignment.json)") }
    }
}

/// The official metric of a model next to the learning-free baselines.
func printMetricTable(_ m: MetricResult, baselines: [String: MetricResult], label: String = "SECLA",
                      more: [(String, MetricResult)] = []) {
    print("                                   precision  recall      F1  faces-only accuracy")
    let rows = [(label, m)] + Baseline.allCases.compactMap { b in baselines[b.rawValue].map { (b.rawValue, $0) } } + more
    for (name, r) in rows {
        print("  " + name.padding(toLength: 32, withPad: " ", startingAt: 0)
              + String(format: "  %9.4f  %6.4f  %6.4f  %19.4f", r.precision, r.recall, r.f1, r.facesAccuracy))
    }
}

/// `--batch-order`: a .npy integer array [epochs, samples].
enum BatchOrder {
    static func read(_ path: String) throws -> [[Int]] {
        let array: NumericArray
        do { array = try NPY.read(path: path) } catch let error as FormatError { throw DataError(error) }
        guard array.shape.count == 2 else {
            throw DataError(path: path, field: "shape", "expected a 2-d integer array [epochs, samples], found shape \(array.shape)")
        }
        guard [.int64, .int32, .uint8].contains(array.elementType) else {
            throw DataError(path: path, field: "dtype", "holds \(array.elementType.rawValue) elements, expected integers (sample positions)",
                            hint: "save with numpy.save(path, order.astype(numpy.int64))")
        }
        let values: [Int64]
        do { values = try array.int64Array() } catch let error as FormatError { throw DataError(error) }
        let cols = array.shape[1]
        return (0..<array.shape[0]).map { e in values[(e * cols)..<((e + 1) * cols)].map { Int($0) } }
    }
}
