// CoNLL-2003 NER files and entity-level scoring, to measure person-name recognition on real news text.
//
// Format: one token per line, `token POS chunk NER`; sentences separated by blank lines; `-DOCSTART-` lines between
// documents. Tags are IOB1 in the original English data (an entity starts with I-; B- only between two adjacent
// entities of one type) and IOB2 in many copies (every entity starts with B-); `entities` reads both.
// Scoring is conlleval's: an entity counts as found only when its type and exact token span match.

import Foundation

public enum CoNLL {
    public struct Sentence: Equatable, Sendable {
        public var tokens: [String]
        public var tags: [String]
        /// 1-based line of the sentence's first token, for messages.
        public var line: Int
        /// Which document (counted by -DOCSTART- lines, from 0) the sentence belongs to.
        public var document: Int
        public init(tokens: [String], tags: [String], line: Int, document: Int = 0) {
            self.tokens = tokens; self.tags = tags; self.line = line; self.document = document
        }
    }

    /// A typed token span [start, end).
    public struct Span: Hashable, Sendable {
        public var type: String
        public var start: Int
        public var end: Int
        public init(type: String, start: Int, end: Int) { self.type = type; self.start = start; self.end = end }
    }

    /// Reads a CoNLL file; errors name the line. Tags must be O, B-X or I-X.
    public static func read(path: String) throws -> [Sentence] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)")
        }
        var sentences = [Sentence](), tokens = [String](), tags = [String](), first = 0, document = 0, documentHasSentences = false
        func close() {
            if !tokens.isEmpty {
                sentences.append(Sentence(tokens: tokens, tags: tags, line: first, document: document))
                documentHasSentences = true
            }
            tokens = []; tags = []
        }
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { close(); continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.first == "-DOCSTART-" {
                close()
                if documentHasSentences { document += 1; documentHasSentences = false }
                continue
            }
            guard fields.count >= 2 else { throw DataError(path: path, record: "line \(i + 1)", "expected `token … tag`, found \"\(line)\"") }
            let tag = String(fields.last!)
            guard tag == "O" || ((tag.hasPrefix("B-") || tag.hasPrefix("I-")) && tag.count > 2) else {
                throw DataError(path: path, record: "line \(i + 1)", field: "tag", "\"\(tag)\" is not O, B-TYPE or I-TYPE")
            }
            if tokens.isEmpty { first = i + 1 }
            tokens.append(String(fields[0])); tags.append(tag)
        }
        close()
        guard !sentences.isEmpty else { throw DataError(path: path, "holds no sentences") }
        return sentences
    }

    /// The entities of an IOB1 or IOB2 tag sequence: a new entity starts at B-, or at I- after O or another type.
    public static func entities(_ tags: [String]) -> [Span] {
        var out = [Span](), current: Span?
        for (i, tag) in tags.enumerated() {
            let type = tag == "O" ? nil : String(tag.dropFirst(2))
            if let c = current, type == c.type, !tag.hasPrefix("B-") {
                current!.end = i + 1
                continue
            }
            if let c = current { out.append(c) }
            current = type.map { Span(type: $0, start: i, end: i + 1) }
        }
        if let c = current { out.append(c) }
        return out
    }

    /// Precision, recall and F1 over exact spans.
    public struct Score: Codable, Equatable, Sendable {
        public var gold: Int
        public var predicted: Int
        public var correct: Int
        public var precision: Double { predicted > 0 ? Double(correct) / Double(predicted) : 0 }
        public var recall: Double { gold > 0 ? Double(correct) / Double(gold) : 0 }
        public var f1: Double { precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0 }

        public init(gold: Int = 0, predicted: Int = 0, correct: Int = 0) { self.gold = gold; self.predicted = predicted; self.correct = correct }

        public mutating func add(gold g: Set<Span>, predicted p: Set<Span>) {
            gold += g.count; predicted += p.count; correct += g.intersection(p).count
        }
    }

    /// The token spans of character ranges in `text` = the tokens joined by single spaces; a range that does not
    /// start and end on token boundaries gets the span (−1, −1), which matches nothing (a wrong boundary is an error).
    public static func tokenSpans(of ranges: [Range<String.Index>], tokens: [String], in text: String) -> [(Int, Int)] {
        var starts = [String.Index: Int](), ends = [String.Index: Int]()
        var index = text.startIndex
        for (k, t) in tokens.enumerated() {
            starts[index] = k
            index = text.index(index, offsetBy: t.count)
            ends[index] = k + 1
            if index < text.endIndex { index = text.index(after: index) }
        }
        return ranges.map { r in
            guard let s = starts[r.lowerBound], let e = ends[r.upperBound] else { return (-1, -1) }
            return (s, e)
        }
    }
}
