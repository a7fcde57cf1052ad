// Name encoders: turn caption-name strings into the name features the projection heads consume.
//
// The official code encodes names with BERT (768-d). `MiniLMNameEncoder` (BERT/) runs a BERT-family model natively
// (all-MiniLM-L6-v2, 384-d, with SECLA's or sentence-transformers' pooling). Two stand-ins live here:
// `PrecomputedNameEncoder` looks names up in features computed elsewhere (names.json + names.npy), and
// `HashedNameEncoder` needs no model file at all, so the whole pipeline runs and is testable without downloading
// anything.

import Foundation
import NumericCore

/// Maps name strings to feature rows.
public protocol NameEncoder: Sendable {
    var dimension: Int { get }
    /// Identifies the encoder and its settings, for reports and saved runs.
    var identifier: String { get }
    /// Features of `names`, one row each: shape (names.count, dimension).
    func encode(_ names: [String]) throws -> Tensor
}

// MARK: - Precomputed

/// Looks every name up by exact string in precomputed features (e.g. BERT features written as names.json/names.npy).
public struct PrecomputedNameEncoder: NameEncoder {
    public let features: NameFeatures
    /// Where the features came from, for error messages.
    public let source: String

    public init(features: NameFeatures, source: String = NativeFormat.namesFile) {
        self.features = features
        self.source = source
    }

    public var dimension: Int { features.dimension }
    public var identifier: String { "precomputed(\(features.names.count) names, d=\(dimension))" }

    public func encode(_ names: [String]) throws -> Tensor {
        let d = dimension
        let out = Tensor(uninitialized: [names.count, d])
        let src = features.features.pointer
        for (i, name) in names.enumerated() {
            guard let row = features.index[name] else {
                throw DataError(path: source, field: "names", "no precomputed feature for the name \"\(name)\"",
                                hint: "names.json must contain every candidate string exactly as it appears in the samples "
                                    + "(including NONAME); re-run the name encoder over all candidate names, or use the hashed encoder")
            }
            (out.pointer + i * d).update(from: src + row * d, count: d)
        }
        return out
    }
}

// MARK: - Hashed

/// A deterministic, model-free name encoder: hashed character n-grams and word tokens, randomly projected.
///
/// Steps for one name:
/// 1. Normalise: fold case and diacritics ("Guevára" → "guevara"), turn every non-alphanumeric character into a space,
///    split into words.
/// 2. Features per word w: the word token itself (weight `wordWeight`) and the character n-grams, n = 3…5, of "<w>"
///    (boundary markers make prefixes and suffixes distinct). The n-grams of one word are scaled by 1/√(count) so that
///    every word's block has the same norm √(wordWeight² + 1) whatever its length: "Bush" and "Schwarzenegger" count
///    alike. Each block is then multiplied by the word's weight: 1, except honorifics/titles ("president", "mr", …:
///    `titleWeight`) and single letters (initials: `initialWeight`), so "President Bush" and "George W. Bush" are both
///    dominated by "bush".
/// 3. Each feature f is hashed with 64-bit FNV-1a (stable across processes and platforms, unlike `hashValue`) mixed with
///    `seed`, and that hash drives a SplitMix64 stream that picks `nonzeros` coordinates with random signs: a sparse
///    random ±1 projection (Achlioptas 2003; Li, Hastie & Church 2006). Two distinct features then have inner product
///    ≈ 0 with standard deviation ≈ 1/√dimension, the same as a dense ±1 projection, at a fraction of the cost.
/// 4. Sum the weighted feature vectors and L2-normalise.
///
/// So cos(a, b) ≈ weighted overlap of the two names' words and n-grams: aliases that share the surname land near each
/// other ("Bush"·"George W. Bush" ≈ 0.7, "President Bush"·"George W. Bush" ≈ 0.6) while unrelated names sit near 0.
///
/// NONAME, NONAMEWRONG, the empty string and any string that normalises to nothing all map to one fixed unit vector
/// (the projection of the reserved feature "\u{0}NONAME"), as the official code gives every NONAME entry one feature.
public struct HashedNameEncoder: NameEncoder {
    public let dimension: Int
    public let seed: UInt64
    public let nonzeros: Int
    public let wordWeight: Float
    public let titleWeight: Float
    public let initialWeight: Float

