import ArgumentParser
import FaceNaming
import Foundation

struct NamesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "names",
        abstract: "Person names in caption text: find them, or measure the finder on a CoNLL file.",
        discussion: """
            The finder is today's placeholder rule (docs/ingest.md, "Names from caption text"), the one `secla ingest`
            uses when a caption record has no `names`.
              secla names find "Vice President Joe Biden (L) and President Barack Obama wave."
              secla names eval --conll ../shared/data/conll2003/eng.testa
            """,
        subcommands: [Find.self, Eval.self]
    )

    struct Find: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the person mentions of a caption with their character offsets.")

        @Argument(help: "The caption text.")
        var caption: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let mentions = CaptionNameFinder.mentions(in: caption)
            struct Row: Encodable { var text: String; var start: Int; var end: Int; var refersTo: String? }
            let rows = mentions.map {
                Row(text: $0.text, start: caption.distance(from: caption.startIndex, to: $0.range.lowerBound),
                    end: caption.distance(from: caption.startIndex, to: $0.range.upperBound), refersTo: $0.refersTo)
            }
            if json { print(try jsonString(["mentions": rows])); return }
            if rows.isEmpty { print("no person names found"); return }
            for r in rows { print("\(r.start)–\(r.end)  \(r.text)" + (r.refersTo.map { "  (= \($0))" } ?? "")) }
            print("candidates: " + CaptionNameFinder.names(in: caption).joined(separator: ", "))
        }
    }

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "PER precision, recall and F1 (exact spans, conlleval-style) of the name finder on a CoNLL file, with speed.",
            discussion: "Each sentence is given to the finder as its tokens joined by single spaces; a found name counts when its token span equals a gold PER entity's."
        )

        @Option(help: ArgumentHelp("A CoNLL-2003-format file (token … NER tag per line; IOB1 or IOB2).", valueName: "file"))
        var conll: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let sentences = try exitingOnDataError { try CoNLL.read(path: conll) }
            var score = CoNLL.Score()
            let started = Date()
            for s in sentences {
                let text = s.tokens.joined(separator: " ")
                let mentions = CaptionNameFinder.mentions(in: text)
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
            let report = Report(file: conll, finder: "placeholder rule (CaptionNameFinder)", sentences: sentences.count, gold: score.gold,
                                predicted: score.predicted, correct: score.correct, precision: score.precision, recall: score.recall,
                                f1: score.f1, sentencesPerSecond: Double(sentences.count) / max(seconds, 1e-9))
            if json { print(try jsonString(report)); return }
            print(String(format: "PER on %@ (%d sentences, %d gold entities): P %.1f  R %.1f  F1 %.1f  (%d found, %d right); %.0f sentences/s",
                         conll, sentences.count, score.gold, 100 * score.precision, 100 * score.recall, 100 * score.f1, score.predicted,
                         score.correct, report.sentencesPerSecond))
        }
    }
}
