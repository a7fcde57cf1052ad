// Pair features of layout: what a news photograph and its caption say about which face a name belongs to, without
// any face label (docs/layout-features.md lists and motivates every feature).
//
// A face is described by its place in its own image (size rank, size relative to the largest face, left-to-right
// rank, how many faces), a candidate by its place in its own caption (mention rank, how many real names, NONAME or
// not, a position cue such as "(L)" or "right" next to the name). The feature vector of a (face, candidate) pair is a
// fixed function of the two descriptions, so it is defined for a face and a name from different pairs too: the
// contrastive loss compares every caption with every image of a batch.

import Foundation

/// Where a face sits in its image.
public struct FaceLayout: Equatable, Sendable {
    /// 0 = the largest face of the image (box area; ties by face order).
    public var sizeRank: Int
    /// Box area over the image's largest box area, in (0, 1]; 1 without boxes.
    public var relativeSize: Double
    /// 0 = the leftmost face (box centre; ties by face order).
    public var xRank: Int
    public var faceCount: Int
    /// False when the face has no box: size and position features are then zero.
    public var hasBox: Bool

    public init(sizeRank: Int, relativeSize: Double, xRank: Int, faceCount: Int, hasBox: Bool) {
        self.sizeRank = sizeRank; self.relativeSize = relativeSize; self.xRank = xRank; self.faceCount = faceCount; self.hasBox = hasBox
    }
}

/// A caption's words that place a named person in the picture.
public enum PositionCue: String, Codable, Sendable {
    case left, right, centre
}

/// Where a candidate sits in its caption.
public struct NameLayout: Equatable, Sendable {
    /// 0 = mentioned first among the caption's real names; nil for NONAME and when the names have no mention order
    /// (a bare label list without caption or mention ranks, as Celebrity Together's).
    public var mentionRank: Int?
    /// Distinct real names of the caption.
    public var nameCount: Int
    public var isNoName: Bool
    public var cue: PositionCue?

    public init(mentionRank: Int?, nameCount: Int, isNoName: Bool, cue: PositionCue? = nil) {
        self.mentionRank = mentionRank; self.nameCount = nameCount; self.isNoName = isNoName; self.cue = cue
    }
}

public enum LayoutFeatures {
    /// The features, in vector order (docs/layout-features.md).
    public static let names = [
        "real", "rank match", "largest & first", "rank distance", "relative size", "relative size & first",
        "size rank", "mention rank", "cue matches position", "cue contradicts position", "x rank = mention rank",
        "one face & one name", "noname", "noname × relative size", "noname × size rank beyond names", "noname × more faces than names",
    ]
    public static var count: Int { names.count }

    /// The layout of every face of `sample`, in face order.
    public static func faces(of sample: Sample) -> [FaceLayout] {
        let faces = sample.faces, n = faces.count
        let boxes = faces.map(\.box)
        guard n > 0 else { return [] }
        let hasBoxes = boxes.allSatisfy { $0 != nil }
        let areas = boxes.map { $0?.area ?? 0 }
        let largest = areas.max() ?? 0
        let bySize = faces.indices.sorted { areas[$0] != areas[$1] ? areas[$0] > areas[$1] : $0 < $1 }
        let centres = boxes.map { $0.map { ($0.x1 + $0.x2) / 2 } ?? 0 }
        let byX = faces.indices.sorted { centres[$0] != centres[$1] ? centres[$0] < centres[$1] : $0 < $1 }
        var sizeRank = [Int](repeating: 0, count: n), xRank = [Int](repeating: 0, count: n)
        for (r, f) in bySize.enumerated() { sizeRank[f] = r }
        for (r, f) in byX.enumerated() { xRank[f] = r }
        return faces.indices.map { f in
            hasBoxes
                ? FaceLayout(sizeRank: sizeRank[f], relativeSize: largest > 0 ? areas[f] / largest : 1, xRank: xRank[f],
                             faceCount: n, hasBox: true)
                : FaceLayout(sizeRank: f, relativeSize: 1, xRank: f, faceCount: n, hasBox: false)
        }
    }

    /// The layout of every candidate of `sample`, in candidate order. Mention ranks come from the candidates'
    /// `mention` when every real name has one, otherwise from the caption text when the sample has one (the order of
    /// the names' first whole-word mentions, or their surnames'; names the caption does not contain come after, in
    /// candidate order), and are nil otherwise (a bare list's order is arbitrary); repeated texts share their rank.
    public static func names(of sample: Sample) -> [NameLayout] {
        var realTexts = [String](), seen = Set<String>()
        for c in sample.names where !c.isNoName && seen.insert(c.text).inserted { realTexts.append(c.text) }
        var rank = [String: Int]()
        let reals = sample.names.filter { !$0.isNoName }
        if !reals.isEmpty, reals.allSatisfy({ $0.mention != nil }) {
            let order = realTexts.sorted { a, b in
                let ma = reals.first { $0.text == a }!.mention!, mb = reals.first { $0.text == b }!.mention!
                return ma != mb ? ma < mb : realTexts.firstIndex(of: a)! < realTexts.firstIndex(of: b)!
            }
            for (r, t) in order.enumerated() { rank[t] = r }
        } else if let caption = sample.caption?.lowercased() {
            let offsets = realTexts.map { t in mentionRange(of: t, in: caption).map { caption.distance(from: caption.startIndex, to: $0.lowerBound) } }
            let order = realTexts.indices.sorted { a, b in
                let oa = offsets[a] ?? Int.max, ob = offsets[b] ?? Int.max
                return oa != ob ? oa < ob : a < b
            }
            for (r, i) in order.enumerated() { rank[realTexts[i]] = r }
        }
        return sample.names.map { c in
            c.isNoName
                ? NameLayout(mentionRank: nil, nameCount: realTexts.count, isNoName: true)
                : NameLayout(mentionRank: rank[c.text], nameCount: realTexts.count, isNoName: false,
                             cue: sample.caption.flatMap { cue(for: c.text, in: $0) })
        }
    }

