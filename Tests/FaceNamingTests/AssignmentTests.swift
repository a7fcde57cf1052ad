// The Hungarian assignment and the face-naming rules built on it, against brute force over every admissible
// assignment of small matrices.

import FaceNaming
import NumericCore
import Testing

// MARK: - Brute force

/// The best total over all injective row → column maps (rows summed in index order, as `total` does).
private func bruteForceBest(_ weights: [[Double]]) -> Double {
    let columns = weights.first?.count ?? 0
    var used = [Bool](repeating: false, count: columns)
    func best(_ row: Int) -> Double {
        if row == weights.count { return 0 }
        var result = -Double.infinity
        for c in 0..<columns where !used[c] {
            used[c] = true
            result = max(result, weights[row][c] + best(row + 1))
            used[c] = false
        }
        return result
    }
    return best(0)
}

private func total(_ weights: [[Double]], _ assignment: [Int]) -> Double {
    assignment.enumerated().reduce(0) { $0 + weights[$1.offset][$1.element] }
}

/// The best total over every admissible naming: real names at most once, NONAME candidates any number of times, and
/// without NONAME exactly min(faces, names) faces named (the others -1, contributing 0).
private func bruteForceBestNaming(_ scores: [[Double]], _ isNoName: [Bool]) -> Double {
    let real = isNoName.indices.filter { !isNoName[$0] }
    let noName = isNoName.indices.filter { isNoName[$0] }
    let unnamed = noName.isEmpty ? max(0, scores.count - real.count) : 0
    var used = Set<Int>()
    func best(_ face: Int, _ unnamedLeft: Int) -> Double {
        if face == scores.count { return unnamedLeft == 0 ? 0 : -.infinity }
        var result = -Double.infinity
        for c in real where !used.contains(c) {
            used.insert(c)
            result = max(result, scores[face][c] + best(face + 1, unnamedLeft))
            used.remove(c)
        }
        for c in noName { result = max(result, scores[face][c] + best(face + 1, unnamedLeft)) }
        if unnamedLeft > 0 { result = max(result, best(face + 1, unnamedLeft - 1)) }
        return result
    }
    return best(0, unnamed)
}

private func namingTotal(_ scores: [[Double]], _ choice: [Int]) -> Double {
    choice.enumerated().reduce(0) { $0 + ($1.element < 0 ? 0 : scores[$1.offset][$1.element]) }
}

/// A valid naming: one entry per face, real names at most once, -1 only where the rules allow it.
private func expectValidNaming(_ choice: [Int], _ scores: [[Double]], _ isNoName: [Bool],
                               sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(choice.count == scores.count, sourceLocation: sourceLocation)
    let realChosen = choice.filter { $0 >= 0 && !isNoName[$0] }
    #expect(Set(realChosen).count == realChosen.count, "a real name given twice: \(choice)", sourceLocation: sourceLocation)
    #expect(choice.allSatisfy { $0 >= -1 && $0 < isNoName.count }, sourceLocation: sourceLocation)
    let realCount = isNoName.filter { !$0 }.count
    let expectedUnnamed = isNoName.contains(true) ? 0 : max(0, scores.count - realCount)
    #expect(choice.filter { $0 == -1 }.count == expectedUnnamed, "\(choice)", sourceLocation: sourceLocation)
}

private func expectValidAssignment(_ result: [Int], rows: Int, columns: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.count == rows, sourceLocation: sourceLocation)
    #expect(Set(result).count == result.count, "column used twice: \(result)", sourceLocation: sourceLocation)
    #expect(result.allSatisfy { (0..<columns).contains($0) }, "\(result)", sourceLocation: sourceLocation)
}

private func randomMatrix(_ rng: inout SeededRandom, rows: Int, columns: Int, integers: Bool) -> [[Double]] {
    (0..<rows).map { _ in
        (0..<columns).map { _ in integers ? Double(rng.int(below: 11) - 5) : 2 * rng.uniform() - 1 }
    }
}

// MARK: - maximiseWeight

