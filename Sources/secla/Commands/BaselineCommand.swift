import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

extension Baseline: ExpressibleByArgument {}
extension SlotPlacement: ExpressibleByArgument {}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Score the learning-free baselines (all NONAME, random, largest face gets the first-mentioned name).",
        discussion: """
            Prints the official augmented-LFW metric (slot-level precision, recall, F1; secla-method.md §9.1), the
            faces-only accuracy, NONAME precision and recall and the CelebTo accuracy for each baseline: the
            reference points a method must beat. The alignment methods (the prototype alternation with its priors,
            SECLA, SECLA-B) label a corpus with `secla name --method …`; `secla bench` compares them all.
            Example: secla baseline --lfw ../shared/data/augmented-lfw --json
                     secla baseline --corpus data/lfw-real --method largest-face-first-mention
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(name: [.customLong("method"), .customLong("predictor")],
            help: "Which baselines to score: \(Baseline.allCases.map(\.rawValue).joined(separator: ", ")) (default: all).")
    var method: [Baseline] = Baseline.allCases

    @Option(help: "Where a face's prediction is counted: official (the code's NOFACE-first placement) or true-slot.")
    var placement: SlotPlacement = .official

    @Option(help: "Seed of the random baseline.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        var results = [String: MetricResult]()
        for b in method {
            results[b.rawValue] = OfficialMetric.evaluate(corpus.samples, predictions: b.predict(corpus.samples, seed: seed), placement: placement)
        }
        if json {
            print(try jsonString(results))
            return
        }
        guard corpus.samples.contains(where: { $0.faces.contains { $0.label != nil } }) else {
            print("\(corpus.source) has no gold face labels: nothing to score")
            return
        }
        print("predictor                        precision  recall      F1  faces-only accuracy  NONAME P  NONAME R  CelebTo accuracy"
              + "  (\(placement.rawValue) placement, \(corpus.source))")
        for b in method {
            guard let r = results[b.rawValue] else { continue }
            print(b.rawValue.padding(toLength: 32, withPad: " ", startingAt: 0)
                  + String(format: "  %9.4f  %6.4f  %6.4f  %19.4f  %8.4f  %8.4f  %16.4f", r.precision, r.recall, r.f1, r.facesAccuracy,
                           r.nonamePrecision, r.nonameRecall, r.celebtoAccuracy))
        }
    }
}