    /// The position cue right after `name`'s first mention in `caption` (or, when the full name is not there, its
    /// surname's: its last word of at least three letters), in news-caption style: a parenthesis right after the name,
    /// "(L)", "(R)", "(C)", "(left)", "(right)", "(centre)", "(center)", or a word set off by a comma, ", left,",
    /// ", right", ", centre", ", center", ", middle", optionally "at" or "far" before it ("Bush, at left, …"). Nil when
    /// there is none. Stricter than "a cue word somewhere near the name" on purpose: in "Blair and Bush (R)" the "(R)"
    /// is Bush's, and in "Blair left the room" there is no cue.
    public static func cue(for name: String, in caption: String) -> PositionCue? {
        let lower = caption.lowercased()
        guard let found = mentionRange(of: name, in: lower) else { return nil }
        var rest = lower[found.upperBound...].drop { $0 == " " }
        if rest.first == "(" {
            let inside = rest.dropFirst().prefix { $0 != ")" }
            guard rest.dropFirst(inside.count + 1).first == ")" else { return nil }
            return parenthesisCues[String(inside).trimmingCharacters(in: .whitespaces)]
        }
        guard rest.first == "," else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        var words = rest.prefix(24).split(whereSeparator: { !$0.isLetter }).prefix(2).map(String.init)
        if let first = words.first, first == "at" || first == "far" { words.removeFirst() }
        return words.first.flatMap { wordCues[$0] }
    }

    private static let parenthesisCues: [String: PositionCue] = [
        "l": .left, "left": .left, "r": .right, "right": .right, "c": .centre, "centre": .centre, "center": .centre,
    ]
    private static let wordCues: [String: PositionCue] = [
        "left": .left, "right": .right, "centre": .centre, "center": .centre, "middle": .centre,
    ]

    /// Where `name` is first mentioned in `lowercasedCaption`: its first whole-word occurrence, or when there is none,
    /// its surname's (last word of at least three letters); nil when neither occurs.
    static func mentionRange(of name: String, in lowercasedCaption: String) -> Range<String.Index>? {
        if let r = wholeWordRange(of: name.lowercased(), in: lowercasedCaption) { return r }
        guard let last = name.split(separator: " ").last, last.count >= 3 else { return nil }
        return wholeWordRange(of: last.lowercased(), in: lowercasedCaption)
    }

    /// The first occurrence of `needle` in `text` with no letter or digit right before or after it, or nil.
    private static func wholeWordRange(of needle: String, in text: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var from = text.startIndex
        while let r = text.range(of: needle, range: from..<text.endIndex) {
            let before = r.lowerBound == text.startIndex ? nil : text[text.index(before: r.lowerBound)]
            let after = r.upperBound == text.endIndex ? nil : text[r.upperBound]
            let isWordChar = { (c: Character?) in c.map { $0.isLetter || $0.isNumber } ?? false }
            if !isWordChar(before) && !isWordChar(after) { return r }
            from = text.index(after: r.lowerBound)
        }
        return nil
    }

    /// The feature vector of (face, candidate) into `out[0..<count]`. NONAME pairs use only the NONAME features;
    /// real-name pairs only the others.
    public static func pair(_ f: FaceLayout, _ n: NameLayout, into out: UnsafeMutablePointer<Float>) {
        for k in 0..<count { out[k] = 0 }
        let faces = Double(f.faceCount)
        if n.isNoName {
            out[12] = 1
            if f.hasBox {
                out[13] = Float(f.relativeSize)
                out[14] = f.sizeRank >= n.nameCount ? 1 : 0
            }
            out[15] = f.faceCount > n.nameCount ? 1 : 0
            return
        }
        out[0] = 1
        if f.hasBox { out[4] = Float(f.relativeSize) }
        out[6] = Float(Double(f.sizeRank) / max(1, faces - 1))
        out[11] = f.faceCount == 1 && n.nameCount == 1 ? 1 : 0
        guard let m = n.mentionRank else { return }  // no mention order: the rank features say nothing
        out[1] = f.sizeRank == m ? 1 : 0
        out[2] = f.sizeRank == 0 && m == 0 ? 1 : 0
        out[3] = Float(Double(abs(f.sizeRank - m)) / max(1, max(faces, Double(n.nameCount)) - 1))
        if f.hasBox { out[5] = m == 0 ? Float(f.relativeSize) : 0 }
        out[7] = Float(Double(m) / max(1, Double(n.nameCount) - 1))
        if let cue = n.cue, f.hasBox, f.faceCount > 1 {
            let position: PositionCue = f.xRank == 0 ? .left : f.xRank == f.faceCount - 1 ? .right : .centre
            if cue == position { out[8] = 1 } else { out[9] = 1 }
        }
        out[10] = f.xRank == m && f.hasBox ? 1 : 0
    }

    /// [face][candidate][feature] of one sample, flattened: (faces · candidates, count).
    public static func matrix(faces: [FaceLayout], names: [NameLayout]) -> [Float] {
        var out = [Float](repeating: 0, count: faces.count * names.count * count)
        out.withUnsafeMutableBufferPointer { p in
            for (i, f) in faces.enumerated() {
                for (j, n) in names.enumerated() { pair(f, n, into: p.baseAddress! + (i * names.count + j) * count) }
            }
        }
        return out
    }
}
