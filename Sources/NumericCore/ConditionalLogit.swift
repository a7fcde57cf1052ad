// The conditional (multinomial) logit over choice sets of varying size: P(option c) ∝ exp(w·φ_c), one weight vector
// shared by every option of every choice. Fitted by Newton's method on the mean negative log-likelihood plus a ridge
// term, which makes the objective strictly convex, so the Hessian is positive definite and a Cholesky solve suffices.

import Foundation

public enum ConditionalLogit {
    /// One observed choice: each option's features and the index of the option taken.
    public struct Choice: Sendable {
        public var options: [[Double]]
        public var chosen: Int
        public init(options: [[Double]], chosen: Int) { self.options = options; self.chosen = chosen }
    }

    /// P(c) over `options` (max-shifted softmax of w·φ_c).
    public static func probabilities(_ w: [Double], _ options: [[Double]]) -> [Double] {
        let logits = options.map { zip(w, $0).reduce(0) { $0 + $1.0 * $1.1 } }
        let top = logits.max() ?? 0
        let e = logits.map { exp($0 - top) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    /// Mean negative log-likelihood of the choices plus ridge·|w|².
    public static func loss(_ w: [Double], _ choices: [Choice], ridge: Double) -> Double {
        var total = 0.0
        for choice in choices { total -= log(probabilities(w, choice.options)[choice.chosen]) }
        return total / Double(max(1, choices.count)) + ridge * w.reduce(0) { $0 + $1 * $1 }
    }

    /// The minimiser of `loss` (ridge > 0), from w = 0, Newton steps until no weight moves by more than 1e-10 (at most
    /// `maxSteps`). Deterministic: choices are summed in order.
    public static func fit(_ choices: [Choice], featureCount k: Int, ridge: Double, maxSteps: Int = 100) -> [Double] {
        var w = [Double](repeating: 0, count: k)
        guard !choices.isEmpty, k > 0 else { return w }
        let n = Double(choices.count)
        for _ in 0..<maxSteps {
            // gradient = E_p[φ] − φ_chosen (mean over choices) + 2·ridge·w; Hessian = Cov_p[φ] (mean) + 2·ridge·I.
            var gradient = w.map { 2 * ridge * $0 }
            var hessian = [Double](repeating: 0, count: k * k)
            for i in 0..<k { hessian[i * k + i] = 2 * ridge }
            var mean = [Double](repeating: 0, count: k)
            for choice in choices {
                let p = probabilities(w, choice.options)
                for i in 0..<k { mean[i] = 0 }
                for (c, phi) in choice.options.enumerated() {
                    for i in 0..<k where phi[i] != 0 {
                        mean[i] += p[c] * phi[i]
                        for j in 0..<k where phi[j] != 0 { hessian[i * k + j] += p[c] * phi[i] * phi[j] / n }
                    }
                }
                let taken = choice.options[choice.chosen]
                for i in 0..<k {
                    gradient[i] += (mean[i] - taken[i]) / n
                    guard mean[i] != 0 else { continue }
                    for j in 0..<k { hessian[i * k + j] -= mean[i] * mean[j] / n }
                }
            }
            guard let step = LinearSolve.symmetricPositiveDefinite(hessian, gradient) else { break }
            for i in 0..<k { w[i] -= step[i] }
            if step.map(abs).max()! < 1e-10 { break }
        }
        return w
    }
}
