// Calibration of the per-face confidence: a probability over the face's candidates,
//
//     p(c | f) = softmax_c( s(f, c) / T + b·[c is NONAME] )        over the face's distinct candidate texts,
//
// with the temperature T and the NONAME offset b that minimise the negative log-likelihood of the gold candidate on
// a labelled calibration corpus (temperature scaling, Guo et al., "On Calibration of Modern Neural Networks", 2017,
// plus one offset, because NONAME's score is on its own scale: one feature vector for every unnamed face). SECLA's
// scores are sums of unnormalised dot products trained by a cross-entropy over whole image–caption pairs, so per face
// they are far too peaked at T = 1 (measured on lfw-structure seed 101 with the layout term: 97% of faces above 0.95,
// 78% of those right). The calibration corpus must not be the one scored (use another seed), as for every setting.

import Foundation

public struct ConfidenceCalibration: Codable, Equatable, Sendable {
    public var temperature: Double
    public var noNameOffset: Double

    public init(temperature: Double = 1, noNameOffset: Double = 0) {
        self.temperature = temperature
        self.noNameOffset = noNameOffset
    }

    enum CodingKeys: String, CodingKey {
        case temperature
        case noNameOffset = "noname_offset"
    }

    /// One face's candidates merged by text, in first-occurrence order: each distinct text with its best score.
    public struct Candidate: Equatable, Sendable {
        public var text: String
        public var score: Double
        public var isNoName: Bool
        public init(text: String, score: Double, isNoName: Bool) { self.text = text; self.score = score; self.isNoName = isNoName }
    }

    public static func candidates(_ names: [CandidateName], scores row: [Float]) -> [Candidate] {
        var merged = [Candidate](), position = [String: Int]()
        for (c, name) in names.enumerated() {
            let s = Double(row[c])
            if let i = position[name.text] { merged[i].score = max(merged[i].score, s); continue }
            position[name.text] = merged.count
            merged.append(Candidate(text: name.text, score: s, isNoName: name.isNoName))
        }
        return merged
    }

    /// softmax(score / T + b·[NONAME]) over `candidates`, summed in candidate order.
    public func probabilities(_ candidates: [Candidate]) -> [Double] {
        let logits = candidates.map { $0.score / temperature + ($0.isNoName ? noNameOffset : 0) }
        guard let top = logits.max() else { return [] }
        let e = logits.map { exp($0 - top) }
        let partition = e.reduce(0, +)
        return e.map { $0 / partition }
    }

    /// The (T, b) minimising the mean NLL of each labelled real face's gold text; nil when no face's gold text is
    /// among its candidates. The NLL is convex in (1/T, b) (a log-sum-exp of linear functions minus a linear one), so
    /// damped Newton steps from (1, 0) find the minimum.
    public static func fit(samples: [Sample], scores: [[[Float]]]) -> ConfidenceCalibration? {
        // Per face: the best score of each distinct candidate text, which texts are NONAME, and the gold position.
        var faces = [(s: [Double], noName: [Double], gold: Int)]()
        for (sample, matrix) in zip(samples, scores) {
            for (face, row) in zip(sample.faces, matrix) {
                let merged = candidates(sample.names, scores: row)
                guard let gold = face.label, !face.wrong, let g = merged.firstIndex(where: { $0.text == gold }) else { continue }
                faces.append((merged.map(\.score), merged.map { $0.isNoName ? 1 : 0 }, g))
            }
        }
        return fit(faces: faces)
    }

    /// The same fit on per-face options already merged by text (`Naming`'s), NONAME matched by `isNoName`.
    public static func fit(samples: [Sample], options: [[[Candidate]]]) -> ConfidenceCalibration? {
        var faces = [(s: [Double], noName: [Double], gold: Int)]()
        for (sample, perFace) in zip(samples, options) {
            for (face, row) in zip(sample.faces, perFace) {
                guard let gold = face.label, !face.wrong else { continue }
                let goldIsNoName = gold == noName || gold == "NONAMEWRONG"
                guard let g = row.firstIndex(where: { goldIsNoName ? $0.isNoName : (!$0.isNoName && $0.text == gold) }) else { continue }
                faces.append((row.map(\.score), row.map { $0.isNoName ? 1 : 0 }, g))
            }
        }
        return fit(faces: faces)
    }

    static func fit(faces: [(s: [Double], noName: [Double], gold: Int)]) -> ConfidenceCalibration? {
        guard !faces.isEmpty else { return nil }
        // θ = (a, b) with logits a·s + b·noName; returns mean NLL, gradient and Hessian.
        func evaluate(_ a: Double, _ b: Double) -> (nll: Double, g: (Double, Double), h: (Double, Double, Double)) {
            var nll = 0.0, ga = 0.0, gb = 0.0, haa = 0.0, hab = 0.0, hbb = 0.0
            for f in faces {
                let z = zip(f.s, f.noName).map { a * $0 + b * $1 }
                let top = z.max()!
                let e = z.map { exp($0 - top) }
                let sum = e.reduce(0, +)
                let p = e.map { $0 / sum }
                nll += -(z[f.gold] - top) + log(sum)
                var ms = 0.0, mn = 0.0, mss = 0.0, msn = 0.0, mnn = 0.0
                for c in p.indices {
                    ms += p[c] * f.s[c]; mn += p[c] * f.noName[c]
                    mss += p[c] * f.s[c] * f.s[c]; msn += p[c] * f.s[c] * f.noName[c]; mnn += p[c] * f.noName[c] * f.noName[c]
                }
                ga += ms - f.s[f.gold]; gb += mn - f.noName[f.gold]
                haa += mss - ms * ms; hab += msn - ms * mn; hbb += mnn - mn * mn
            }
            let n = Double(faces.count)
            return (nll / n, (ga / n, gb / n), (haa / n + 1e-9, hab / n, hbb / n + 1e-9))
        }
        var a = 1.0, b = 0.0
        var current = evaluate(a, b)
        for _ in 0..<100 {
            let (ga, gb) = current.g, (haa, hab, hbb) = current.h
            let det = haa * hbb - hab * hab
            var da = -(hbb * ga - hab * gb) / det, db = -(haa * gb - hab * ga) / det
            if !(det > 0) || !da.isFinite || !db.isFinite { da = -ga; db = -gb }  // fall back to a gradient step
            var step = 1.0, improved = false
            while step > 1e-8 {
                let na = max(a + step * da, 1e-6), nb = b + step * db
                let next = evaluate(na, nb)
                if next.nll < current.nll - 1e-12 { a = na; b = nb; current = next; improved = true; break }
                step /= 2
            }
            if !improved { break }
        }
        return ConfidenceCalibration(temperature: 1 / a, noNameOffset: b)
    }
}
