// Appearance as evidence: the log-likelihood ratio "same person" of a leave-one-out prototype cosine, fitted on the
// corpus itself without labels, so that appearance and the learned layout prior add up in one unit (log-odds).
//
// Why: the alternation used to add cosines and λ·(layout log-odds) with λ fixed (0.1 cosine per nat). On real
// descriptors that trade is wrong in both directions: a face at cosine 0.18 to a prototype of ten faces is certainly
// someone else (same-person leave-one-out cosines are above 0.41 for 99% of faces on augmented LFW), yet a layout
// bonus of 0.25 overrode it; while a cosine of 0.45 to a single other face is weak evidence that the same cosine to
// ten faces is not. Here
//
//     LLR(c, k) = log N(c; μ_same(k), σ_same(k)) − log N(c; μ_diff(k), σ_diff(k)),  clipped to ±15,
//     c = cos(face, prototype of the name's k other faces), Gaussians per prototype-size bucket of k,
//
// fitted on the corpus under the current assignment:
//   "different"  the faces below against the prototype of a name that is not in their caption: strangers, at the
//                same prototype sizes; a clean sample, mean and sd per bucket;
//   "same"       every face of an image with one face whose caption has exactly one real name, and that name has
//                other faces: that person in ≈ 94% of such images on augmented LFW, someone else in the rest. The
//                sample is a mixture with a known "different" component, so μ_same, σ_same and the share of
//                strangers come from EM with that component held fixed (a logistic fit on the raw sample would
//                cap the evidence against a name at the log of the contamination, ≈ −3, the very faces that are
//                NONAME).
// No gold label is read. In the alternation a name with a prototype scores LLR(c, k); NONAME and a name seen nowhere
// else have no appearance evidence and score 0; the layout prior's log-odds are added to all of them.

import Foundation
import NumericCore

public struct AppearanceEvidence: Codable, Sendable, Equatable {
    /// One prototype-size bucket: k in lower...upper (upper nil: no limit).
    public struct Bucket: Codable, Sendable, Equatable {
        public var lower: Int
        public var upper: Int?
        public var sameMean: Double, sameSD: Double
        public var differentMean: Double, differentSD: Double
        /// Share of the "same" sample that EM put in the stranger component.
        public var strangerShare: Double
        public var positives: Int, negatives: Int
    }

    public var buckets: [Bucket]
    /// Positive pairs the fit used.
    public var pairs: Int

    public init(buckets: [Bucket], pairs: Int) { self.buckets = buckets; self.pairs = pairs }

    /// Bounds of the prototype-size buckets (others k).
    static let bucketLowerBounds = [1, 2, 3, 6, 16]
    /// Log-likelihood ratios are clipped to ±this: Gaussian tails are not trusted beyond it.
    static let clip = 15.0
    static let minimumSD = 0.02
    /// Degrees of freedom of the "same person" density (a Student-t): the same person at an odd pose or age falls
    /// further below the mean than a Gaussian allows. Chosen on the real development half (the evidence method, official
    /// F1 / faces-only accuracy): Gaussian 0.8813 / 0.8876, ν = 8 0.8834 / 0.8912, ν = 4 0.8815 / 0.8881,
    /// ν = 2 0.8808 / 0.8868 (before mention counts and explaining away).
    static let sameDegreesOfFreedom = 8.0

    /// The log-likelihood ratio of "same person" for cosine `c` to a prototype of `k` other faces.
    public func logLikelihoodRatio(cosine: Double, others k: Int) -> Double {
        let b = buckets.last { $0.lower <= max(1, k) } ?? buckets[0]
        // Below the strangers' mean the heavier tail of the Student-t would make the evidence against a name weaker
        // again; a cosine that low is a stranger as surely as one at the mean.
        let c = max(cosine, b.differentMean)
        // Student-t with ν degrees of freedom, scale s (constant terms cancel in the ratio only approximately; the
        // normalisers are kept).
        func logT(_ x: Double, _ m: Double, _ s: Double) -> Double {
            let nu = Self.sameDegreesOfFreedom, z = (x - m) / s
            return -(nu + 1) / 2 * Foundation.log(1 + z * z / nu) - Foundation.log(s) + lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Foundation.log(nu * Double.pi)
                + 0.5 * Foundation.log(2 * Double.pi)
        }
        let same = Self.sameDegreesOfFreedom.isFinite ? logT(c, b.sameMean, b.sameSD) : Self.logNormal(c, b.sameMean, b.sameSD)
        let llr = same - Self.logNormal(c, b.differentMean, b.differentSD)
        return min(Self.clip, max(-Self.clip, llr))
    }