@Suite struct AssignmentTests {
    /// Small integer weights (many ties, exact sums) and real weights, every shape up to 5 × 7.
    @Test(arguments: [true, false])
    func matchesBruteForce(integers: Bool) {
        var rng = SeededRandom(seed: integers ? 11 : 12)
        for trial in 0..<600 {
            let rows = rng.int(below: 6)
            let columns = rows + rng.int(below: 8 - max(rows, 1))
            let w = randomMatrix(&rng, rows: rows, columns: max(columns, rows), integers: integers)
            let result = Assignment.maximiseWeight(w)
            expectValidAssignment(result, rows: rows, columns: w.first?.count ?? 0)
            guard result.count == rows, rows > 0 else { continue }
            let best = bruteForceBest(w)
            if integers {
                #expect(total(w, result) == best, "trial \(trial): \(w) → \(result)")
            } else {
                #expect(abs(total(w, result) - best) <= 1e-12, "trial \(trial): \(w) → \(result)")
            }
        }
    }

    @Test func emptyAndTrivial() {
        #expect(Assignment.maximiseWeight([]) == [])
        #expect(Assignment.maximiseWeight([[3]]) == [0])
        #expect(Assignment.maximiseWeight([[1, 5, 2]]) == [1])
        #expect(Assignment.maximiseWeight([[1, 2], [3, 7]]) == [0, 1])
        #expect(Assignment.maximiseWeight([[1, 7], [3, 8]]) == [1, 0])
    }

    /// Every row is assigned even when all weights are negative, and the total is still maximal.
    @Test func negativeWeights() {
        let w: [[Double]] = [[-1, -10, -3], [-2, -5, -100]]
        let result = Assignment.maximiseWeight(w)
        #expect(result == [2, 0])  // -3 + -2 beats -1 + -5
        #expect(total(w, result) == bruteForceBest(w))
    }

    /// Equal weights: any distinct columns are optimal; the documented order gives the lowest ones, row by row.
    @Test func equalWeightsAndDeterminism() {
        #expect(Assignment.maximiseWeight([[Double]](repeating: [1, 1, 1, 1], count: 3)) == [0, 1, 2])
        #expect(Assignment.maximiseWeight([[Double]](repeating: [0, 0], count: 2)) == [0, 1])
        var rng = SeededRandom(seed: 5)
        for _ in 0..<100 {
            let w = randomMatrix(&rng, rows: 4, columns: 6, integers: true).map { $0.map { ($0 / 4).rounded() } }
            #expect(Assignment.maximiseWeight(w) == Assignment.maximiseWeight(w.map { Array($0) }))
        }
    }

    /// Non-finite weights are not meaningful, but must still give a valid assignment rather than a trap or a hang.
    @Test func nonFiniteWeightsStillGiveAValidAssignment() {
        for bad in [Double.nan, .infinity, -.infinity] {
            let w: [[Double]] = [[1, bad, 3], [bad, bad, bad], [2, 0, bad]]
            expectValidAssignment(Assignment.maximiseWeight(w), rows: 3, columns: 3)
        }
    }

    @Test func largerMatrixIsValidAndBeatsGreedy() {
        var rng = SeededRandom(seed: 3)
        let w = randomMatrix(&rng, rows: 60, columns: 90, integers: false)
        let result = Assignment.maximiseWeight(w)
        expectValidAssignment(result, rows: 60, columns: 90)
        var used = Set<Int>(), greedy = 0.0
        for row in w {
            let c = row.indices.filter { !used.contains($0) }.max { row[$0] < row[$1] }!
            used.insert(c)
            greedy += row[c]
        }
        #expect(total(w, result) >= greedy)
    }
}

// MARK: - assignNames

