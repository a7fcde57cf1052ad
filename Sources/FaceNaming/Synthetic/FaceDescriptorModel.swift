// A generative model of face descriptors (FaceNet-like unit vectors), shared by every synthetic corpus.

import Foundation
import NumericCore

/// Synthetic face descriptors with identity clusters whose spread grows as faces get smaller.
///
/// Model (dimension D):
/// * every identity has a unit centroid μ = normalize(g), g ~ N(0, I), drawn from a SeededRandom stream keyed by
///   (seed, identity key), so an identity's centroid depends only on the seed and its key, never on generation order;
/// * one face of that identity is x = normalize(μ + s·ε), ε ~ N(0, I/D) (so ‖ε‖ ≈ 1), with a noise level that grows as
///   the face shrinks, like real descriptors of small, blurry detections:
///   s = clamp(s0 · √(referenceHalfSide / halfSide), minNoise, maxNoise);
///   then cos(x, μ) ≈ 1/√(1+s²) and two faces of one identity have cos ≈ 1/√((1+s₁²)(1+s₂²)) (≈ 0.6 at s = 0.8),
///   while different identities have cos ≈ 0 ± 1/√D, as FaceNet genuine/impostor scores roughly do;
/// * a NONAME face (a person whose name is not in the caption) is an *unseen* identity: a fresh centroid keyed by the
///   face's row in a namespace no named identity uses, so it never coincides with a named person;
/// * a NONAMEWRONG face (a false detection) is a "non-face": x = normalize(ν + nonFaceNoise·ε) around one separate
///   random direction ν, a loose cluster of its own.
///
/// Each face draws its noise from its own stream keyed by (seed, row), so filling rows in parallel or in any order
/// gives bit-identical features.
public struct FaceDescriptorModel: Sendable {
    public var dimension: Int
    public var seed: UInt64
    public var s0: Double = 0.8
    public var referenceHalfSide: Double = 30
    public var minNoise: Double = 0.4
    public var maxNoise: Double = 1.6
    public var nonFaceNoise: Double = 1.5

    public init(dimension: Int = 512, seed: UInt64) {
        precondition(dimension > 0, "FaceDescriptorModel needs a positive dimension")
        self.dimension = dimension
        self.seed = seed
    }

    /// The kind of face to draw.
    public enum Kind: Sendable {
        /// A known identity, by stable key (e.g. `FaceDescriptorModel.key(identity:)`).
        case identity(UInt64)
        /// An unseen identity (NONAME face), distinct for every row.
        case unseen
        /// A false detection.
        case nonFace
    }

    /// The stable key of an identity string (FNV-1a of its UTF-8 bytes).
    public static func key(identity: String) -> UInt64 { fnv1a(identity.utf8) }

    /// Noise level for a face of this half side (pixels); nil size = the reference size.
    public func noise(halfSide: Double?) -> Double {
        guard let h = halfSide, h > 0 else { return min(max(s0, minNoise), maxNoise) }
        return min(max(s0 * (referenceHalfSide / h).squareRoot(), minNoise), maxNoise)
    }

    private func stream(_ namespace: UInt64, _ key: UInt64) -> SeededRandom {
        var state = seed ^ (namespace &* 0xD1B5_4A32_D192_ED03)
        _ = splitMix64(&state)
        state ^= key
        return SeededRandom(seed: splitMix64(&state))
    }

    /// Writes the unit centroid of identity `key` into `out` (D floats).
    public func centroid(_ key: UInt64, into out: UnsafeMutablePointer<Float>) {
        var rng = stream(1, key)
        fillNormalized(&rng, mean: nil, noise: 1, into: out)
    }

    /// Writes one face descriptor of `kind` for feature row `row` into `out` (D floats).
    public func face(_ kind: Kind, row: Int, halfSide: Double?, into out: UnsafeMutablePointer<Float>) {
        var rng = stream(2, UInt64(row))
        let d = dimension
        let mean = UnsafeMutablePointer<Float>.allocate(capacity: d)
        defer { mean.deallocate() }
        let s: Double
        switch kind {
        case .identity(let key): centroid(key, into: mean); s = noise(halfSide: halfSide)
        case .unseen:
            var unseen = stream(3, UInt64(row))
            fillNormalized(&unseen, mean: nil, noise: 1, into: mean); s = noise(halfSide: halfSide)
        case .nonFace:
            var direction = stream(4, 0)
            fillNormalized(&direction, mean: nil, noise: 1, into: mean); s = nonFaceNoise
        }
        fillNormalized(&rng, mean: mean, noise: s, into: out)
    }

    /// out = normalize(mean + noise·ε), ε ~ N(0, I/D); mean nil = 0.
    private func fillNormalized(_ rng: inout SeededRandom, mean: UnsafeMutablePointer<Float>?, noise: Double, into out: UnsafeMutablePointer<Float>) {
        let d = dimension
        let scale = noise / Double(d).squareRoot()
        var norm = 0.0
        for j in 0..<d {
            let v = (mean.map { Double($0[j]) } ?? 0) + scale * rng.normal()
            out[j] = Float(v)
            norm += v * v
        }
        let inv = Float(1 / max(norm.squareRoot(), 1e-30))
        for j in 0..<d { out[j] *= inv }
    }

    /// Fills `features` (rows × D) in parallel: `kinds[r]` and `halfSides[r]` describe row r.
    public func fill(_ features: Tensor, count: Int, kind: @Sendable (Int) -> Kind, halfSide: @Sendable (Int) -> Double?,
                     progress: (@Sendable (Int) -> Void)? = nil) {
        precondition(features.rank == 2 && features.shape[1] == dimension && features.shape[0] >= count)
        let d = dimension
        let chunk = 4096
        let chunks = (count + chunk - 1) / chunk
        let base = UnsafeMutablePointerBox(features.pointer)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for r in (c * chunk)..<min(count, (c + 1) * chunk) {
                face(kind(r), row: r, halfSide: halfSide(r), into: base.pointer + r * d)
            }
            if let progress { progress(done.add(min(chunk, count - c * chunk))) }
        }
    }
}

