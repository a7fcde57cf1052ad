// Evidence for names seen nowhere else: what a name says about the face (gender, origin, age of a first name), learned
// without labels from the faces the alternation has already named.
//
// A name that occurs in one image has no prototype, so the alternation can only weigh it by layout against the
// caption's other names and NONAME. But its text still predicts the face a little: "Maria" is unlikely to name a man.
// Here a ridge regression maps a name's text embedding e_n (MiniLM, mean-pooled) to the centred, normalised face
// descriptor of the faces assigned to it,
//
//     W = argmin Σ_(f, n assigned) |u_f − Wᵀ e_n|² + α |W|²,        predicted face p_n = Wᵀ e_n / |Wᵀ e_n|,
//
// and a = cos(u_f, p_n) becomes a log-likelihood ratio of two Gaussians: "same" from the assigned pairs with W
// fitted on the other folds (five folds by name), "different" from faces against the prediction of another
// assigned name. Its evidence is weak (held-out same 0.24 ± 0.23 against strangers −0.01 ± 0.21 on real faces),
// so it only breaks near-ties left by layout. Part of that signal is aliases ("Saddam Hussein He" predicted from
// "Saddam Hussein"), part is what a name says about a face. No gold label is read.

import Foundation
import NumericCore

public struct NameAttributes: Sendable {
    /// Ridge weight α (embeddings and faces are unit vectors). On the real development half (official F1 / faces-only
    /// accuracy of the evidence method): α = 0.3 0.8917 / 0.9050, 1 0.8921 / 0.9055, 3 0.8926 / 0.9063, 10 0.8928 / 0.9067;
    /// without name attributes 0.8879 / 0.8987. 3: the middle of a flat optimum.
    public static let ridge = 3.0
    /// Largest |log-likelihood ratio| allowed: the evidence is weak by construction (1.5: 0.8917 F1; 3, 5 and 15 alike,
    /// 0.8921, at α = 1).
    public static let clip = 3.0
    static let folds = 5
    /// The held-out "same" mean must exceed the strangers' by this many stranger sds (real faces: ≈ 1.2; lfw-like,
    /// where only aliases carry signal: ≈ 1.8 with a wide spread, which keeps the evidence mild).
    static let minimumSeparation = 0.5

    /// (embedding dimension, descriptor dimension), row-major: predicted face = eᵀ W.
    let weights: [Double]
    let embeddingDimension: Int
    let sameMean: Double, sameSD: Double, differentMean: Double, differentSD: Double

    /// The text embeddings `NameAttributes` uses for every candidate of `corpus`: all-MiniLM-L6-v2, mean-pooled. Nil
    /// when the model files are not installed (`bash scripts/fetch-minilm.sh`).
    public static func embeddings(for corpus: Corpus) throws -> NameFeatures? {
        guard MiniLMNameEncoder.filesPresent() else { return nil }
        let texts = corpus.candidateFeatureTexts
        let encoder = try MiniLMNameEncoder(pooling: .meanNormalized)
        return NameFeatures(names: texts, features: try encoder.encode(texts))
    }

    /// The log-likelihood ratio for attribute cosine a.
    func logLikelihoodRatio(_ a: Double) -> Double {
        let llr = AppearanceEvidence.logNormal(a, sameMean, sameSD) - AppearanceEvidence.logNormal(a, differentMean, differentSD)
        return min(Self.clip, max(-Self.clip, llr))
    }

