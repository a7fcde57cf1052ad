// The corpus model: image–caption pairs with their faces, candidate names and what the official metric needs.
//
// Every reader (augmented-LFW dictionaries, Celebrity Together dictionaries, the native format) produces a `Corpus`,
// and every command consumes one. Face features live in one matrix (F, D) and a face points at its row, so a corpus
// of half a million faces is one memory-mapped `.npy` file, not half a million arrays.

import NumericCore

/// The candidate that stands for "this face's name is not in the caption".
public let noName = "NONAME"

/// A face box in image pixels, [x1, y1, x2, y2]. Stored in JSON as a 4-element array.
public struct Box: Codable, Equatable, Sendable {
    public var x1: Double, y1: Double, x2: Double, y2: Double

    public init(x1: Double, y1: Double, x2: Double, y2: Double) {
        self.x1 = x1; self.y1 = y1; self.x2 = x2; self.y2 = y2
    }

    /// The official LFW convention: centre (x, y) and half side s give [x − s, y − s, x + s, y + s].
    public init(centerX x: Double, centerY y: Double, halfSide s: Double) {
        self.init(x1: x - s, y1: y - s, x2: x + s, y2: y + s)
    }

    public var width: Double { x2 - x1 }
    public var height: Double { y2 - y1 }
    public var area: Double { max(0, width) * max(0, height) }

    public init(from decoder: Decoder) throws {
        var c = try decoder.unkeyedContainer()
        let values = [try c.decode(Double.self), try c.decode(Double.self), try c.decode(Double.self), try c.decode(Double.self)]
        guard c.isAtEnd else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a box has exactly 4 numbers [x1, y1, x2, y2]")
        }
        guard values.allSatisfy(\.isFinite) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "box coordinates must be finite numbers")
        }
        self.init(x1: values[0], y1: values[1], x2: values[2], y2: values[3])
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(x1); try c.encode(y1); try c.encode(x2); try c.encode(y2)
    }
}

/// One detected face.
public struct Face: Codable, Equatable, Sendable {
    /// Row of this face's descriptor in the corpus feature matrix; nil when the corpus has no face features.
    public var row: Int?
    public var box: Box?
    /// Gold label: the caption-name string this face should receive, `noName` for a face whose name is not in the
    /// caption, nil when unknown (a user's unlabelled photos).
    public var label: String?
    /// Gold identity (e.g. the LFW id `George_W_Bush`) when known; two caption strings may share one identity.
    public var identity: String?
    /// A detection that is not a real face (augmented LFW's NONAMEWRONG): the metric never counts it as correct.
    public var wrong: Bool
    /// The face detector's score, when the face was detected by `secla ingest` (dlib HOG: real faces ≈ 1–2.4).
    public var score: Double?
    /// An image showing just this face (e.g. its LFW crop), for reports when the photo itself is not at hand.
    public var crop: String?

    public init(row: Int? = nil, box: Box? = nil, label: String? = nil, identity: String? = nil, wrong: Bool = false,
                score: Double? = nil, crop: String? = nil) {
        self.row = row; self.box = box; self.label = label; self.identity = identity; self.wrong = wrong
        self.score = score; self.crop = crop
    }

    enum CodingKeys: String, CodingKey { case row, box, label, identity, wrong, score, crop }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        row = try c.decodeIfPresent(Int.self, forKey: .row)
        box = try c.decodeIfPresent(Box.self, forKey: .box)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        identity = try c.decodeIfPresent(String.self, forKey: .identity)
        wrong = try c.decodeIfPresent(Bool.self, forKey: .wrong) ?? false
        score = try c.decodeIfPresent(Double.self, forKey: .score)
        crop = try c.decodeIfPresent(String.self, forKey: .crop)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(row, forKey: .row)
        try c.encodeIfPresent(box, forKey: .box)
        try c.encodeIfPresent(label, forKey: .label)
        try c.encodeIfPresent(identity, forKey: .identity)
        if wrong { try c.encode(true, forKey: .wrong) }
        try c.encodeIfPresent(score, forKey: .score)
        try c.encodeIfPresent(crop, forKey: .crop)
    }
}

