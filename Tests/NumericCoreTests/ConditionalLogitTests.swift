// The small statistics and solvers behind the learned layout prior: Otsu's threshold, the LAPACK Cholesky solve, and
// the conditional-logit fit, each against an independent computation.

import Foundation
import Testing
import NumericCore

@Suite struct ConditionalLogitTests {
    /// Otsu's cut equals a brute-force search that recomputes both class means at every cut.
    @Test func otsuThresholdMatchesBruteForce() {
        var rng = SeededRandom(seed: 4)
        var values = (0..<300).map { i in i % 3 == 0 ? 0.8 + 0.05 * rng.normal() : 0.05 * rng.normal() }
        values.append(contentsOf: [0.3, 0.3, 0.3])  // repeated values: no cut between them
        values.sort()
        var best = -1.0, expected = 0.0
        for k in 1..<values.count where values[k - 1] < values[k] {
            let lo = Array(values[..<k]), hi = Array(values[k...])
            let gap = hi.reduce(0, +) / Double(hi.count) - lo.reduce(0, +) / Double(lo.count)
            let between = Double(lo.count * hi.count) * gap * gap
            if between > best { best = between; expected = (values[k - 1] + values[k]) / 2 }
        }
        let got = Statistics.otsuThreshold(sorted: values)
        #expect(got == expected)
        #expect(got! > 0.2 && got! < 0.6)  // between the two modes
        #expect(Statistics.otsuThreshold(sorted: [1, 1, 1]) == nil)
        #expect(Statistics.otsuThreshold(sorted: []) == nil)
        #expect(Statistics.otsuThreshold(sorted: [0, 1]) == 0.5)
    }

    /// x solves A x = b: A·x reproduces b; a matrix that is not positive definite gives nil.
    @Test func choleskySolveReproducesTheRightHandSide() {
        var rng = SeededRandom(seed: 11)
        let n = 7
        let m = (0..<(n * n)).map { _ in rng.normal() }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += m[k * n + i] * m[k * n + j] } } }
        for i in 0..<n { a[i * n + i] += 0.5 }
        let b = (0..<n).map { _ in rng.normal() }
        let x = try! #require(LinearSolve.symmetricPositiveDefinite(a, b))
        for i in 0..<n {
            let ax = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * x[$1] }
            #expect(abs(ax - b[i]) < 1e-10 * max(1, abs(b[i])))
        }
        #expect(LinearSolve.symmetricPositiveDefinite([1, 2, 2, 1], [1, 1]) == nil)  // eigenvalues 3 and −1
        #expect(LinearSolve.symmetricPositiveDefinite([1, 0, 0, 1], [1]) == nil)     // shapes disagree
    }

    static func sample(_ truth: [Double], count: Int, seed: UInt64) -> [ConditionalLogit.Choice] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let size = 2 + rng.int(below: 3)
            let options = (0..<size).map { _ in truth.indices.map { _ in rng.normal() } }
            let p = ConditionalLogit.probabilities(truth, options)
            var u = rng.uniform(), chosen = size - 1
            for (c, q) in p.enumerated() { if u < q { chosen = c; break }; u -= q }
            return ConditionalLogit.Choice(options: options, chosen: chosen)
        }
    }

    /// The fit is the minimum of the loss: central finite differences of `loss` vanish there and every small step
    /// away raises it; with many choices drawn from known weights, it recovers them.
    @Test func fitIsTheMinimumOfTheLossAndRecoversTheWeights() {
        let truth = [1.5, -1.0, 0.5, 0.0]
        let choices = Self.sample(truth, count: 4000, seed: 2)
        let ridge = 1e-3
        let w = ConditionalLogit.fit(choices, featureCount: truth.count, ridge: ridge)
        let at = ConditionalLogit.loss(w, choices, ridge: ridge)
        let h = 1e-5
        for i in w.indices {
            var up = w, down = w
            up[i] += h; down[i] -= h
            let lossUp = ConditionalLogit.loss(up, choices, ridge: ridge), lossDown = ConditionalLogit.loss(down, choices, ridge: ridge)
            #expect(abs((lossUp - lossDown) / (2 * h)) < 1e-6)
            #expect(lossUp > at && lossDown > at)
        }
        for (got, want) in zip(w, truth) { #expect(abs(got - want) < 0.15) }
        // Determinism and the ridge: the same data gives the same weights; a huge ridge shrinks them to nearly zero.
        #expect(ConditionalLogit.fit(choices, featureCount: truth.count, ridge: ridge) == w)
        #expect(ConditionalLogit.fit(choices, featureCount: truth.count, ridge: 1e3).allSatisfy { abs($0) < 1e-2 })
    }
}
