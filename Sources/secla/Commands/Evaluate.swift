import ArgumentParser
import FaceNaming
import Foundation

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a predictions file (a name for every face) with the official metric and face-level diagnostics.",
        discussion: """
            The predictions file is a JSON object keyed by sample id (the dictionary key for augmented LFW), each value
            either an array of names, one per face in face order, or an object with a "faces" array of {"name": …}
            (what `secla align` writes). Prints the official slot-level precision, recall and F1 (secla-method.md §9.1;
            on a corpus without slots, such as Celebrity Together, they equal the CelebTo accuracy of §9.3), the
            faces-only accuracy, NONAME precision and recall over faces, and the CelebTo accuracy. Samples absent from
            the file are not scored, as in the official script, unless --require-all is given.
            Example: secla evaluate --lfw ../shared/data/augmented-lfw --predictions predictions.json --json
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: ArgumentHelp("The predictions to score: {sample id: [name per face]} or {sample id: {\"faces\": [{\"name\": …}]}}.",
                               valueName: "file.json"))
    var predictions: String

    @Option(help: "Where a face's prediction is counted: official (the code's NOFACE-first placement) or true-slot.")
    var placement: SlotPlacement = .official

    @Flag(help: "Fail when a sample of the corpus is absent from the predictions file.")
    var requireAll = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        let file = try exitingOnDataError { try PredictionsFile.read(path: predictions, corpus: corpus, requireAll: requireAll) }
        let result = file.evaluate(corpus.samples, placement: placement)
        // Notes go to stderr so that --json output stays one object.
        if result.samplesMissing > 0 {
            note("\(result.samplesMissing) of \(corpus.samples.count) samples are not in \(predictions); scoring the \(result.samplesScored) present (--require-all makes this an error)")
        }
        if result.unknownNames > 0 {
            note("\(result.unknownNames) predicted names are not candidates of their sample; they count as wrong unless they equal the gold string")
        }
        if json {
            print(try jsonString(result))
            return
        }
        let m = result.metric
        func row(_ label: String, _ value: Double, _ detail: String) -> String {
            label.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%7.4f", value) + (detail.isEmpty ? "" : "  " + detail)
        }
        print("\(predictions) on \(corpus.source): \(result.samplesScored) samples scored, \(result.samplesMissing) missing, "
              + "\(result.unknownNames) names not among the candidates (\(placement.rawValue) placement)")
        print(row("precision", m.precision, "\(m.correct) / \(m.predicted) slots"))
        print(row("recall", m.recall, "\(m.correct) / \(m.gold) slots"))
        print(row("F1", m.f1, ""))
        print(row("faces-only accuracy", m.facesAccuracy, "\(m.facesCorrect) / \(m.faces) faces"))
        print(row("NONAME precision", m.nonamePrecision, "\(m.nonameCorrect) / \(m.nonamePredicted) faces predicted NONAME"))
        print(row("NONAME recall", m.nonameRecall, "\(m.nonameCorrect) / \(m.nonameGold) faces labelled NONAME"))
        print(row("CelebTo accuracy", m.celebtoAccuracy, "\(m.celebtoCorrect) / \(m.celebtoFaces) labelled faces"))
    }

    private func note(_ text: String) {
        FileHandle.standardError.write(Data("note: \(text)\n".utf8))
    }
}