@Suite struct AssignNamesTests {
    @Test func randomAgainstBruteForce() {
        var rng = SeededRandom(seed: 21)
        for trial in 0..<800 {
            let faces = rng.int(below: 5)
            let candidates = rng.int(below: 6)
            // Either no NONAME at all or one or two of them, anywhere in the list.
            var isNoName = [Bool](repeating: false, count: candidates)
            if candidates > 0 && rng.int(below: 3) > 0 {
                for _ in 0...rng.int(below: 2) { isNoName[rng.int(below: candidates)] = true }
            }
            let integers = trial % 2 == 0
            let scores = randomMatrix(&rng, rows: faces, columns: candidates, integers: integers)
            let choice = Assignment.assignNames(scores: scores, isNoName: isNoName)
            expectValidNaming(choice, scores, isNoName)
            let best = bruteForceBestNaming(scores, isNoName)
            #expect(abs(namingTotal(scores, choice) - best) <= (integers ? 0 : 1e-12),
                    "trial \(trial): \(scores) \(isNoName) → \(choice)")
        }
    }

    /// Three faces all preferring A: A goes where it gains most, the others take their next name or NONAME.
    @Test func facesCompetingForOneName() {
        let isNoName = [false, false, true]  // A, B, NONAME
        let scores: [[Double]] = [[0.9, 0.1, 0.3],
                                  [0.8, 0.7, 0.2],
                                  [0.85, 0.0, 0.5]]
        let choice = Assignment.assignNames(scores: scores, isNoName: isNoName)
        #expect(choice == [0, 1, 2])
        #expect(namingTotal(scores, choice) == bruteForceBestNaming(scores, isNoName))

        // Only A and NONAME: exactly one face gets A, the others share NONAME.
        let onlyA: [[Double]] = [[0.9, 0.3], [0.8, 0.4], [0.85, 0.5]]
        let c2 = Assignment.assignNames(scores: onlyA, isNoName: [false, true])
        #expect(c2 == [0, 1, 1])  // 0.9 + 0.4 + 0.5 = 1.8 beats 1.6 and 1.55
        #expect(namingTotal(onlyA, c2) == bruteForceBestNaming(onlyA, [false, true]))
    }

    /// NONAME beats a real name when it scores higher, for every face at once.
    @Test func allFacesUnnamed() {
        let scores: [[Double]] = [[0.1, 0.9], [0.2, 0.8], [-1, 0]]
        #expect(Assignment.assignNames(scores: scores, isNoName: [false, true]) == [1, 1, 1])
    }

    /// Several NONAME candidates (NONAME, NONAMEWRONG): each face takes its best, the lowest index on ties.
    @Test func severalNoNameCandidates() {
        let isNoName = [true, false, true]
        let scores: [[Double]] = [[0.4, 0.0, 0.6], [0.5, 0.1, 0.5], [0.3, 0.9, 0.2]]
        #expect(Assignment.assignNames(scores: scores, isNoName: isNoName) == [2, 0, 1])
    }

    @Test func withoutNoNameFacesBeyondTheNamesGetMinusOne() {
        let scores: [[Double]] = [[0.2, 0.1], [0.9, 0.8], [0.5, -0.3], [0.4, 0.7]]
        let choice = Assignment.assignNames(scores: scores, isNoName: [false, false])
        #expect(choice == [-1, 0, -1, 1])  // 0.9 + 0.7 is the best pair of named faces
        #expect(Assignment.assignNames(scores: [[], []], isNoName: []) == [-1, -1])
        // Enough names: every face named, even with negative scores.
        #expect(Assignment.assignNames(scores: [[-5, -1], [-2, -3]], isNoName: [false, false]) == [1, 0])
    }

    @Test func emptyInputs() {
        #expect(Assignment.assignNames(scores: [], isNoName: []) == [])
        #expect(Assignment.assignNames(scores: [], isNoName: [false, true]) == [])
        #expect(Assignment.assignNames(scores: [[0.3]], isNoName: [true]) == [0])
    }

    @Test func determinism() {
        var rng = SeededRandom(seed: 8)
        for _ in 0..<100 {
            let scores = randomMatrix(&rng, rows: 4, columns: 5, integers: true)
            let isNoName = [false, true, false, false, true]
            #expect(Assignment.assignNames(scores: scores, isNoName: isNoName)
                    == Assignment.assignNames(scores: scores, isNoName: isNoName))
        }
        // Equal scores everywhere: real names first in index order (they are the first columns), then NONAME.
        #expect(Assignment.assignNames(scores: [[Double]](repeating: [1, 1, 1], count: 3), isNoName: [false, true, false])
                == [0, 2, 1])
    }
}
