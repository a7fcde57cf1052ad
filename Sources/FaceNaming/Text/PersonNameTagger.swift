// A person-name tagger for caption text: an averaged structured perceptron over hashed word features with BIO tags
// (O, B-PER, I-PER) and Viterbi decoding, trained on CoNLL-2003 `eng.train`.
//
// Why this design: it must run inside the Swift binary at thousands of captions per second on two cores (a BERT-class
// encoder runs a few hundred), and the classic feature-rich linear taggers reach the high 80s to low 90s on PER.
// Features per token (each template hashed into `hashSize` buckets, one weight per tag):
//   the word lower-cased, its shape (Xxxx, XX, x.x.), prefixes 1–3 and suffixes 1–4, capitalised / all capitals /
//   first in the sentence, the two words and shapes on each side, word bigrams with the neighbours, and two
//   gazetteers built from the training entities: first words and last words of person names;
//   and one non-local feature: the word appears elsewhere in the same document (caption) right after a known first
//   name ("Havel" later in a text that said "Vaclav Havel"), which is what surname-only mentions need.
// Transitions between tags are weights of their own; I-PER cannot follow O.

import Foundation
import NumericCore

public struct PersonNameTagger: Sendable {
    public static let tags = ["O", "B-PER", "I-PER"]
    static let hashSize = 1 << 21
    static let gazetteerFolds = 5

    /// (hashSize, 3) weights, row-major.
    var weights: [Float]
    /// transitions[from * 3 + to], `from` = 3 for the sentence start.
    var transitions: [Float]
    var firstNames: Set<String>
    var lastNames: Set<String>
    /// Words seen in lower case at least twice in the training text: a capitalised one is more often a sentence
    /// start or a title than a name.
    var commonWords: Set<String> = []

    // MARK: - Features

    static func shape(_ w: String) -> String {
        var out = "", last: Character = " "
        for c in w {
            let s: Character = c.isUppercase ? "X" : c.isLowercase ? "x" : c.isNumber ? "d" : c
            if s != last || !"Xxd".contains(s) { out.append(s) }
            last = s
        }
        return out
    }

    static func hash(_ s: String) -> Int {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return Int(h % UInt64(hashSize))
    }

    /// Hashed feature buckets of every token of one sentence; `document` holds the lower-cased words that follow a
    /// known first name anywhere in the sentence's document.
    func features(_ tokens: [String], document: Set<String>) -> [[Int]] {
        let lower = tokens.map { $0.lowercased() }
        let shapes = tokens.map(Self.shape)
        func at(_ a: [String], _ i: Int) -> String { i < 0 ? "<s>" : i >= a.count ? "</s>" : a[i] }
        return tokens.indices.map { i in
            let w = lower[i], t = tokens[i]
            var f = ["b", "w=" + w, "sh=" + shapes[i],
                     "w-1=" + at(lower, i - 1), "w+1=" + at(lower, i + 1), "w-2=" + at(lower, i - 2), "w+2=" + at(lower, i + 2),
                     "sh-1=" + at(shapes, i - 1), "sh+1=" + at(shapes, i + 1),
                     "w-1w=" + at(lower, i - 1) + "|" + w, "ww+1=" + w + "|" + at(lower, i + 1),
                     "sh-1sh=" + at(shapes, i - 1) + "|" + shapes[i] + "|" + at(shapes, i + 1)]
            for k in 1...3 where w.count >= k { f.append("p\(k)=" + w.prefix(k)) }
            for k in 1...4 where w.count >= k { f.append("s\(k)=" + w.suffix(k)) }
            let capitalised = t.first?.isUppercase == true
            if capitalised { f.append(i == 0 ? "cap-first" : "cap") }
            if t.count > 1 && t.allSatisfy({ !$0.isLowercase }) && t.contains(where: \.isLetter) { f.append("allcaps") }
            if firstNames.contains(w) { f.append("gaz-first"); if capitalised { f.append("gaz-first-cap") } }
            if lastNames.contains(w) { f.append("gaz-last"); if capitalised { f.append("gaz-last-cap") } }
            if i > 0 && firstNames.contains(lower[i - 1]) && tokens[i - 1].first?.isUppercase == true { f.append("after-first-name") }
            if i + 1 < tokens.count && lastNames.contains(lower[i + 1]) && tokens[i + 1].first?.isUppercase == true { f.append("before-last-name") }
            if capitalised && document.contains(w) { f.append("doc-surname") }
            if capitalised && commonWords.contains(w) { f.append(i == 0 ? "cap-common-first" : "cap-common") }
            return f.map(Self.hash)
        }
    }

