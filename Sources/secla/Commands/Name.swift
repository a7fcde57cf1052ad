import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

extension NamingMethod: ExpressibleByArgument {}

struct NameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "name",
        abstract: "Name every face of a corpus: a name from its caption or NONAME, with a calibrated confidence.",
        discussion: """
            Writes one labels file ({sample id: {"image", "faces": [{"box", "name", "confidence", "score", "runner_up", …}]}}) that `secla review` shows and `secla evaluate` scores. With gold labels in the corpus it also prints the official metric and how often each confidence level is right.

            Which method? Keep the default: `evidence` is the best on real faces (augmented LFW with dlib descriptors, development half: official F1 0.8926, faces-only accuracy 0.9065), needs no training and takes seconds. The others are there to compare and to reproduce the paper:
            \(NamingMethod.allCases.map { "  \($0.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) \($0.shortSummary)" }.joined(separator: "\n"))
            The SECLA methods train on the corpus first (about a minute per 4,000 captions on two cores). docs/naming.md compares them all.

            Confidence is the probability that the name is right, calibrated for each method on the real development half (docs/naming.md has the reliability tables). Corrections saved from the review page come back with --fixed: those faces keep the name the person gave (confidence 1) and the other faces are named again around them.

            Examples:
              secla name --corpus my-corpus                    (→ my-corpus/labels.json)
              secla name --corpus my-corpus --fixed corrections.json
              secla name --lfw DIR --faces faces.npy --out labels.json --method secla
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: ArgumentHelp("The naming method (see above).", valueName: "method"))
    var method: NamingMethod = .recommended

    @Option(help: ArgumentHelp("The labels file to write (default: labels.json in the --corpus folder).", valueName: "file.json"))
    var out: String?

    @Option(help: ArgumentHelp("Corrections from the review page (\"Download corrections\"): those faces keep the given names.", valueName: "file.json"))
    var fixed: String?

    @Option(help: "Seed of SECLA training and of the random baseline.")
    var seed: UInt64 = 684_331

    @Option(help: "SECLA epochs, SECLA-B stage-2 epochs (default: the presets, 60 and 20).")
    var epochs: Int?

    @Option(help: "SECLA's name encoder: builtin, precomputed, minilm, minilm-mean (default: minilm when installed, else builtin).")
    var nameEncoder: NameEncoderChoice?

    @Flag(help: "Print one JSON object instead of a summary.")
    var json = false

    func validate() throws {
        if out == nil && source.corpus == nil {
            throw ValidationError("--out is needed with --lfw or --celebto (with --corpus DIR the labels go to DIR/labels.json)")
        }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if (epochs != nil || nameEncoder != nil) && method.family != .learned {
            throw ValidationError("--epochs and --name-encoder go with the SECLA methods (--method secla, secla-clean, secla-b, secla-b-clean)")
        }
    }

    var outPath: String { out ?? (source.corpus! as NSString).appendingPathComponent("labels.json") }

    struct Summary: Encodable {
        var method: NamingMethod
        var labels: String
        var samples: Int
        var faces: Int
        var fixedFaces: Int
        var named: Int
        var confidentShare: Double
        var seconds: Double
        var calibration: ConfidenceCalibration
        var metrics: MetricResult?
        var reliability: [ReliabilityBucket]?
        var notes: [String]
        enum CodingKeys: String, CodingKey {
            case method, labels, samples, faces, named, seconds, calibration, metrics, reliability, notes
            case fixedFaces = "fixed_faces", confidentShare = "share_at_confidence_0_9"
        }
    }

    func run() throws {
        Memory.reuseFreedBuffers()
        let corpus = try exitingOnDataError { try source.load() }
        var settings = NamingSettings()
        settings.seed = seed
        settings.epochs = epochs
        settings.encoder = nameEncoder
        if let fixed { settings.corrections = try exitingOnDataError { try Corrections.read(path: fixed, corpus: corpus) } }
        var line: ProgressLine?
        if method.family == .learned {
            let progress = ProgressLine()
            line = progress
            let started = Date()
            settings.onStep = { s in
                progress.update(String(format: "training %@: epoch %d  step %d  loss %.4f  %@ elapsed", method.rawValue, s.epoch, s.step, s.loss,
                                       formatDuration(Date().timeIntervalSince(started))))
            }
        }
        let result = try exitingOnDataError { try Naming.run(method, corpus: corpus, settings: settings) }
        line?.finish()
        try SECLARun.writeLabels(corpus: corpus, samples: Array(corpus.samples.indices), labels: result.labels, to: outPath)

        let hasGold = corpus.samples.contains { $0.faces.contains { $0.label != nil } }
        let faces = result.labels.reduce(0) { $0 + $1.count }
        let named = result.labels.reduce(0) { $0 + $1.filter { $0.name != noName }.count }
        let confident = result.labels.reduce(0) { $0 + $1.filter { $0.confidence >= 0.9 }.count }
        let metrics = hasGold ? OfficialMetric.evaluate(corpus.samples, predictions: result.labels.map { $0.map(\.name) }) : nil
        let reliability = hasGold ? Reliability.table(corpus.samples, labels: result.labels) : nil
        let summary = Summary(method: method, labels: outPath, samples: corpus.samples.count, faces: faces,
                              fixedFaces: settings.corrections?.count ?? 0, named: named,
                              confidentShare: faces > 0 ? Double(confident) / Double(faces) : 0, seconds: result.seconds,
                              calibration: result.calibration, metrics: metrics, reliability: reliability, notes: result.notes)
        if json {
            print(try jsonString(summary))
            return
        }
        for note in result.notes { printNote("note: " + note) }
        print(String(format: "%@: named %d of %d faces in %d photos (%.1f s); %d faces (%.0f%%) at confidence ≥ 0.9",
                     method.rawValue, named, faces, corpus.samples.count, result.seconds, confident, 100 * summary.confidentShare))
        if summary.fixedFaces > 0 { print("\(summary.fixedFaces) faces fixed by \(fixed!)") }
        print("labels → \(outPath)")
        if let metrics, let reliability {
            print(String(format: "against the corpus's gold labels: official F1 %.4f (P %.4f, R %.4f), faces-only accuracy %.4f, NONAME P %.4f R %.4f",
                         metrics.f1, metrics.precision, metrics.recall, metrics.facesAccuracy, metrics.nonamePrecision, metrics.nonameRecall))
            print("per-face confidence against gold:")
            print(Reliability.text(reliability))
        }
        if let corpusFolder = source.corpus, out == nil {
            print("check the least confident first: secla review --corpus \(corpusFolder)")
        } else {
            print("check the least confident first: secla review \(sourceArguments) --labels \(outPath) --out review.html")
        }
    }

    /// The corpus options as typed, for the printed next command.
    var sourceArguments: String {
        if let c = source.corpus { return "--corpus \(c)" }
        if let l = source.lfw { return "--lfw \(l)" + (source.faces.map { " --faces \($0)" } ?? "") }
        if let c = source.celebto { return "--celebto \(c)" + (source.faces.map { " --faces \($0)" } ?? "") }
        return ""
    }
}