    /// Honorifics and news titles that precede a surname in captions.
    public static let titles: Set<String> = [
        "mr", "mrs", "ms", "miss", "dr", "sir", "president", "vice", "prime", "minister", "senator", "sen", "gov",
        "governor", "secretary", "general", "gen", "king", "queen", "prince", "princess", "pope", "coach", "judge",
        "chancellor", "rep", "chairman", "jr", "sr",
    ]

    public init(dimension: Int = 768, seed: UInt64 = 0x5EC1_A0A3_E000_0001, nonzeros: Int = 32,
                wordWeight: Float = 1, titleWeight: Float = 0.5, initialWeight: Float = 0.25) {
        precondition(dimension > 0 && nonzeros > 0, "HashedNameEncoder needs a positive dimension and nonzeros")
        self.dimension = dimension
        self.seed = seed
        self.nonzeros = min(nonzeros, dimension)
        self.wordWeight = wordWeight
        self.titleWeight = titleWeight
        self.initialWeight = initialWeight
    }

    public var identifier: String { "hashed-ngram(d=\(dimension), seed=\(seed), nnz=\(nonzeros))" }

    public func encode(_ names: [String]) throws -> Tensor {
        let d = dimension
        let out = Tensor(zeros: [names.count, d])
        for (i, name) in names.enumerated() { encode(name, into: out.pointer + i * d) }
        return out
    }

    /// The normalised words of a name: case and diacritics folded, punctuation removed.
    public static func words(_ name: String) -> [String] {
        let folded = name.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
        var words = [String](), current = ""
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current); current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    func encode(_ name: String, into row: UnsafeMutablePointer<Float>) {
        let words = (name == noName || name == "NONAMEWRONG") ? [] : Self.words(name)
        if words.isEmpty {
            add(hash: fnv1a("\u{0}NONAME".utf8), weight: 1, into: row)
        } else {
            for word in words {
                let weight: Float = Self.titles.contains(word) ? titleWeight : (word.count == 1 ? initialWeight : 1)
                add(hash: fnv1a(word.utf8, basis: fnv1a(CollectionOfOne(UInt8(ascii: "w")))), weight: weight * wordWeight, into: row)
                let chars = [UInt8(ascii: "<")] + Array(word.utf8) + [UInt8(ascii: ">")]
                var grams = 0
                for n in 3...5 where chars.count >= n { grams += chars.count - n + 1 }
                guard grams > 0 else { continue }
                let gramWeight = weight / Float(grams).squareRoot()
                for n in 3...5 where chars.count >= n {
                    let prefix = fnv1a(CollectionOfOne(UInt8(n)))
                    for start in 0...(chars.count - n) {
                        add(hash: fnv1a(chars[start..<(start + n)], basis: prefix), weight: gramWeight, into: row)
                    }
                }
            }
        }
        var norm: Float = 0
        for j in 0..<dimension { norm += row[j] * row[j] }
        let scale = norm > 0 ? 1 / norm.squareRoot() : 0
        for j in 0..<dimension { row[j] *= scale }
    }

    /// Adds weight × (sparse ±1 projection of the feature with this hash) to `row`.
    @inline(__always) private func add(hash: UInt64, weight: Float, into row: UnsafeMutablePointer<Float>) {
        var state = hash ^ seed
        let d = UInt64(dimension)
        for _ in 0..<nonzeros {
            let z = splitMix64(&state)
            let index = Int((z >> 1) % d)  // modulo bias ≤ d/2^63: irrelevant
            row[index] += (z & 1) == 0 ? weight : -weight
        }
    }
}

/// 64-bit FNV-1a over bytes: a stable hash (the same in every process and on every platform).
@inlinable public func fnv1a<S: Sequence>(_ bytes: S, basis: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 where S.Element == UInt8 {
    var h = basis
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    return h
}

/// One SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
@inlinable public func splitMix64(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