    /// Lower-cased words that follow a capitalised known first name in `sentences` (one document).
    func documentSurnames(_ sentences: [[String]]) -> Set<String> {
        var out = Set<String>()
        for s in sentences {
            for i in 1..<max(1, s.count) where s[i].first?.isUppercase == true && s[i - 1].first?.isUppercase == true
                && firstNames.contains(s[i - 1].lowercased()) {
                out.insert(s[i].lowercased())
            }
        }
        return out
    }

    // MARK: - Decoding

    /// Viterbi over the three tags; I-PER never follows O or the start.
    func decode(_ features: [[Int]], weights w: [Float], transitions tr: [Float]) -> [Int] {
        let n = features.count
        guard n > 0 else { return [] }
        var score = [Float](repeating: 0, count: n * 3), back = [Int](repeating: 0, count: n * 3)
        func emission(_ i: Int, _ t: Int) -> Float { features[i].reduce(0) { $0 + w[$1 * 3 + t] } }
        for t in 0..<3 { score[t] = t == 2 ? -.infinity : tr[3 * 3 + t] + emission(0, t) }
        for i in 1..<n {
            for t in 0..<3 {
                let e = emission(i, t)
                var best: Float = -.infinity, arg = 0
                for p in 0..<3 {
                    if t == 2 && p == 0 { continue }
                    let s = score[(i - 1) * 3 + p] + tr[p * 3 + t]
                    if s > best { best = s; arg = p }
                }
                score[i * 3 + t] = best + e
                back[i * 3 + t] = arg
            }
        }
        var t = (0..<3).max { score[(n - 1) * 3 + $0] < score[(n - 1) * 3 + $1] }!
        var out = [Int](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) { out[i] = t; t = back[i * 3 + t] }
        return out
    }

    /// The tag of every token of each sentence of one document (a caption is a one-sentence document).
    public func tag(document sentences: [[String]]) -> [[String]] {
        let doc = documentSurnames(sentences)
        return sentences.map { s in decode(features(s, document: doc), weights: weights, transitions: transitions).map { Self.tags[$0] } }
    }

    // MARK: - Training

    /// BIO tags (0 O, 1 B, 2 I) of the PER entities of an IOB1/IOB2 sequence.
    static func bio(_ tags: [String]) -> [Int] {
        var out = [Int](repeating: 0, count: tags.count)
        for e in CoNLL.entities(tags) where e.type == "PER" {
            out[e.start] = 1
            for i in (e.start + 1)..<e.end { out[i] = 2 }
        }
        return out
    }

