import Foundation
import NumericCore
import Testing

@Suite struct ActivationTests {
    /// Every float in a window, plus a dense grid over [-10, 10] and the special values.
    static func inputs() -> [Float] {
        var xs: [Float] = [0, -0, .infinity, 1e-30, -1e-30, 100, -100, 3.999_999_8, 4, 4.000_000_5, -4, 1, -1,
                           0.999_999_94, 1.000_000_1, -5.075_03, 1_000, -1_000]
        xs += (0..<400_001).map { Float(-10 + Double($0) * 20 / 400_000) }
        var bits = Float(0.9).bitPattern
        for _ in 0..<50_000 { xs.append(Float(bitPattern: bits)); xs.append(-Float(bitPattern: bits)); bits += 1 }
        return xs
    }

    @Test func geluMatchesDoublePrecisionErf() {
        var xs = Self.inputs()
        let zs = xs
        xs.withUnsafeMutableBufferPointer { Activations.gelu($0.baseAddress!, count: $0.count) }
        var worst = 0.0, at: Float = 0
        for (z, y) in zip(zs, xs) where z.isFinite {
            let d = Double(z), exact = d * 0.5 * (1 + erf(d / 2.0.squareRoot()))
            let err = abs(Double(y) - exact)
            if err > worst { worst = err; at = z }
        }
        // Half an ulp of the result near 5 is 2.4e-7; the erf adds at most ~1.5e-7 × |z|/2 around there.
        #expect(worst <= 5e-7, "worst |gelu − exact| = \(worst) at z = \(at)")
        #expect(xs[2] == .infinity)
        #expect(xs[0] == 0 && xs[1] == 0)
    }

    @Test func vectorAndScalarPathsAgreeBitForBit() {
        var vector = Self.inputs() + [.nan, -.infinity]
        var scalar = vector
        vector.withUnsafeMutableBufferPointer { Activations.gelu($0.baseAddress!, count: $0.count) }
        scalar.withUnsafeMutableBufferPointer { Activations.geluScalar($0.baseAddress!, count: $0.count) }
        let differing = zip(vector, scalar).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0)
        #expect(vector[vector.count - 2].isNaN)
    }
}
