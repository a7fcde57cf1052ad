import FaceNaming
import Foundation
import Testing

/// The person-name tagger: learns from CoNLL sentences, decodes valid BIO, survives odd captions, round-trips its files.
@Suite struct PersonNameTaggerTests {
    /// Small synthetic news documents: "<First> <Last> said …", later "<Last> added …", plus organisations and places.
    static func documents(seed: Int, count: Int) -> [[CoNLL.Sentence]] {
        let first = ["John", "Maria", "Peter", "Anna", "Carlos", "Yuki", "Ahmed", "Olga", "David", "Lena"]
        let last = ["Smith", "Garcia", "Novak", "Tanaka", "Haddad", "Ivanova", "Brown", "Keller", "Rossi", "Moreau"]
        let orgs = ["Reuters", "Toyota", "Siemens", "Fiat"], places = ["Paris", "Tokyo", "Cairo", "Lima"]
        var docs = [[CoNLL.Sentence]]()
        for k in 0..<count {
            let f = first[(k * 7 + seed) % first.count], l = last[(k * 3 + seed * 5) % last.count]
            let o = orgs[k % orgs.count], p = places[(k + seed) % places.count]
            docs.append([
                CoNLL.Sentence(tokens: [f, l, "said", "on", "Monday", "in", p, "."], tags: ["I-PER", "I-PER", "O", "O", "O", "O", "I-LOC", "O"], line: 1),
                CoNLL.Sentence(tokens: [l, "added", "that", o, "would", "pay", "."], tags: ["I-PER", "O", "O", "I-ORG", "O", "O", "O"], line: 2),
            ])
        }
        return docs
    }

    @Test func learnsNamesAndDecodesValidBIO() throws {
        let tagger = PersonNameTagger.train(documents: Self.documents(seed: 0, count: 60), epochs: 5)
        let (score, _, _) = tagger.evaluate(documents: Self.documents(seed: 3, count: 20))
        #expect(score.f1 > 0.9, "F1 \(score.f1)")
        // Never I-PER after O or at the start.
        for tags in tagger.tag(document: [["Reuters", "said", "Smith", "Brown", "left", "."], ["Garcia"]]) {
            for (i, t) in tags.enumerated() where t == "I-PER" { #expect(i > 0 && tags[i - 1] != "O") }
        }
    }

    @Test func modelFilesRoundTrip() throws {
        let tagger = PersonNameTagger.train(documents: Self.documents(seed: 1, count: 40), epochs: 3)
        let dir = try TempFolder()
        try tagger.write(to: dir.path)
        let back = try PersonNameTagger.read(folder: dir.path)
        let docs = Self.documents(seed: 4, count: 10).map { $0.map(\.tokens) }
        for d in docs { #expect(back.tag(document: d) == tagger.tag(document: d)) }
        // A folder without a model is a clear error.
        let empty = try TempFolder()
        #expect(throws: DataError.self) { try PersonNameTagger.read(folder: empty.path) }
        #expect(throws: DataError.self) { try NameFinder.load(folder: empty.path) }
    }

    @Test func captionsAreTokenizedAsCoNLLWritesThem() {
        let text = "Blair's aide (L) met George W. Bush, in the U.S. today."
        #expect(PersonNameTagger.tokenize(text).map(\.token) == ["Blair", "'s", "aide", "(", "L", ")", "met", "George", "W.", "Bush", ",", "in",
                                                               "the", "U.S.", "today", "."])
        for (t, r) in PersonNameTagger.tokenize(text) { #expect(String(text[r]) == t) }
    }

    @Test func oddCaptionsDoNotTrap() {
        let tagger = PersonNameTagger.train(documents: Self.documents(seed: 2, count: 30), epochs: 2)
        for caption in ["", "   ", "only lowercase words here", "Лидеры встретились в Москве 北京", "( ) ' \" 's . , (L)", "'s",
                        String(repeating: "John Smith met Anna Novak in Paris. ", count: 300)] {
            let mentions = tagger.captionMentions(in: caption)
            for m in mentions { #expect(!String(caption[m.range]).isEmpty) }
        }
        let long = String(repeating: "John Smith met Anna Novak in Paris. ", count: 300)  // 10,800 characters
        let names = tagger.names(in: long)
        #expect(names.contains("John Smith") && Set(names).count == names.count, "\(names)")  // each name once
    }

    /// On real news (CoNLL-2003, when the shared data is beside the repository): a tagger trained on part of
    /// eng.train finds most people in part of eng.testa, well above the placeholder rule.
    @Test func realNewsBeatsThePlaceholder() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/conll2003")
        let train = root.appendingPathComponent("eng.train").path, dev = root.appendingPathComponent("eng.testa").path
        guard FileManager.default.fileExists(atPath: train), FileManager.default.fileExists(atPath: dev) else { return }
        let tagger = PersonNameTagger.train(documents: Array(try PersonNameTagger.documents(path: train).prefix(300)), epochs: 5)
        let devDocs = Array(try PersonNameTagger.documents(path: dev).prefix(60))
        let (score, _, _) = tagger.evaluate(documents: devDocs)
        var placeholder = CoNLL.Score()
        for s in devDocs.joined() {
            let text = s.tokens.joined(separator: " ")
            let spans = CoNLL.tokenSpans(of: CaptionNameFinder.mentions(in: text).map(\.range), tokens: s.tokens, in: text)
            placeholder.add(gold: Set(CoNLL.entities(s.tags).filter { $0.type == "PER" }),
                            predicted: Set(spans.enumerated().map { CoNLL.Span(type: "PER", start: $1.0 >= 0 ? $1.0 : -1 - $0, end: $1.1) }))
        }
        #expect(score.f1 > 0.75, "tagger F1 \(score.f1)")
        #expect(score.f1 > placeholder.f1 + 0.05, "tagger \(score.f1), placeholder \(placeholder.f1)")
    }
}
