"""Independent reference values for NumericCore's SeededRandom (xoshiro256** seeded by SplitMix64).

Written from the published algorithm descriptions (Blackman & Vigna, prng.di.unimi.it), not from the Swift code.
Run: python3 scripts/reference/rng.py  — prints the literals used in Tests/NumericCoreTests/RandomTests.swift.
"""
M = (1 << 64) - 1


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro256ss:
    def __init__(self, seed):
        st = seed
        self.s = []
        for _ in range(4):
            st, z = splitmix64(st)
            self.s.append(z)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result


def main():
    r = Xoshiro256ss(684331)
    print("first five UInt64 for seed 684331:", [r.next() for _ in range(5)])
    r = Xoshiro256ss(0)
    print("first three UInt64 for seed 0:", [r.next() for _ in range(3)])
    r = Xoshiro256ss(42)
    print("uniform() ×3 for seed 42 (53 bits):", [repr((r.next() >> 11) * 2.0**-53) for _ in range(3)])
    # Fisher–Yates from the end with rejection sampling, as documented in Random.swift
    r = Xoshiro256ss(7)

    def below(n):
        threshold = ((1 << 64) - n) % n
        while True:
            x = r.next()
            if x >= threshold:
                return x % n

    p = list(range(10))
    for i in range(9, 0, -1):
        j = below(i + 1)
        p[i], p[j] = p[j], p[i]
    print("permutation(10) for seed 7:", p)


if __name__ == "__main__":
    main()