    /// Fits on `data` under `assigned` (name id per face, -1 for none); nil with fewer than 20 positive pairs.
    static func fit(_ data: PrototypeAlternation.Prepared, assigned: [Int]) -> AppearanceEvidence? {
        let (sums, counts, norms) = data.model(of: assigned)
        func pair(_ f: Int, _ n: Int) -> (cosine: Double, others: Int)? {
            let included = assigned[f] == n
            guard let c = data.leaveOneOutCosine(face: f, name: n, included: included, sums: sums, counts: counts, squaredNorms: norms) else { return nil }
            return (c, counts[n] - (included ? 1 : 0))
        }
        var positives = [(sample: Int, face: Int, name: Int, cosine: Double, others: Int)]()
        for (s, faces) in data.faceIndices.enumerated() where faces.count == 1 && data.names[s].count == 1 {
            let f = faces[0], n = data.names[s][0]
            if let p = pair(f, n) { positives.append((s, f, n, p.cosine, p.others)) }
        }
        guard positives.count >= 20 else { return nil }
        // Strangers: each positive face against the names of three positives a fixed stride further on that are not
        // in its caption (deterministic; keeps the prototype-size distribution of the positives).
        var negatives = [(cosine: Double, others: Int)]()
        for (i, p) in positives.enumerated() {
            for offset in [positives.count / 3 + 1, positives.count / 2 + 1, 2 * positives.count / 3 + 1] {
                let q = positives[(i + offset) % positives.count]
                guard !data.names[p.sample].contains(q.name), let c = pair(p.face, q.name) else { continue }
                negatives.append(c)
            }
        }
        func bucketIndex(_ k: Int) -> Int { bucketLowerBounds.lastIndex { $0 <= max(1, k) } ?? 0 }
        let allNegative = meanAndSD(negatives.map(\.cosine))
        let allPositive = positives.map(\.cosine)
        var buckets = [Bucket]()
        for (b, lower) in bucketLowerBounds.enumerated() {
            let upper = b + 1 < bucketLowerBounds.count ? bucketLowerBounds[b + 1] - 1 : nil
            let pos = positives.filter { bucketIndex($0.others) == b }.map(\.cosine)
            let neg = negatives.filter { bucketIndex($0.others) == b }.map(\.cosine)
            // Too few pairs in a bucket: the pooled sample stands in.
            let (dm, ds) = neg.count >= 30 ? meanAndSD(neg) : allNegative
            let sample = pos.count >= 30 ? pos : allPositive
            let same = Self.sameComponent(sample, differentMean: dm, differentSD: ds)
            buckets.append(Bucket(lower: lower, upper: upper, sameMean: same.mean, sameSD: same.sd, differentMean: dm, differentSD: ds,
                                  strangerShare: same.strangers, positives: pos.count, negatives: neg.count))
        }
        return AppearanceEvidence(buckets: buckets, pairs: positives.count)
    }

    /// Mean and sample sd (at least `minimumSD`) of a sample; 0 and `minimumSD` for an empty one.
    static func meanAndSD(_ xs: [Double]) -> (mean: Double, sd: Double) {
        (xs.reduce(0, +) / Double(max(1, xs.count)), max(minimumSD, Statistics.sampleStandardDeviation(xs) ?? 0))
    }

    /// log N(x; m, s) without the constant −½ log 2π (it cancels in every ratio here).
    static func logNormal(_ x: Double, _ m: Double, _ s: Double) -> Double { -0.5 * ((x - m) / s) * ((x - m) / s) - Foundation.log(s) }

    /// EM for the "same" Gaussian of a sample that also holds strangers from the fixed N(dm, ds).
    static func sameComponent(_ xs: [Double], differentMean dm: Double, differentSD ds: Double) -> (mean: Double, sd: Double, strangers: Double) {
        var (m, s) = (xs.reduce(0, +) / Double(xs.count), 0.1)
        var share = 0.1
        for _ in 0..<100 {
            var w = [Double](), total = 0.0
            for x in xs {
                let a = (1 - share) * Foundation.exp(-0.5 * ((x - m) / s) * ((x - m) / s)) / s
                let b = share * Foundation.exp(-0.5 * ((x - dm) / ds) * ((x - dm) / ds)) / ds
                let r = a + b > 0 ? a / (a + b) : 1
                w.append(r); total += r
            }
            guard total > 1 else { break }
            let newMean = zip(w, xs).reduce(0) { $0 + $1.0 * $1.1 } / total
            let variance = zip(w, xs).reduce(0) { $0 + $1.0 * ($1.1 - newMean) * ($1.1 - newMean) } / total
            let newSD = max(minimumSD, variance.squareRoot()), newShare = 1 - total / Double(xs.count)
            let done = abs(newMean - m) < 1e-9 && abs(newSD - s) < 1e-9
            (m, s, share) = (newMean, newSD, newShare)
            if done { break }
        }
        return (m, s, share)
    }
}
