// The uncased BERT tokenizer (HF `BertTokenizer` with do_lower_case, strip accents, CJK spacing), from `vocab.txt`.
//
// Steps, in HF's order (`BasicTokenizer.tokenize`, then `WordpieceTokenizer.tokenize`):
// 1. split out the special tokens written literally in the text ("[UNK]", …), which are kept whole, as HF does;
// 2. clean: drop NUL, U+FFFD and control characters (category C*, except \t \n \r), map whitespace to a space;
// 3. put spaces around CJK ideographs, split on whitespace;
// 4. per word: lowercase, NFD and drop combining marks (Mn), split punctuation into words of their own;
// 5. per word: greedy longest-match-first WordPiece with "##" continuations; a word longer than 100 characters
//    or with an unmatched remainder becomes one [UNK].
// Characters are Unicode scalars throughout, as Python's are code points.

import Foundation

public struct WordPieceTokenizer: Sendable {
    /// Token → id (line number in vocab.txt; a repeated line takes the later id, as HF's dict does).
    public let ids: [String: Int]
    public let vocabularySize: Int
    public let unknownID: Int, clsID: Int, sepID: Int
    /// Maximum ids per sequence, [CLS] and [SEP] included (256 for all-MiniLM-L6-v2).
    public let maxLength: Int
    public static let maxCharactersPerWord = 100
    public static let specialTokens = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]

    /// `vocabulary[i]` is the token with id i. Throws when [UNK], [CLS] or [SEP] is missing or maxLength < 2.
    public init(vocabulary: [String], maxLength: Int, source: String = "<vocabulary>") throws {
        guard maxLength >= 2 else {
            throw DataError(path: source, "maximum sequence length \(maxLength) leaves no room for [CLS] and [SEP]")
        }
        var ids = [String: Int](minimumCapacity: vocabulary.count)
        for (i, token) in vocabulary.enumerated() { ids[token] = i }
        func special(_ token: String) throws -> Int {
            guard let id = ids[token] else {
                throw DataError(path: source, "the vocabulary has no \(token) token",
                                hint: "use the vocab.txt that comes with the model")
            }
            return id
        }
        self.ids = ids
        vocabularySize = vocabulary.count
        unknownID = try special("[UNK]")
        clsID = try special("[CLS]")
        sepID = try special("[SEP]")
        self.maxLength = maxLength
    }

    /// Reads vocab.txt: one token per line, the id being the line number.
    public init(vocabFile path: String, maxLength: Int) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(path: path, "cannot read the WordPiece vocabulary: \(error.localizedDescription)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }  // the final newline does not start a token
        try self.init(vocabulary: lines, maxLength: maxLength, source: path)
    }

    // MARK: Encoding

    /// `[CLS] pieces… [SEP]` ids, the pieces truncated so that the whole fits in `maxLength`.
    public func encode(_ text: String) -> [Int] {
        var pieces = tokenize(text).map { ids[$0] ?? unknownID }
        if pieces.count > maxLength - 2 { pieces.removeLast(pieces.count - (maxLength - 2)) }
        return [clsID] + pieces + [sepID]
    }

    /// The WordPiece strings of `text`, without [CLS]/[SEP].
    public func tokenize(_ text: String) -> [String] {
        var out = [String]()
        for part in Self.splitSpecialTokens(text) {
            if part.special { out.append(part.text); continue }
            for word in Self.basicTokens(part.text) { out += wordPieces(word) }
        }
        return out
    }

    /// Greedy longest-match-first WordPiece split of one basic token.
    public func wordPieces(_ word: String) -> [String] {
        let chars = Array(word.unicodeScalars)
        if chars.count > Self.maxCharactersPerWord { return ["[UNK]"] }
        var pieces = [String](), start = 0
        while start < chars.count {
            var end = chars.count
            var found: String? = nil
            while start < end {
                var piece = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if ids[piece] != nil { found = piece; break }
                end -= 1
            }
            guard let found else { return ["[UNK]"] }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    // MARK: Basic tokenizer

    /// Lower-cased, accent-stripped, punctuation-split words of `text` (no special-token handling).
    public static func basicTokens(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) { cleaned.append(" ") }
            else if isCJK(s) { cleaned.append(" "); cleaned.append(s); cleaned.append(" ") }
            else { cleaned.append(s) }
        }
        var out = [String]()
        for word in String(cleaned).split(separator: " ", omittingEmptySubsequences: true) {
            let folded = pythonLowercased(word).decomposedStringWithCanonicalMapping
            var current = String.UnicodeScalarView()
            for s in folded.unicodeScalars {
                if s.properties.generalCategory == .nonspacingMark { continue }
                if isPunctuation(s) {
                    if !current.isEmpty { out.append(String(current)); current = .init() }
                    out.append(String(s))
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { out.append(String(current)) }
        }
        return out
    }

    /// Python's `str.lower()`: the full lower-case mapping of each scalar, and a capital sigma that ends a word
    /// becomes final sigma "ς" (Swift's `lowercased()` always gives "σ").
    static func pythonLowercased(_ word: Substring) -> String {
        let scalars = Array(word.unicodeScalars)
        func casedNeighbour(from start: Int, step: Int) -> Bool {
            var i = start
            while i >= 0 && i < scalars.count {
                let p = scalars[i].properties
                if !p.isCaseIgnorable { return p.isCased }
                i += step
            }
            return false
        }
        var out = String.UnicodeScalarView()
        for (i, s) in scalars.enumerated() {
            if s.value == 0x3A3 && casedNeighbour(from: i - 1, step: -1) && !casedNeighbour(from: i + 1, step: 1) {
                out.append("\u{3C2}")
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// The text cut around literal special tokens, which HF never lower-cases or splits.
    static func splitSpecialTokens(_ text: String) -> [(text: String, special: Bool)] {
        var parts = [(text: String, special: Bool)]()
        var rest = Substring(text)
        while !rest.isEmpty {
            var first: (range: Range<Substring.Index>, token: String)? = nil
            for token in specialTokens {
                if let r = rest.range(of: token), first.map({ r.lowerBound < $0.range.lowerBound }) ?? true {
                    first = (r, token)
                }
            }
            guard let first else { parts.append((String(rest), false)); break }
            if first.range.lowerBound > rest.startIndex { parts.append((String(rest[..<first.range.lowerBound]), false)) }
            parts.append((first.token, true))
            rest = rest[first.range.upperBound...]
        }
        return parts
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    /// Category C* (control, format, unassigned, private use, surrogate), except the whitespace controls.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    /// ASCII symbols count as punctuation (BERT's rule: "$", "^", "`" are split too), plus every category P*.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT spaces out (not Hiragana, Katakana or Hangul).
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