    /// Fits on the assignment (name id per face of `data`, -1 none) with `embeddings[n]` the embedding of
    /// `data.nameTexts[n]`; nil when fewer than 50 faces are assigned or a solve fails.
    static func fit(_ data: PrototypeAlternation.Prepared, assigned: [Int], embeddings: [[Double]]) -> NameAttributes? {
        guard let k = embeddings.first?.count, k > 0 else { return nil }
        let d = data.dimension
        let pairs = assigned.enumerated().filter { $0.element >= 0 && data.selfDot[$0.offset] > 0 }.map { (face: $0.offset, name: $0.element) }
        guard pairs.count >= 50 else { return nil }
        let sampleOf: [Int] = {
            var out = [Int](repeating: 0, count: data.faceCount)
            for (s, faces) in data.faceIndices.enumerated() { for f in faces { out[f] = s } }
            return out
        }()
        /// W from the pairs `use` selects: (EᵀE + αI) W = EᵀU, W is k×d.
        func solve(_ use: (Int) -> Bool) -> [Double]? {
            var gram = [Double](repeating: 0, count: k * k), rhs = [Double](repeating: 0, count: k * d)  // rhs column-major (k, d)
            for (i, p) in pairs.enumerated() where use(i) {
                let e = embeddings[p.name]
                for a in 0..<k where e[a] != 0 {
                    for b in 0..<k { gram[a * k + b] += e[a] * e[b] }
                    for j in 0..<d { rhs[j * k + a] += e[a] * data.unit[p.face * d + j] }
                }
            }
            for a in 0..<k { gram[a * k + a] += ridge }
            guard let x = LinearSolve.symmetricPositiveDefinite(gram, columns: rhs, count: d) else { return nil }
            var w = [Double](repeating: 0, count: k * d)
            for j in 0..<d { for a in 0..<k { w[a * d + j] = x[j * k + a] } }
            return w
        }
        func predicted(_ w: [Double], _ n: Int) -> [Double] {
            var p = [Double](repeating: 0, count: d)
            let e = embeddings[n]
            for a in 0..<k where e[a] != 0 { for j in 0..<d { p[j] += e[a] * w[a * d + j] } }
            let norm = p.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? p.map { $0 / norm } : p
        }
        func cosine(_ f: Int, _ p: [Double]) -> Double {
            var t = 0.0
            for j in 0..<d { t += data.unit[f * d + j] * p[j] }
            return t
        }
        // Held-out "same" cosines, five folds by name: the evidence is for names the fit has never seen, so it must
        // be measured on such names (folds by image would let a frequent name's own faces vouch for it, which on
        // generated descriptors, unrelated to the names, passes for signal).
        var same = [Double]()
        for fold in 0..<folds {
            guard let w = solve({ pairs[$0].name % folds != fold }) else { return nil }
            for p in pairs where p.name % folds == fold { same.append(cosine(p.face, predicted(w, p.name))) }
        }
        guard let w = solve({ _ in true }) else { return nil }
        // Strangers: each face against the name assigned a fixed stride further on, when not in its caption.
        var different = [Double]()
        for (i, p) in pairs.enumerated() {
            let q = pairs[(i + pairs.count / 2 + 1) % pairs.count]
            guard !data.names[sampleOf[p.face]].contains(q.name) else { continue }
            different.append(cosine(p.face, predicted(w, q.name)))
        }
        let (dm, ds) = AppearanceEvidence.meanAndSD(different)
        // "Same": the held-out cosines as they are. (EM with a fixed stranger component, as for prototypes, would
        // lock onto the small cluster of a name's aliases — "Saddam Hussein He" predicted from "Saddam Hussein" — and
        // then score every truly new name as a stranger: on lfw-like that sent a fifth of the faces to NONAME.)
        let (sm, ss) = AppearanceEvidence.meanAndSD(same)
        // No usable signal (e.g. generated descriptors, unrelated to the names): no evidence at all.
        guard sm - dm >= minimumSeparation * ds else { return nil }
        return NameAttributes(weights: w, embeddingDimension: k, sameMean: sm, sameSD: ss, differentMean: dm, differentSD: ds)
    }

    /// Per sample, per face, per distinct real candidate (`data.names` order): the log-likelihood ratio of the name's
    /// predicted face.
    func evidence(_ data: PrototypeAlternation.Prepared, embeddings: [[Double]]) -> [[[Double]]] {
        let d = data.dimension, k = embeddingDimension
        var cache = [Int: [Double]]()
        func predicted(_ n: Int) -> [Double] {
            if let p = cache[n] { return p }
            var p = [Double](repeating: 0, count: d)
            let e = embeddings[n]
            for a in 0..<k where e[a] != 0 { for j in 0..<d { p[j] += e[a] * weights[a * d + j] } }
            let norm = p.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let out = norm > 0 ? p.map { $0 / norm } : p
            cache[n] = out
            return out
        }
        return data.faceIndices.enumerated().map { s, faces in
            faces.map { f in
                data.names[s].map { n in
                    let p = predicted(n)
                    var t = 0.0
                    for j in 0..<d { t += data.unit[f * d + j] * p[j] }
                    return logLikelihoodRatio(t)
                }
            }
        }
    }
}
