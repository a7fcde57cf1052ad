// `celebto-like`: a synthetic corpus with Celebrity Together's scale and form (secla-method.md §2.4).

import Foundation
import NumericCore

/// Generates a Celebrity-Together-like corpus: ≈194k images, ≈546k faces, 2,622 labelled identities at scale 1.
///
/// Form (as the official CelebTo dictionaries): there is no caption text; an image's candidate names are the labels
/// of its faces in face order, i.e. the labelled celebrities plus one "NONAME" per unlabelled face (one "NONAME" is
/// appended when every face is labelled, as the official loader does). No slots, no mention ranks.
///
/// Assumptions (the real per-image distributions are not in the repository): faces per image = 1 + Geometric with
/// mean 546/194 ≈ 2.81, capped at 20; the first face of an image is labelled, every other face with probability 0.35
/// (≈ 58 % labelled faces overall); labelled identities follow a mild Zipf law, weight ∝ (k + 50)^−0.8, never twice
/// in one image; boxes have a log-normal side (median 80 px). Descriptors: `FaceDescriptorModel`, generated straight
/// into one preallocated (faces × D) tensor in parallel; unlabelled faces are unseen identities.
public enum CelebToLikeGenerator {
    public static let images = 194_000
    public static let identities = 2_622
    public static let meanFaces = 546.0 / 194.0
    static let otherLabelled = 0.35

    public static func generate(seed: UInt64, scale: Double = 1, dimension: Int = 512,
                                progress: (@Sendable (String, Int, Int) -> Void)? = nil) -> Corpus {
        var rng = SeededRandom(seed: seed)
        let imageCount = max(1, Int((Double(images) * scale).rounded()))
        let m = identities  // the identity set is the dataset's, whatever the scale
        var names = NameGenerator(rng: SeededRandom(seed: seed ^ 0xCE1EB))
        let people = (0..<m).map { _ in names.person(rank: Int.max) }
        let keys = people.map { FaceDescriptorModel.key(identity: $0.identity) }
        // Cumulative Zipf weights for sampling by binary search.
        var cumulative = [Double](), acc = 0.0
        for k in 0..<m { acc += powApprox(Double(k + 50), -0.8); cumulative.append(acc) }
        func drawIdentity(_ rng: inout SeededRandom) -> Int {
            let r = rng.uniform() * acc
            var lo = 0, hi = m - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] > r { hi = mid } else { lo = mid + 1 } }
            return lo
        }

        // Structure first (cheap), remembering each row's identity (−1 = unseen) and size in two flat arrays.
        var samples = [Sample]()
        samples.reserveCapacity(imageCount)
        var rowIdentity = [Int32](), rowHalf = [Float]()
        let expected = Int(Double(imageCount) * meanFaces * 1.05)
        rowIdentity.reserveCapacity(expected); rowHalf.reserveCapacity(expected)
        let p = 1 / (meanFaces)  // geometric success probability: extra faces mean (1−p)/p = meanFaces − 1
        for i in 0..<imageCount {
            var f = 1
            while f < 20 && rng.uniform() >= p { f += 1 }
            var faces = [Face](), labelled = [String](), unlabelled = 0
            var used = Set<Int>()
            faces.reserveCapacity(f)
            for k in 0..<f {
                let side = 80 * expApprox(0.4 * rng.normal())
                let x = (rng.uniform() * 600).rounded(), y = (rng.uniform() * 400).rounded()
                let box = Box(x1: x, y1: y, x2: x + side.rounded(), y2: y + side.rounded())
                let row = rowIdentity.count
                rowHalf.append(Float(side / 2))
                if k == 0 || rng.uniform() < otherLabelled {
                    var id = drawIdentity(&rng)
                    for _ in 0..<16 where used.contains(id) { id = drawIdentity(&rng) }
                    if used.insert(id).inserted {
                        let person = people[id]
                        faces.append(Face(row: row, box: box, label: person.full, identity: person.identity))
                        labelled.append(person.full)
                        rowIdentity.append(Int32(id))
                        continue
                    }
                }
                faces.append(Face(row: row, box: box, label: noName))
                unlabelled += 1
                rowIdentity.append(-1)
            }
            var candidates = labelled.map { CandidateName($0) }
            candidates.append(contentsOf: repeatElement(CandidateName(noName), count: max(1, unlabelled)))
            samples.append(Sample(id: String(format: "ct%06d", i), image: "synthetic/celebto-like/\(i).jpg",
                                  faces: faces, names: candidates))
            if i % 10_000 == 0 { progress?("structure", i, imageCount) }
        }

        let rows = rowIdentity.count
        let model = FaceDescriptorModel(dimension: dimension, seed: seed)
        let features = Tensor(uninitialized: [rows, dimension])
        let ids = rowIdentity, halves = rowHalf, k = keys
        var fillProgress: (@Sendable (Int) -> Void)?
        if let progress { fillProgress = { done in progress("descriptors", done, rows) } }
        let kind: @Sendable (Int) -> FaceDescriptorModel.Kind = { r in
            let id = ids[r]
            return id < 0 ? .unseen : .identity(k[Int(id)])
        }
        model.fill(features, count: rows, kind: kind, halfSide: { Double(halves[$0]) }, progress: fillProgress)
        return Corpus(samples: samples, faceFeatures: features, source: "celebto-like(seed \(seed), scale \(scale))")
    }
}
