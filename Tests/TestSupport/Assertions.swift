// Shared test helpers: closeness assertions that report the worst element, and a finite-difference gradient check.

import Foundation
import NumericCore
import Testing

/// Where two arrays differ most, relative to the tolerance `atol + rtol·|expected|`.
public struct Closeness: CustomStringConvertible {
    public let worstIndex: Int
    public let actual: Double
    public let expected: Double
    /// max over elements of |a − e| / (atol + rtol·|e|); ≤ 1 means every element is within tolerance.
    public let ratio: Double
    public var passes: Bool { ratio <= 1 }
    public var description: String {
        "worst element \(worstIndex): got \(actual), expected \(expected) (|diff| \(abs(actual - expected)), \(String(format: "%.2f", ratio))× the tolerance)"
    }
}

public func closeness(_ actual: [Double], _ expected: [Double], rtol: Double, atol: Double) -> Closeness {
    precondition(actual.count == expected.count, "closeness: \(actual.count) vs \(expected.count) elements")
    var worst = Closeness(worstIndex: -1, actual: .nan, expected: .nan, ratio: 0)
    for i in actual.indices {
        let r = abs(actual[i] - expected[i]) / (atol + rtol * abs(expected[i]))
        if r > worst.ratio || r.isNaN { worst = Closeness(worstIndex: i, actual: actual[i], expected: expected[i], ratio: r.isNaN ? .infinity : r) }
    }
    return worst
}

/// Expects every element of `actual` within `atol + rtol·|expected|` of `expected` and reports the worst element.
/// Default tolerances suit Float32 results compared with values computed in Float64 elsewhere (NumPy, PyTorch):
/// a few ulps of relative error (rtol 1e-5) plus an absolute floor for values that cancel to near zero.
public func assertClose(_ actual: [Float], _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
                        _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    guard actual.count == expected.count else { return }
    let c = closeness(actual.map(Double.init), expected, rtol: rtol, atol: atol)
    #expect(c.passes, "\(what): \(c)", sourceLocation: sourceLocation)
}

public func assertClose(_ actual: Tensor, _ expected: [Double], rtol: Double = 1e-5, atol: Double = 1e-6,
                        _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    assertClose(actual.array, expected, rtol: rtol, atol: atol, what, sourceLocation: sourceLocation)
}

/// Result of a gradient check for one input tensor.
public struct GradientCheck {
    public let input: Int
    public let analytic: [Double]
    public let numeric: [Double]
    public let closeness: Closeness
}

/// Compares the tape's gradient of `L = Σ_k w_k · y_k` (y = `op(inputs)`, w fixed random weights) with central
/// finite differences `(L(x + h) − L(x − h)) / 2h`, for every element of every input.
///
/// Why Float is enough here, and the tolerance: the forward runs in Float32, but L is summed in Float64 from the Float
/// outputs, so its rounding error is about ε·Σ|w_k y_k| with ε = 6e-8. Divided by 2h that is ≈ 3e-6·Σ|w y| for
/// h = 1e-2, while the central difference's truncation error is h²/6·|L'''| ≈ 2e-5·|L'''|. With outputs of order 1 a
/// correct gradient lands within atol = 1e-3 + rtol = 1e-2 of the difference quotient by two orders of magnitude,
/// whereas a wrong gradient (a missing term, a transposed index) is off by order 1. Inputs of ops with kinks (max,
/// ReLU) must keep every kink farther than h away, which the tests arrange.
public func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, rtol: Double = 1e-2, atol: Double = 1e-3, seed: UInt64 = 7,
                           _ op: (Graph, [Var]) -> Var) -> [GradientCheck] {
    // Analytic gradients from the tape.
    let g = Graph()
    let vars = inputs.map { g.variable($0.copy()) }
    let y = op(g, vars)
    var rng = SeededRandom(seed: seed)
    let w = rng.uniformTensor(g.shape(y), low: -1, high: 1)
    g.backward(g.sum(g.mul(y, g.constant(w))))

    func loss(_ xs: [Tensor]) -> Double {
        let g2 = Graph()
        let out = g2.value(op(g2, xs.map { g2.constant($0) }))
        var s = 0.0
        for k in 0..<out.count { s += Double(w.pointer[k]) * Double(out.pointer[k]) }
        return s
    }

    var results = [GradientCheck]()
    for (i, x) in inputs.enumerated() {
        let analytic = (g.grad(vars[i]) ?? Tensor(zeros: x.shape)).array.map(Double.init)
        var numeric = [Double]()
        for k in 0..<x.count {
            var plus = inputs.map { $0.copy() }, minus = inputs.map { $0.copy() }
            plus[i].pointer[k] += h
            minus[i].pointer[k] -= h
            // The step actually taken in Float, not the nominal h.
            let step = Double(plus[i].pointer[k]) - Double(minus[i].pointer[k])
            numeric.append((loss(plus) - loss(minus)) / step)
            plus = []; minus = []
        }
        results.append(GradientCheck(input: i, analytic: analytic, numeric: numeric,
                                     closeness: closeness(analytic, numeric, rtol: rtol, atol: atol)))
    }
    return results
}

/// Runs `checkGradients` and records one expectation per input.
public func expectGradientsMatch(_ inputs: [Tensor], h: Float = 1e-2, rtol: Double = 1e-2, atol: Double = 1e-3,
                                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                                 _ op: (Graph, [Var]) -> Var) {
    for check in checkGradients(inputs, h: h, rtol: rtol, atol: atol, op) {
        #expect(check.closeness.passes, "\(what), input \(check.input): \(check.closeness)", sourceLocation: sourceLocation)
    }
}
