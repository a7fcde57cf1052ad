import ArgumentParser
import FaceNaming
import Foundation

struct NamesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "names",
        abstract: "Person names in caption text: find them, or measure the finder on a CoNLL file.",
        discussion: """
            The finder is the person-name tagger when its model is installed (`secla names train`, about 2 s on
            CoNLL-2003 eng.train), else the placeholder rule (docs/ingest.md); `secla ingest` uses the same when a
            caption record has no `names`. `eval` gives each sentence as its tokens joined by spaces (one at a time).
              secla names find "Vice President Joe Biden (L) and President Barack Obama wave."
              secla names train --conll ../shared/data/conll2003/eng.train --eval ../shared/data/conll2003/eng.testa
              secla names eval --conll ../shared/data/conll2003/eng.testa
            """,
        subcommands: [Find.self, Eval.self, Train.self]
    )

    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the person mentions of a caption with their character offsets.")

        @Argument(help: "The caption text.")
        var caption: String

        @OptionGroup var finderOptions: NameFinderOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let finder = try finderOptions.load()
            let mentions = finder.captionMentions(in: caption)
            struct Row: Encodable { var text: String; var start: Int; var end: Int; var refersTo: String? }
            let rows = mentions.map {
                Row(text: $0.text, start: caption.distance(from: caption.startIndex, to: $0.range.lowerBound),
                    end: caption.distance(from: caption.startIndex, to: $0.range.upperBound), refersTo: $0.refersTo)
            }
            if json { print(try jsonString(["mentions": rows])); return }
            if rows.isEmpty { print("no person names found"); return }
            for r in rows { print("\(r.start)–\(r.end)  \(r.text)" + (r.refersTo.map { "  (= \($0))" } ?? "")) }
            print("candidates: " + finder.names(in: caption).joined(separator: ", ") + "   [\(finder.description)]")
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PER precision, recall and F1 (exact spans, conlleval-style) of the name finder on a CoNLL file, with speed.",
            discussion: "Each sentence is given to the finder as its tokens joined by single spaces; a found name counts when its token span equals a gold PER entity's."
        )

        @Option(help: ArgumentHelp("A CoNLL-2003-format file (token … NER tag per line; IOB1 or IOB2).", valueName: "file"))
        var conll: String

        @OptionGroup var finderOptions: NameFinderOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let finder = try finderOptions.load()
            let sentences = try exitingOnDataError { try CoNLL.read(path: conll) }
            var score = CoNLL.Score()
            let started = Date()
            for s in sentences {
                let text = s.tokens.joined(separator: " ")
                let mentions = finder.mentions(in: text)
                let spans = CoNLL.tokenSpans(of: mentions.map(\.range), tokens: s.tokens, in: text)
                let predicted = Set(spans.enumerated().map { k, span in
                    span.0 >= 0 ? CoNLL.Span(type: "PER", start: span.0, end: span.1) : CoNLL.Span(type: "PER", start: -1 - k, end: -1 - k)
                })
                let gold = Set(CoNLL.entities(s.tags).filter { $0.type == "PER" })
                score.add(gold: gold, predicted: predicted)
            }
            let seconds = Date().timeIntervalSince(started)
            struct Report: Encodable {
                var file: String; var finder: String; var sentences: Int; var gold: Int; var predicted: Int; var correct: Int
                var precision: Double; var recall: Double; var f1: Double; var sentencesPerSecond: Double
            }
            let report = Report(file: conll, finder: finder.description, sentences: sentences.count, gold: score.gold,
                                predicted: score.predicted, correct: score.correct, precision: score.precision, recall: score.recall,
                                f1: score.f1, sentencesPerSecond: Double(sentences.count) / max(seconds, 1e-9))
            if json { print(try jsonString(report)); return }
            print(String(format: "%@\nPER on %@ (%d sentences, %d gold entities): P %.1f  R %.1f  F1 %.1f  (%d found, %d right); %.0f sentences/s (one at a time, 1 thread)",
                         finder.description, conll, sentences.count, score.gold, 100 * score.precision, 100 * score.recall, 100 * score.f1, score.predicted,
                         score.correct, report.sentencesPerSecond))
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Train the person-name tagger on a CoNLL file and score it on another.")

        @Option(help: ArgumentHelp("Training file (CoNLL-2003 format).", valueName: "file"))
        var conll: String

        @Option(help: ArgumentHelp("Development file to score on after training.", valueName: "file"))
        var eval: String?

        @Option(help: "Training passes.")
        var epochs = 10

        @Option(help: "Seed of the training order.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp("Where to write the model (default: $SECLA_NAMES_MODEL_DIR or ~/.cache/secla/models/person-names, where ingest looks).", valueName: "dir"))
        var out: String?

        func validate() throws {
            guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        }

        func run() throws {
            let docs = try exitingOnDataError { try PersonNameTagger.documents(path: conll) }
            let started = Date()
            let tagger = PersonNameTagger.train(documents: docs, epochs: epochs, seed: seed) { epoch, errorRate in
                printNote(String(format: "epoch %d: %.3f of sentences wrong", epoch, errorRate))
            }
            printNote(String(format: "trained in %.1f s", Date().timeIntervalSince(started)))
            let folder = out ?? PersonNameTagger.defaultDirectory
            try exitingOnDataError { try tagger.write(to: folder) }
            printNote("model → \(folder)")
            if let eval {
                let dev = try exitingOnDataError { try PersonNameTagger.documents(path: eval) }
                let (score, seconds, n) = tagger.evaluate(documents: dev)
                print(String(format: "PER on %@: P %.1f  R %.1f  F1 %.1f  (%d gold, %d found, %d right); %.0f sentences/s (1 thread)", eval,
                             100 * score.precision, 100 * score.recall, 100 * score.f1, score.gold, score.predicted, score.correct, Double(n) / seconds))
            }
        }
    }
}

/// Which person-name finder a command uses.
struct NameFinderOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Person-name model folder (default: the trained model in the user cache, else the placeholder rule).", valueName: "dir"))
    var model: String?

    @Flag(help: "Use the placeholder rule even when a trained model is installed.")
    var placeholder = false

    func load() throws -> NameFinder {
        placeholder ? .placeholder : try exitingOnDataError { try NameFinder.load(folder: model) }
    }
}