    /// Trains on CoNLL documents (sentences grouped by document) for `epochs` passes in a seeded order; averaged.
    public static func train(documents: [[CoNLL.Sentence]], epochs: Int = 10, seed: UInt64 = 1,
                             progress: ((Int, Double) -> Void)? = nil) -> PersonNameTagger {
        // Gazetteers from the training entities (first and last words of multi-word person names).
        func gazetteers(_ docs: [[CoNLL.Sentence]]) -> (Set<String>, Set<String>) {
            var first = Set<String>(), last = Set<String>()
            for d in docs {
                for s in d {
                    for e in CoNLL.entities(s.tags) where e.type == "PER" && e.end - e.start >= 2 {
                        first.insert(s.tokens[e.start].lowercased())
                        last.insert(s.tokens[e.end - 1].lowercased())
                    }
                }
            }
            return (first, last)
        }
        let (allFirst, allLast) = gazetteers(documents)
        var lowercaseCounts = [String: Int]()
        for d in documents { for s in d { for t in s.tokens where t.first?.isLowercase == true { lowercaseCounts[t, default: 0] += 1 } } }
        let common = Set(lowercaseCounts.filter { $0.value >= 2 }.keys)
        var tagger = PersonNameTagger(weights: [Float](repeating: 0, count: hashSize * 3), transitions: [Float](repeating: 0, count: 12),
                                      firstNames: allFirst, lastNames: allLast, commonWords: common)
        // Features once per sentence. A training document sees gazetteers built from the other folds only: with its
        // own names in them, the gazetteer fires on every training name and the tagger learns to trust it, then
        // misses the names a new text brings (recall 67% on eng.testa that way).
        var examples = [(features: [[Int]], gold: [Int])]()
        for fold in 0..<gazetteerFolds {
            let (first, last) = gazetteers(documents.indices.filter { $0 % gazetteerFolds != fold }.map { documents[$0] })
            let foldTagger = PersonNameTagger(weights: [], transitions: [], firstNames: first, lastNames: last, commonWords: common)
            for (k, d) in documents.enumerated() where k % gazetteerFolds == fold {
                let doc = foldTagger.documentSurnames(d.map(\.tokens))
                for s in d { examples.append((foldTagger.features(s.tokens, document: doc), bio(s.tags))) }
            }
        }
        var w = tagger.weights, tr = tagger.transitions
        var wSum = [Float](repeating: 0, count: w.count), trSum = [Float](repeating: 0, count: 12)  // Σ c·update
        var c: Float = 1
        var rng = SeededRandom(seed: seed)
        var order = Array(examples.indices)
        for epoch in 0..<epochs {
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
            var mistakes = 0
            for k in order {
                let (f, gold) = examples[k]
                let guess = tagger.decode(f, weights: w, transitions: tr)
                if guess != gold {
                    mistakes += 1
                    for i in f.indices where guess[i] != gold[i] {
                        for h in f[i] {
                            w[h * 3 + gold[i]] += 1; wSum[h * 3 + gold[i]] += c
                            w[h * 3 + guess[i]] -= 1; wSum[h * 3 + guess[i]] -= c
                        }
                    }
                    for i in f.indices {
                        let pg = i == 0 ? 3 : gold[i - 1], pp = i == 0 ? 3 : guess[i - 1]
                        if pg != pp || gold[i] != guess[i] {
                            tr[pg * 3 + gold[i]] += 1; trSum[pg * 3 + gold[i]] += c
                            tr[pp * 3 + guess[i]] -= 1; trSum[pp * 3 + guess[i]] -= c
                        }
                    }
                }
                c += 1
            }
            progress?(epoch + 1, Double(mistakes) / Double(order.count))
        }
        // Averaged weights: w − Σ c·update / c.
        for j in w.indices { w[j] -= wSum[j] / c }
        for j in tr.indices { tr[j] -= trSum[j] / c }
        tagger.weights = w
        tagger.transitions = tr
        return tagger
    }

    /// The sentences of a CoNLL file grouped into its documents (-DOCSTART- lines).
    public static func documents(path: String) throws -> [[CoNLL.Sentence]] {
        var docs = [[CoNLL.Sentence]]()
        for s in try CoNLL.read(path: path) {
            if docs.isEmpty || docs[docs.count - 1][0].document != s.document { docs.append([]) }
            docs[docs.count - 1].append(s)
        }
        return docs
    }
}

extension PersonNameTagger {
    /// PER precision / recall / F1 (exact spans) over CoNLL documents, and the seconds it took to tag them.
    public func evaluate(documents: [[CoNLL.Sentence]]) -> (score: CoNLL.Score, seconds: Double, sentences: Int) {
        var score = CoNLL.Score(), count = 0
        let started = Date()
        for d in documents {
            let tagged = tag(document: d.map(\.tokens))
            for (s, t) in zip(d, tagged) {
                score.add(gold: Set(CoNLL.entities(s.tags).filter { $0.type == "PER" }), predicted: Set(CoNLL.entities(t)))
                count += 1
            }
        }
        return (score, Date().timeIntervalSince(started), count)
    }
}

