import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct Align: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label every face of a corpus with a trained model.",
        discussion: """
            Writes, per image, each face's box, name, score, runner-up name and score, and confidence (the softmax
            probability of the chosen name over the face's distinct candidates) as JSON:
              {"<sample id>": {"image": "...", "faces": [{"box": [x1,y1,x2,y2], "name": "...", "score": 3.1,
                "runner_up": "...", "runner_up_score": 1.2, "confidence": 0.83}, ...]}, ...}
            `secla evaluate --predictions` reads this file. When the corpus has gold labels the official metric is
            printed too, with the accuracy of the faces by confidence bucket.

            Calibrating the confidence: --fit-calibration on a labelled corpus (another seed, not the one to be
            scored) prints the temperature T and NONAME offset b that minimise the gold names' negative
            log-likelihood; pass them as --confidence-temperature T --confidence-noname-offset=b when labelling other
            corpora with models of the same kind.

            Example: secla align --model runs/faithful --corpus data/lfw-structure-1 --out labels.json
                     secla review --corpus data/lfw-structure-1 --labels labels.json --out review.html   (check by rising confidence)
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: ArgumentHelp("A run folder of `secla train` or its model.safetensors.", valueName: "path"))
    var model: String

    @Option(help: ArgumentHelp("Write the labels here (JSON).", valueName: "file.json"))
    var out: String?

    @Option(help: "Name features: builtin, precomputed, minilm or minilm-mean (default: what the model was trained with).")
    var nameEncoder: NameEncoderChoice?

    @OptionGroup var inference: InferenceArguments

    @Flag(help: "Print the metrics as one JSON object.")
    var json = false

    @Flag(help: "Fit the confidence calibration (temperature, NONAME offset) on this labelled corpus's gold labels and print it.")
    var fitCalibration = false

    func run() throws {
        Memory.reuseFreedBuffers()
        let corpus = try exitingOnDataError { try source.load() }
        let (heads, trainedWith) = try exitingOnDataError { try TrainedModel.load(model) }
        if nameEncoder == nil, trainedWith == nil, let note = NameEncoderChoice.fallbackNote(for: corpus) { printNote(note) }
        let encoder = try exitingOnDataError { try (nameEncoder ?? trainedWith ?? .default(for: corpus)).make(for: corpus) }
        let features = try exitingOnDataError { try FeatureIndex.build(corpus, encoder: encoder) }
        guard features.faceDim == heads.config.faceDim, features.nameDim == heads.config.nameDim else {
            FileHandle.standardError.write(Data(("error: the model \(model) takes \(heads.config.faceDim)-d faces and \(heads.config.nameDim)-d names; "
                + "\(corpus.source) gives \(features.faceDim)-d faces and \(features.nameDim)-d names (\(encoder.identifier))\n").utf8))
            throw ExitCode(1)
        }
        let start = Date()
        let samples = Array(corpus.samples.indices)
        if fitCalibration {
            let scores = Aligner.scores(heads: heads, features: features, samples: samples,
                                        singletonQuantile: inference.options.singletonQuantile)
            guard let c = ConfidenceCalibration.fit(samples: corpus.samples, scores: scores) else {
                throw ValidationError("--fit-calibration needs gold face labels that are among the candidates; \(corpus.source) has none")
            }
            print(String(format: "confidence calibration (negative log-likelihood fit on %@): --confidence-temperature %.4g --confidence-noname-offset=%.4g",
                         corpus.source, c.temperature, c.noNameOffset))  // "=" because b is usually negative
        }
        let labels = try Aligner.label(corpus: corpus, heads: heads, features: features, samples: samples, options: inference.options)
        let seconds = Date().timeIntervalSince(start)
        if let out { try SECLARun.writeLabels(corpus: corpus, samples: samples, labels: labels, to: out) }
        let hasGold = corpus.samples.contains { $0.faces.contains { $0.label != nil } }
        let metrics = hasGold ? OfficialMetric.evaluate(corpus.samples, predictions: labels.map { $0.map(\.name) }) : nil
        let reliability = hasGold ? Reliability.table(corpus.samples, labels: labels) : nil
        if json {
            struct Report: Encodable {
                var faces: Int; var seconds: Double; var metrics: MetricResult?; var reliability: [ReliabilityBucket]?; var out: String?
            }
            print(try jsonString(Report(faces: labels.reduce(0) { $0 + $1.count }, seconds: seconds, metrics: metrics,
                                        reliability: reliability, out: out)))
            return
        }
        print(String(format: "labelled %d faces of %d images in %.2f s", labels.reduce(0) { $0 + $1.count }, samples.count, seconds)
              + (out.map { " → \($0)" } ?? ""))
        if let metrics {
            var baselines = [String: MetricResult]()
            for b in Baseline.allCases { baselines[b.rawValue] = OfficialMetric.evaluate(corpus.samples, predictions: b.predict(corpus.samples)) }
            printMetricTable(metrics, baselines: baselines)
        }
        if let reliability {
            print("per-face confidence against gold labels (real faces):")
            print(Reliability.text(reliability))
        }
    }
}
