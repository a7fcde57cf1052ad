// The project's one random number generator: seeded, and platform-independent bit for bit.
//
// xoshiro256** (Blackman & Vigna) seeded through SplitMix64. Every derived distribution uses only integer
// operations and correctly rounded IEEE arithmetic (+ − × ÷ √), never the platform's libm, so the same seed gives the
// same numbers on Linux and macOS, in debug and release. Swift's own `shuffled(using:)` and `random(in:using:)` are
// not guaranteed stable across Swift versions; use `permutation(_:)`, `shuffle(_:)` and `uniform` here instead.

public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// A second normal deviate from the polar method, returned by the next `normal()`.
    private var spareNormal: Double?

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
        spareNormal = nil
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform Float in [0, 1) with 24 random bits.
    public mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform Float in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * uniformFloat() }

    /// Uniform integer in 0..<n without modulo bias (rejection sampling).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "SeededRandom.int(below:) needs n > 0, got \(n)")
        let bound = UInt64(n)
        let threshold = (0 &- bound) % bound  // 2^64 mod n: values below it would bias the result
        while true {
            let x = next()
            if x >= threshold { return Int(x % bound) }
        }
    }

    /// Standard normal deviate, Marsaglia's polar method (pairs; the second is kept for the next call).
    public mutating func normal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s >= 1 || s == 0 { continue }
            let factor = (-2 * portableLog(s) / s).squareRoot()
            spareNormal = v * factor
            return u * factor
        }
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    /// Shuffles in place (Fisher–Yates, from the end).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, int(below: i + 1))
        }
    }

    /// A tensor of U[low, high) values, filled in row-major order.
    public mutating func uniformTensor(_ shape: [Int], low: Float = 0, high: Float = 1) -> Tensor {
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.pointer[i] = uniform(low, high) }
        return t
    }

    /// A tensor of N(mean, std²) values, filled in row-major order.
    public mutating func normalTensor(_ shape: [Int], mean: Float = 0, std: Float = 1) -> Tensor {
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.pointer[i] = mean + std * Float(normal()) }
        return t
    }
}

/// Natural logarithm for x > 0 from IEEE-exact operations only, so results are identical on every platform.
/// x = m·2^e with m in [√½, √2); log m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.172; 12 odd terms reach 1e-18.
public func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "portableLog needs a positive finite argument, got \(x)")
    var e = Int(x.exponent)
    var m = x.significand  // in [1, 2), exact
    if m > 1.4142135623730951 {
        m *= 0.5
        e += 1
    }
    let s = (m - 1) / (m + 1)
    let s2 = s * s
    var series = 1.0 / 23.0
    for k in stride(from: 21, through: 1, by: -2) { series = series * s2 + 1.0 / Double(k) }
    let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
    return Double(e) * ln2Hi + (2 * s * series + Double(e) * ln2Lo)
}
