// Temperature scaling of the per-face confidence (Guo et al., "On Calibration of Modern Neural Networks", 2017):
// confidence = softmax(score / T) over a face's distinct candidate texts, with the one T that minimises the negative
// log-likelihood of the gold candidate on a labelled calibration corpus. SECLA's scores are sums of unnormalised dot
// products trained by a cross-entropy over whole image–caption pairs, so per face they are far too peaked at T = 1
// (measured: 97% of faces above 0.95 confidence, 78% of them right). T is fitted on a corpus other than the one
// scored (another seed), as any setting here.

import Foundation

public enum Calibration {
    /// The T in [0.05, 1000] minimising the mean NLL of each labelled real face's gold text under softmax(best score
    /// per distinct text / T); nil when no face's gold text is among its candidates.
    public static func fitTemperature(samples: [Sample], scores: [[[Float]]]) -> Double? {
        // Per face: the best score of each distinct candidate text, and the gold text's position among them.
        var faces = [(scores: [Double], gold: Int)]()
        for (sample, matrix) in zip(samples, scores) {
            var texts = [String]()
            for c in sample.names where !texts.contains(c.text) { texts.append(c.text) }
            for (face, row) in zip(sample.faces, matrix) {
                guard let gold = face.label, !face.wrong, let g = texts.firstIndex(of: gold) else { continue }
                let best = texts.map { t in sample.names.indices.filter { sample.names[$0].text == t }.map { Double(row[$0]) }.max()! }
                faces.append((best, g))
            }
        }
        guard !faces.isEmpty else { return nil }
        func nll(_ logT: Double) -> Double {
            let invT = exp(-logT)
            var total = 0.0
            for f in faces {
                let top = f.scores.max()!
                let partition = f.scores.reduce(0) { $0 + exp(($1 - top) * invT) }
                total -= (f.scores[f.gold] - top) * invT - log(partition)
            }
            return total / Double(faces.count)
        }
        // The NLL is convex in 1/T, hence unimodal in log T: golden-section search.
        var lo = log(0.05), hi = log(1000.0)
        let phi = (5.0.squareRoot() - 1) / 2
        var a = hi - phi * (hi - lo), b = lo + phi * (hi - lo)
        var fa = nll(a), fb = nll(b)
        for _ in 0..<80 {
            if fa < fb { hi = b; b = a; fb = fa; a = hi - phi * (hi - lo); fa = nll(a) }
            else { lo = a; a = b; fa = fb; b = lo + phi * (hi - lo); fb = nll(b) }
        }
        return exp((lo + hi) / 2)
    }
}