// MARK: - Model files

extension PersonNameTagger {
    /// `$SECLA_NAMES_MODEL_DIR`, else ${XDG_CACHE_HOME:-~/.cache}/secla/models/person-names (where `secla names
    /// train` writes by default).
    public static var defaultDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SECLA_NAMES_MODEL_DIR"], !dir.isEmpty { return dir }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return cache + "/secla/models/person-names"
    }

    struct Meta: Codable { var version: Int; var hashSize: Int; var firstNames: [String]; var lastNames: [String]; var commonWords: [String]? }

    /// Writes the non-zero weights (buckets.npy int64, weights.npy float32 [n, 3]), transitions.npy and meta.json;
    /// meta.json last, each file atomically.
    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var buckets = [Int64](), values = [Float]()
        for h in 0..<Self.hashSize where weights[h * 3] != 0 || weights[h * 3 + 1] != 0 || weights[h * 3 + 2] != 0 {
            buckets.append(Int64(h)); values += weights[h * 3..<h * 3 + 3]
        }
        func path(_ f: String) -> String { (folder as NSString).appendingPathComponent(f) }
        try NPY.write(buckets, shape: [buckets.count], to: path("buckets.npy"))
        try NPY.write(Tensor(shape: [buckets.count, 3], data: values), to: path("weights.npy"))
        try NPY.write(Tensor(shape: [12], data: transitions), to: path("transitions.npy"))
        let meta = Meta(version: 1, hashSize: Self.hashSize, firstNames: firstNames.sorted(), lastNames: lastNames.sorted(), commonWords: commonWords.sorted())
        try writeAtomically(try JSONEncoder().encode(meta), to: path("meta.json"))
    }

    /// Reads a model folder written by `write(to:)`; errors name the file.
    public static func read(folder: String) throws -> PersonNameTagger {
        func path(_ f: String) -> String { (folder as NSString).appendingPathComponent(f) }
        let meta: Meta
        do { meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: URL(fileURLWithPath: path("meta.json")))) } catch {
            throw DataError(path: path("meta.json"), "not a person-name model: \(error.localizedDescription)",
                            hint: "train one with `secla names train --conll eng.train`")
        }
        guard meta.version == 1, meta.hashSize == hashSize else {
            throw DataError(path: path("meta.json"), "model version \(meta.version) / hash size \(meta.hashSize) is not this build's (1 / \(hashSize))",
                            hint: "train it again with `secla names train`")
        }
        do {
            let buckets = try NPY.read(path: path("buckets.npy")).int64Array()
            let values = try NPY.read(path: path("weights.npy")).floatTensor()
            let transitions = try NPY.read(path: path("transitions.npy")).floatTensor()
            guard values.shape == [buckets.count, 3], transitions.shape == [12] else {
                throw DataError(path: folder, "weights.npy, buckets.npy and transitions.npy disagree in shape")
            }
            var w = [Float](repeating: 0, count: hashSize * 3)
            for (k, b) in buckets.enumerated() {
                guard b >= 0 && b < hashSize else { throw DataError(path: path("buckets.npy"), record: "entry \(k)", "bucket \(b) out of range") }
                for t in 0..<3 { w[Int(b) * 3 + t] = values.pointer[k * 3 + t] }
            }
            return PersonNameTagger(weights: w, transitions: Array(UnsafeBufferPointer(start: transitions.pointer, count: 12)),
                                    firstNames: Set(meta.firstNames), lastNames: Set(meta.lastNames), commonWords: Set(meta.commonWords ?? []))
        } catch let error as FormatError { throw DataError(error) }
    }

    // MARK: - Captions

    /// Caption text → tokens as CoNLL writes them (punctuation and a possessive "'s" split off), with their ranges.
    public static func tokenize(_ text: String) -> [(token: String, range: Range<String.Index>)] {
        var out = [(String, Range<String.Index>)]()
        var i = text.startIndex
        while i < text.endIndex {
            if text[i].isWhitespace { i = text.index(after: i); continue }
            var end = i
            while end < text.endIndex && !text[end].isWhitespace { end = text.index(after: end) }
            var lo = i, hi = end
            if text[lo..<hi] == "'s" || text[lo..<hi] == "’s" || text[lo..<hi] == "n't" {  // already split, as CoNLL writes them
                out.append((String(text[lo..<hi]), lo..<hi)); i = end; continue
            }
            var tail = [(String, Range<String.Index>)]()
            while lo < hi, "([{\"'“‘".contains(text[lo]) { out.append((String(text[lo]), lo..<text.index(after: lo))); lo = text.index(after: lo) }
            while hi > lo, ",.;:!?)]}\"'”’".contains(text[text.index(before: hi)]) {
                let p = text.index(before: hi)
                // Keep the period of an initial or abbreviation ("W.", "U.S.").
                if text[p] == ".", text[lo..<p].contains(where: \.isLetter), text[lo..<p].count <= 3 || text[lo..<p].contains(".") { break }
                tail.insert((String(text[p]), p..<hi), at: 0); hi = p
            }
            let word = text[lo..<hi]
            if word.hasSuffix("'s") || word.hasSuffix("’s"), word.count > 2 {
                let s = text.index(hi, offsetBy: -2)
                out.append((String(text[lo..<s]), lo..<s)); out.append((String(text[s..<hi]), s..<hi))
            } else if lo < hi {
                out.append((String(word), lo..<hi))
            }
            out += tail
            i = end
        }
        return out
    }

    /// The person mentions of a caption, with character ranges, in text order; a one-word mention that is the last
    /// word of a longer name mentioned earlier refers to it ("Bush" after "George W. Bush").
    public func mentions(in caption: String) -> [PersonMention] {
        let tokens = Self.tokenize(caption)
        guard !tokens.isEmpty else { return [] }
        let tags = tag(document: [tokens.map(\.token)])[0]
        var out = [PersonMention]()
        for entity in CoNLL.entities(tags) {
            // Titles and roles are not part of the name ("Gov. Gray Davis" → "Gray Davis").
            var e = entity
            while e.end - e.start > 1, CaptionNameFinder.leadingStopWords.contains(CaptionNameFinder.normalised(tokens[e.start].token)) { e.start += 1 }
            let range = tokens[e.start].range.lowerBound..<tokens[e.end - 1].range.upperBound
            let text = tokens[e.start..<e.end].map(\.token).joined(separator: " ")
            let earlier = e.end - e.start == 1 ? out.first { $0.refersTo == nil && $0.text.split(separator: " ").count > 1 && $0.text.split(separator: " ").last.map(String.init) == text } : nil
            out.append(PersonMention(text: text, range: range, refersTo: earlier?.text))
        }
        return out
    }

    /// The tagger's mentions, plus the placeholder rule's multi-word name at the very start of the caption when the
    /// tagger found nothing there: captions open with the person ("Barack Obama waves …") far more often than news
    /// sentences do, and a sentence-initial capitalised name the gazetteers do not know is what the tagger misses.
    public func captionMentions(in caption: String) -> [PersonMention] {
        var found = mentions(in: caption)
        if let first = CaptionNameFinder.mentions(in: caption).first, first.refersTo == nil, first.text.contains(" "),
           caption[caption.startIndex..<first.range.lowerBound].allSatisfy({ !$0.isLetter }),
           !found.contains(where: { $0.range.overlaps(first.range) }) {
            found.insert(first, at: 0)
        }
        return found
    }

    /// The caption's person names in order of first mention, each once (surname-only repeats merged).
    public func names(in caption: String) -> [String] {
        var found = [String]()
        for m in captionMentions(in: caption) where m.refersTo == nil && !found.contains(m.text) { found.append(m.text) }
        return found
    }
}
