import FaceNaming
import Foundation
import Testing

/// The BERT tokenizer on a tiny hand-made vocabulary (no model files needed).
@Suite struct WordPieceTokenizerTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                             "jose", "o", "'", "neill", "george", "w", ".", "bush", "schwarz", "##en", "##egger",
                             "李", "明", "smith", "-", "jean", "##s"]
    let tok = try! WordPieceTokenizer(vocabulary: vocabulary, maxLength: 8)
    func id(_ t: String) -> Int { Self.vocabulary.firstIndex(of: t)! }

    @Test func accentsAreStrippedAndCaseFolded() {
        #expect(tok.tokenize("José") == ["jose"])
        #expect(tok.tokenize("JOSÉ") == ["jose"])
        #expect(tok.tokenize("Jose\u{301}") == ["jose"])  // already decomposed
        // Python's lower(): final sigma at the end of a word, and İ → i + U+0307, whose mark is then stripped
        #expect(WordPieceTokenizer.basicTokens("ΟΔΥΣΣΕΥΣ Σ") == ["οδυσσευς", "σ"])
        #expect(WordPieceTokenizer.basicTokens("İstanbul") == ["istanbul"])
    }

    @Test func punctuationIsSplit() {
        #expect(tok.tokenize("O'Neill") == ["o", "'", "neill"])
        #expect(tok.tokenize("George W. Bush") == ["george", "w", ".", "bush"])
        #expect(tok.tokenize("Jean-Smith") == ["jean", "-", "smith"])
        #expect(WordPieceTokenizer.basicTokens("a$b^c`d") == ["a", "$", "b", "^", "c", "`", "d"])
        #expect(WordPieceTokenizer.basicTokens("«x»") == ["«", "x", "»"])
    }

    @Test func cjkIdeographsAreSpacedOut() {
        #expect(WordPieceTokenizer.basicTokens("李明") == ["李", "明"])
        #expect(tok.tokenize("Smith李明") == ["smith", "李", "明"])
    }

    @Test func cleaningDropsControlsAndMapsWhitespace() {
        #expect(WordPieceTokenizer.basicTokens("\u{0}bush\u{FFFD}\tgeorge\u{200B}\u{A0}w") == ["bush", "george", "w"])
        #expect(WordPieceTokenizer.basicTokens("  \n ") == [])
    }

    @Test func wordPiecesGreedyLongestMatch() {
        #expect(tok.tokenize("Schwarzenegger") == ["schwarz", "##en", "##egger"])
        #expect(tok.tokenize("Jeans") == ["jean", "##s"])
    }

    @Test func unknownWords() {
        #expect(tok.tokenize("Xavier Bush") == ["[UNK]", "bush"])
        #expect(tok.tokenize("Bushx") == ["[UNK]"])  // unmatched remainder: the whole word is unknown
        #expect(tok.wordPieces(String(repeating: "o", count: 101)) == ["[UNK]"])
    }

    @Test func specialTokensInTheTextStayWhole() {
        #expect(tok.tokenize("[UNK]") == ["[UNK]"])
        #expect(tok.encode("[UNK]") == [id("[CLS]"), id("[UNK]"), id("[SEP]")])
        #expect(tok.tokenize("bush[SEP]José") == ["bush", "[SEP]", "jose"])
    }

    @Test func encodeAddsClsSepAndTruncates() {
        #expect(tok.encode("George W. Bush") == [2, id("george"), id("w"), id("."), id("bush"), 3])
        #expect(tok.encode("") == [2, 3])
        let long = tok.encode("bush bush bush bush bush bush bush bush bush")
        #expect(long.count == 8 && long.first == 2 && long.last == 3)
    }

    @Test func missingSpecialTokensAreRejected() {
        #expect(throws: DataError.self) { try WordPieceTokenizer(vocabulary: ["[CLS]", "[SEP]"], maxLength: 8) }
        #expect(throws: DataError.self) { try WordPieceTokenizer(vocabulary: Self.vocabulary, maxLength: 1) }
    }
}