/// Genuine (same identity) and impostor (different identities) cosine statistics of a sample of face pairs.
public struct CosineStatistics: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public var pairs: Int
        public var mean: Double
        public var std: Double
        public var p5: Double
        public var p95: Double

        init(_ values: [Double]) {
            pairs = values.count
            guard !values.isEmpty else { mean = .nan; std = .nan; p5 = .nan; p95 = .nan; return }
            let m = values.reduce(0, +) / Double(values.count)
            mean = m
            std = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count)).squareRoot()
            let sorted = values.sorted()
            p5 = sorted[Int(Double(sorted.count - 1) * 0.05)]
            p95 = sorted[Int(Double(sorted.count - 1) * 0.95)]
        }
    }

    public var genuine: Summary
    public var impostor: Summary

    /// Samples up to `pairs` genuine and `pairs` impostor pairs among faces with a known identity (not NONAME, not
    /// wrong) and a feature row. Genuine pairs: a random face, then a different face of its identity (identities with
    /// one face are skipped); impostor pairs: two random faces of different identities.
    public static func measure(_ corpus: Corpus, pairs: Int = 2000, seed: UInt64 = 1) -> CosineStatistics? {
        guard let features = corpus.faceFeatures else { return nil }
        var rowsOf = [String: [Int]]()
        var all = [(row: Int, identity: String)]()
        for s in corpus.samples {
            for f in s.faces where !f.wrong && f.label != noName {
                guard let row = f.row, let id = f.identity, id != noName, id != "NONAMEWRONG" else { continue }
                rowsOf[id, default: []].append(row)
                all.append((row, id))
            }
        }
        guard all.count >= 2 else { return nil }
        let d = features.shape[1], p = features.pointer
        func cos(_ a: Int, _ b: Int) -> Double {
            var dot: Float = 0, na: Float = 0, nb: Float = 0
            for j in 0..<d { let x = p[a * d + j], y = p[b * d + j]; dot += x * y; na += x * x; nb += y * y }
            return Double(dot / max((na * nb).squareRoot(), 1e-30))
        }
        var rng = SeededRandom(seed: seed)
        var genuine = [Double](), impostor = [Double]()
        var attempts = 0
        while (genuine.count < pairs || impostor.count < pairs) && attempts < pairs * 50 {
            attempts += 1
            let a = all[rng.int(below: all.count)]
            if genuine.count < pairs, let rows = rowsOf[a.identity], rows.count > 1 {
                var b = rows[rng.int(below: rows.count)]
                while b == a.row { b = rows[rng.int(below: rows.count)] }
                genuine.append(cos(a.row, b))
            }
            if impostor.count < pairs {
                let b = all[rng.int(below: all.count)]
                if b.identity != a.identity { impostor.append(cos(a.row, b.row)) }
            }
        }
        return CosineStatistics(genuine: Summary(genuine), impostor: Summary(impostor))
    }
}

/// A pointer that may cross into concurrent closures (each task writes disjoint rows).
struct UnsafeMutablePointerBox: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}

/// A thread-safe running total, for progress reports from concurrent work.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add(_ n: Int) -> Int { lock.lock(); defer { lock.unlock() }; value += n; return value }
}

/// Half side (pixels) of a face box: half the geometric mean of width and height.
func halfSide(_ box: Box?) -> Double? {
    guard let b = box, b.area > 0 else { return nil }
    return b.area.squareRoot() / 2
}

// MARK: - Real structure, synthetic descriptors

/// Fills a corpus that has the real structure (e.g. read from the augmented-LFW dictionaries) with synthetic face
/// descriptors drawn from `FaceDescriptorModel`.
public enum LFWStructureSynthesizer {
    /// Rows are assigned in sample order, faces in order. A face is drawn as
    /// * a non-face when `wrong` is set;
    /// * an unseen identity when its label is NONAME or it has no usable identity (nil, "NONAME", "NONAMEWRONG",
    ///   "NOFACE…");
    /// * otherwise its identity's cluster (so "Bush" and "George W. Bush" faces of `George_W_Bush` share a centroid).
    public static func synthesize(structure: Corpus, seed: UInt64, dimension: Int = 512) -> Corpus {
        var corpus = structure
        var kinds = [FaceDescriptorModel.Kind](), sizes = [Double?]()
        for i in corpus.samples.indices {
            for k in corpus.samples[i].faces.indices {
                let f = corpus.samples[i].faces[k]
                corpus.samples[i].faces[k].row = kinds.count
                sizes.append(halfSide(f.box))
                if f.wrong {
                    kinds.append(.nonFace)
                } else if f.label == noName || f.identity == nil || f.identity == noName || f.identity == "NONAMEWRONG"
                            || f.identity!.hasPrefix("NOFACE") {
                    kinds.append(.unseen)
                } else {
                    kinds.append(.identity(FaceDescriptorModel.key(identity: f.identity!)))
                }
            }
        }
        let model = FaceDescriptorModel(dimension: dimension, seed: seed)
        let features = Tensor(uninitialized: [kinds.count, dimension])
        let k = kinds, s = sizes
        model.fill(features, count: kinds.count, kind: { k[$0] }, halfSide: { s[$0] })
        corpus.faceFeatures = features
        corpus.source = structure.source + " (synthetic descriptors, seed \(seed))"
        return corpus
    }
}
