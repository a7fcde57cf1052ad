// Person names from caption text: a PLACEHOLDER rule, until the learned person-name recogniser lands (issue 19).
//
// The rule, and only this: a name is a run of two to five capitalised words ("Barack Obama", "George W. Bush",
// "Ana Guevara", particles such as "de", "van", "bin" allowed inside), after dropping leading titles ("President",
// "Vice", "Gov.", "Dr.", …) and sentence-start words ("The", "In", …); all-capital words (bylines, datelines: "AP",
// "WASHINGTON") and runs holding a month or weekday are not names; a later single word equal to the last word of
// a name found earlier ("Bush") is that person again; "Blair's" is "Blair". Measured on real news it finds most
// full names but also organisations and places written as two capitalised words ("White House", "New York"): pass
// `names` in the sidecar when you know them. `secla names eval --conll FILE` measures it (PER, exact spans).

import Foundation

/// One person mention in a text: the name as written and its character range.
public struct PersonMention: Equatable, Sendable {
    public var text: String
    public var range: Range<String.Index>
    /// For a surname-only mention, the full name mentioned earlier that it refers to.
    public var refersTo: String?
}

public enum CaptionNameFinder {
    /// Words dropped from the start of a run: titles, roles and common sentence starts.
    static let leadingStopWords: Set<String> = [
        "president", "vice", "prime", "minister", "secretary", "senator", "sen", "rep", "representative", "gov", "governor",
        "dr", "mr", "mrs", "ms", "miss", "sir", "lord", "lady", "king", "queen", "prince", "princess", "pope", "general",
        "gen", "col", "lt", "sgt", "capt", "captain", "chancellor", "judge", "justice", "coach", "mayor", "former", "first",
        "chief", "director", "chairman", "ceo", "ambassador", "attorney", "defense", "foreign", "state", "u.s", "us",
        "british", "french", "german", "american", "russian", "israeli", "palestinian", "iraqi", "chinese", "japanese",
        "the", "a", "an", "in", "on", "at", "from", "with", "and", "but", "after", "before", "during", "as", "this",
        "that", "these", "those", "his", "her", "their", "its", "actor", "actress", "singer", "star", "player", "director",
        "rev", "reverend", "cardinal", "archbishop", "bishop", "sheikh", "crown", "emperor", "premier", "speaker",
    ]
    /// A run holding one of these is a date or a place, not a person.
    static let excludedWords: Set<String> = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "photo", "file",
        "house", "hall", "street", "square", "park", "university", "college", "church", "center", "centre", "airport",
        "stadium", "cup", "open", "games", "party", "council", "court", "department", "ministry", "office", "bank",
        "united", "nations", "states", "kingdom", "union", "republic", "new", "york", "city", "county", "river",
    ]
    static let particles: Set<String> = ["de", "da", "del", "della", "der", "den", "van", "von", "bin", "al", "le", "la", "du", "dos", "di"]

    /// The caption's person names, in order of first mention, each once.
    public static func names(in caption: String) -> [String] {
        var found = [String]()
        for m in mentions(in: caption) where m.refersTo == nil && !found.contains(m.text) { found.append(m.text) }
        return found
    }

    /// Every person mention, in text order: full names, and single words that repeat the last word of a name
    /// mentioned earlier ("Bush" after "George W. Bush"), with their character ranges in `caption`.
    public static func mentions(in caption: String) -> [PersonMention] {
        var out = [PersonMention]()
        var run = [(word: String, range: Range<String.Index>)]()
        func flush() {
            defer { run.removeAll() }
            while let first = run.first, leadingStopWords.contains(normalised(first.word)) { run.removeFirst() }
            while let last = run.last, particles.contains(last.word) { run.removeLast() }
            guard !run.isEmpty else { return }
            if run.count == 1 {
                // A lone word that repeats the surname of a name already found is that person again.
                if let earlier = out.first(where: { $0.refersTo == nil && $0.text.split(separator: " ").last.map(String.init) == run[0].word }) {
                    out.append(PersonMention(text: run[0].word, range: run[0].range, refersTo: earlier.text))
                }
                return
            }
            guard run.count <= 5, !run.contains(where: { excludedWords.contains(normalised($0.word)) }) else { return }
            out.append(PersonMention(text: run.map(\.word).joined(separator: " "), range: run.first!.range.lowerBound..<run.last!.range.upperBound))
        }
        var index = caption.startIndex
        while index < caption.endIndex {
            // The next whitespace-separated token and its range.
            guard let start = caption[index...].firstIndex(where: { !$0.isWhitespace }) else { break }
            let end = caption[start...].firstIndex(where: { $0.isWhitespace }) ?? caption.endIndex
            index = end
            var lower = start, upper = end
            // Opening punctuation starts a new run; closing punctuation ends the run after this word.
            if "([\"'“‘".contains(caption[lower]) { flush(); lower = caption.index(after: lower) }
            var ends = false
            while upper > lower, ",;:!?)]\"'”’".contains(caption[caption.index(before: upper)]) { upper = caption.index(before: upper); ends = true }
            var word = String(caption[lower..<upper])
            if word.hasSuffix("'s") || word.hasSuffix("’s") {
                word.removeLast(2); upper = caption.index(upper, offsetBy: -2); ends = true
            }
            if word.hasSuffix("."), !isInitial(word), !isAbbreviatedTitle(word) {
                word.removeLast(); upper = caption.index(before: upper); ends = true
            }
            if !word.isEmpty && (isNameWord(word) || (!run.isEmpty && particles.contains(word))) {
                run.append((word, lower..<upper))
            } else {
                flush()
            }
            if ends { flush() }
        }
        flush()
        return out
    }

    static func normalised(_ word: String) -> String {
        word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// "W." or "J.R."
    static func isInitial(_ word: String) -> Bool {
        let letters = word.filter { $0 != "." }
        return !letters.isEmpty && letters.count <= 2 && letters.allSatisfy(\.isUppercase) && word.hasSuffix(".")
    }

    static func isAbbreviatedTitle(_ word: String) -> Bool { leadingStopWords.contains(normalised(word)) }

    /// Capitalised (first letter upper case, some lower case letter after it) or an initial; not all capitals.
    static func isNameWord(_ word: String) -> Bool {
        guard let first = word.first, first.isUppercase, first.isLetter else { return false }
        if isInitial(word) { return true }
        let rest = word.dropFirst()
        guard rest.contains(where: { $0.isLowercase }) else { return false }
        return rest.allSatisfy { $0.isLetter || $0 == "-" || $0 == "'" || $0 == "’" || $0 == "." }
    }

    /// Candidate list in the native format: the names in first-mention order with their ranks and, with the caption,
    /// their mention counts, then NONAME.
    public static func candidates(names: [String], caption: String? = nil) -> [CandidateName] {
        names.enumerated().map { k, name in CandidateName(name, mention: k, mentions: caption.map { mentionCount(of: name, in: $0) }) }
            + [CandidateName(noName)]
    }

    /// How often `name` is mentioned: whole-word occurrences of its last word ("Bush" counts "George W. Bush" and a
    /// later "Bush's"), at least 1.
    public static func mentionCount(of name: String, in caption: String) -> Int {
        guard let last = name.split(separator: " ").last.map(String.init), !last.isEmpty else { return 1 }
        var count = 0, searchStart = caption.startIndex
        while let r = caption.range(of: last, range: searchStart..<caption.endIndex) {
            let before = r.lowerBound == caption.startIndex ? nil : caption[caption.index(before: r.lowerBound)]
            let after = r.upperBound == caption.endIndex ? nil : caption[r.upperBound]
            if !(before?.isLetter ?? false) && !(after?.isLetter ?? false) { count += 1 }
            searchStart = r.upperBound
        }
        return max(1, count)
    }
}
