import ArgumentParser
import FaceNaming
import Foundation

extension Baseline: ExpressibleByArgument {}
extension SlotPlacement: ExpressibleByArgument {}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Score the learning-free predictors (all NONAME, random, largest face gets the first-mentioned name).",
        discussion: """
            Prints the official augmented-LFW metric (slot-level precision, recall, F1; secla-method.md §9.1), the
            faces-only accuracy, NONAME precision and recall and the CelebTo accuracy for each predictor: the
            reference points a trained model must beat.
            Example: secla baseline --lfw ../shared/data/augmented-lfw --json
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: "Which predictors to score (default: all of \(Baseline.allCases.map(\.rawValue).joined(separator: ", "))).")
    var predictor: [Baseline] = Baseline.allCases

    @Option(help: "Where a face's prediction is counted: official (the code's NOFACE-first placement) or true-slot.")
    var placement: SlotPlacement = .official

    @Option(help: "Seed of the random predictor.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        var results = [String: MetricResult]()
        for p in predictor {
            results[p.rawValue] = OfficialMetric.evaluate(corpus.samples, predictions: p.predict(corpus.samples, seed: seed), placement: placement)
        }
        if json {
            print(try jsonString(results))
            return
        }
        print("predictor                        precision  recall      F1  faces-only accuracy  NONAME P  NONAME R  CelebTo accuracy"
              + "  (\(placement.rawValue) placement, \(corpus.source))")
        for p in predictor {
            let r = results[p.rawValue]!
            print(p.rawValue.padding(toLength: 32, withPad: " ", startingAt: 0)
                  + String(format: "  %9.4f  %6.4f  %6.4f  %19.4f  %8.4f  %8.4f  %16.4f", r.precision, r.recall, r.f1, r.facesAccuracy,
                           r.nonamePrecision, r.nonameRecall, r.celebtoAccuracy))
        }
    }
}
