import FaceNaming
import Foundation
import Testing

/// Person names in text: the CoNLL reader and scorer, and the placeholder finder's mentions with character ranges.
@Suite struct TextTests {
    @Test func entitiesFromIOB1AndIOB2() {
        // IOB1: an entity starts with I-; B- only between two adjacent entities of one type.
        #expect(CoNLL.entities(["I-PER", "I-PER", "O", "I-ORG", "I-PER", "B-PER"]) == [
            CoNLL.Span(type: "PER", start: 0, end: 2), CoNLL.Span(type: "ORG", start: 3, end: 4),
            CoNLL.Span(type: "PER", start: 4, end: 5), CoNLL.Span(type: "PER", start: 5, end: 6),
        ])
        // IOB2 reads the same way.
        #expect(CoNLL.entities(["B-PER", "I-PER", "B-PER", "O"]) == [CoNLL.Span(type: "PER", start: 0, end: 2), CoNLL.Span(type: "PER", start: 2, end: 3)])
        #expect(CoNLL.entities([]) == [])
    }

    @Test func readerSplitsSentencesAndNamesBadLines() throws {
        let dir = try TempFolder()
        let good = try dir.write("a.conll", "-DOCSTART- -X- O O\n\nPhil NNP I-NP I-PER\nSimmons NNP I-NP I-PER\nwon VBD I-VP O\n\nLara NNP I-NP I-PER\n")
        let sentences = try CoNLL.read(path: good)
        #expect(sentences.map(\.tokens) == [["Phil", "Simmons", "won"], ["Lara"]])
        #expect(sentences[1].line == 7)
        let bad = try dir.write("b.conll", "Phil NNP I-NP I-PER\nSimmons NNP I-NP PERSON\n")
        #expect(throws: DataError.self) { try CoNLL.read(path: bad) }
        do { _ = try CoNLL.read(path: bad) } catch let e as DataError { #expect(e.description.contains("line 2, field 'tag'")) }
    }

    @Test func scoreCountsExactSpansOnly() {
        var s = CoNLL.Score()
        let gold: Set = [CoNLL.Span(type: "PER", start: 0, end: 2), CoNLL.Span(type: "PER", start: 5, end: 6)]
        s.add(gold: gold, predicted: [CoNLL.Span(type: "PER", start: 0, end: 2), CoNLL.Span(type: "PER", start: 5, end: 7)])
        #expect(s.gold == 2 && s.predicted == 2 && s.correct == 1)
        #expect(abs(s.f1 - 0.5) < 1e-12)
    }

    @Test func mentionsCarryRangesAndSurnameRepeats() {
        let caption = "WASHINGTON (AP) - Gov. Gray Davis, left, greets Ana Guevara's coach. Davis said Guevara won."
        let mentions = CaptionNameFinder.mentions(in: caption)
        #expect(mentions.map(\.text) == ["Gray Davis", "Ana Guevara", "Davis", "Guevara"])
        #expect(mentions.map { String(caption[$0.range]) } == ["Gray Davis", "Ana Guevara", "Davis", "Guevara"])
        #expect(mentions.map(\.refersTo) == [nil, nil, "Gray Davis", "Ana Guevara"])
        #expect(CaptionNameFinder.names(in: caption) == ["Gray Davis", "Ana Guevara"])
        // Token spans of a space-joined sentence; a range off the token boundaries matches nothing.
        let tokens = ["Gov.", "Gray", "Davis", "met", "Lara", "."]
        let text = tokens.joined(separator: " ")
        let found = CaptionNameFinder.mentions(in: text)
        #expect(CoNLL.tokenSpans(of: found.map(\.range), tokens: tokens, in: text).map { [$0.0, $0.1] } == [[1, 3]])
        let inside = text.index(text.startIndex, offsetBy: 6)..<text.index(text.startIndex, offsetBy: 10)  // "ray "
        #expect(CoNLL.tokenSpans(of: [inside], tokens: tokens, in: text).map { [$0.0, $0.1] } == [[-1, -1]])
    }

    @Test func oddCaptionsGiveASensibleResult() {
        #expect(CaptionNameFinder.mentions(in: "").isEmpty)
        #expect(CaptionNameFinder.mentions(in: "only lowercase words here, no names at all").isEmpty)
        #expect(CaptionNameFinder.mentions(in: "Лидеры встретились в Москве 北京").isEmpty)
        #expect(CaptionNameFinder.mentions(in: "( ) ' \" 's . , (L)").isEmpty)
        let long = String(repeating: "Jacques Chirac met Gerhard Schroeder. ", count: 300)  // 11,400 characters
        #expect(CaptionNameFinder.names(in: long) == ["Jacques Chirac", "Gerhard Schroeder"])
    }
}