/// A candidate name of a caption.
public struct CandidateName: Codable, Equatable, Sendable {
    public var text: String
    /// Rank of the name's first mention among the caption's mentions (0 = mentioned first); nil when unknown or for
    /// NONAME. Layout heuristics ("the largest face is the first-mentioned person") use it.
    public var mention: Int?
    /// How many times the caption mentions this person (full name or a part of it, e.g. a later "Bush"); nil when
    /// unknown. A person mentioned again is more often the one pictured.
    public var mentions: Int?

    public init(_ text: String, mention: Int? = nil, mentions: Int? = nil) {
        self.text = text
        self.mention = mention
        self.mentions = mentions
    }

    /// NONAME, or the annotation's NONAMEWRONG entry, which the official code treats alike.
    public var isNoName: Bool { text == noName || text == "NONAMEWRONG" }

    /// The string whose name feature this candidate uses: every NONAME-like entry shares the one of "NONAME", as the
    /// official code gives them all the [UNK] feature (secla-method.md §3.2.1).
    public var featureText: String { isNoName ? noName : text }
}

/// One slot of the official augmented-LFW metric (secla-method.md §9.1): a face with its gold string, or a name
/// without a face. `gold` is the metric's gold string: a caption name, "NONAME", "NOFACE" (name-only slot, counted
/// correct by the official metric), "WRONGFACE" (name-only slot of a non-person) or "WRONGNAME" (false detection).
public struct Slot: Codable, Equatable, Sendable {
    /// Index into the sample's `faces`, nil for a name-only slot.
    public var face: Int?
    public var gold: String

    public init(face: Int?, gold: String) {
        self.face = face
        self.gold = gold
    }
}

/// One image–caption pair.
public struct Sample: Codable, Equatable, Sendable {
    public var id: String
    public var image: String?
    public var caption: String?
    public var faces: [Face]
    /// The candidate names the model chooses from, in caption order; normally ends with one NONAME.
    public var names: [CandidateName]
    /// The official metric's slots, when the corpus has them (augmented LFW).
    public var slots: [Slot]?

    public init(id: String, image: String? = nil, caption: String? = nil, faces: [Face], names: [CandidateName], slots: [Slot]? = nil) {
        self.id = id; self.image = image; self.caption = caption; self.faces = faces; self.names = names; self.slots = slots
    }

    /// Candidates that are real names (not NONAME / NONAMEWRONG).
    public var realNames: [CandidateName] { names.filter { !$0.isNoName } }
}

/// Name features looked up by exact string (precomputed by an encoder elsewhere, or by a `NameEncoder` here).
public struct NameFeatures: Sendable {
    public let names: [String]
    /// (names.count, D)
    public let features: Tensor
    public let index: [String: Int]

    public init(names: [String], features: Tensor) {
        precondition(features.rank == 2 && features.shape[0] == names.count,
                     "NameFeatures: \(names.count) names for features \(describe(features.shape))")
        self.names = names
        self.features = features
        var index = [String: Int]()
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        self.index = index
    }

    public var dimension: Int { features.shape[1] }
}

public struct Corpus: Sendable {
    public var samples: [Sample]
    /// (faces, D) face descriptors; nil when the corpus carries none (statistics and the metric need none).
    public var faceFeatures: Tensor?
    /// Precomputed name features, when the corpus brings its own.
    public var nameFeatures: NameFeatures?
    /// Where it came from, for messages and reports.
    public var source: String

    public init(samples: [Sample], faceFeatures: Tensor? = nil, nameFeatures: NameFeatures? = nil, source: String) {
        self.samples = samples; self.faceFeatures = faceFeatures; self.nameFeatures = nameFeatures; self.source = source
    }

    public var faceCount: Int { samples.reduce(0) { $0 + $1.faces.count } }

    /// Every distinct `featureText` of the candidates, in first-occurrence order: the rows of a name-feature table.
    public var candidateFeatureTexts: [String] {
        var texts = [String](), seen = Set<String>()
        for sample in samples {
            for candidate in sample.names where seen.insert(candidate.featureText).inserted { texts.append(candidate.featureText) }
        }
        return texts
    }
}
