// One-to-one assignment of faces to caption names at inference time.
//
// Taking each face's best-scoring name independently can give one name to several faces; the faces of an image show
// different people, so inference instead picks the assignment with the largest total score in which every real name
// goes to at most one face (NONAME to any number). That is a rectangular assignment problem, solved exactly by the
// Hungarian (Kuhn–Munkres) algorithm in its shortest-augmenting-path form with row and column potentials, O(n²·m).

public enum Assignment {
    /// For every row, a distinct column, maximising the total weight Σ weights[r][result[r]].
    ///
    /// Precondition (the caller guarantees it): every row has the same number of columns, at least as many as there
    /// are rows. An empty matrix gives an empty result.
    ///
    /// Ties: the result depends only on the weights (no randomness, no hashing). Rows are added in index order, and
    /// each step of a row's augmenting-path search takes the column with the smallest reduced cost, the lowest column
    /// index among equal ones; among equally good assignments the result is the one this order reaches first, so
    /// equal inputs always give equal outputs.
    ///
    /// Weights should be finite. With NaN or infinite weights the result is still a valid one-to-one assignment, but
    /// not necessarily an optimal one.
    public static func maximiseWeight(_ weights: [[Double]]) -> [Int] {
        let n = weights.count
        guard n > 0 else { return [] }
        let m = weights[0].count
        precondition(weights.allSatisfy { $0.count == m }, "Assignment.maximiseWeight: rows of different lengths")
        precondition(n <= m, "Assignment.maximiseWeight: \(n) rows but only \(m) columns")

        // Minimises the cost −weight. Index 0 of `rowOfColumn` is a virtual column holding the row being added;
        // rows and columns are 1-based inside so that 0 can mean "none".
        var rowPotential = [Double](repeating: 0, count: n + 1)
        var columnPotential = [Double](repeating: 0, count: m + 1)
        var rowOfColumn = [Int](repeating: 0, count: m + 1)
        var previousColumn = [Int](repeating: 0, count: m + 1)
        var slack = [Double](repeating: 0, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)

        for row in 1...n {
            rowOfColumn[0] = row
            var column = 0
            for j in 0...m {
                slack[j] = .infinity
                used[j] = false
                // Reset per row so that a column reached only through NaN costs links straight back to the new row,
                // which keeps the augmentation a valid matching whatever the values.
                previousColumn[j] = 0
            }
            repeat {
                used[column] = true
                let current = rowOfColumn[column]
                var delta = Double.infinity
                var next = (1...m).first { !used[$0] } ?? 0  // exists: fewer rows are matched than there are columns
                for j in 1...m where !used[j] {
                    let reduced = -weights[current - 1][j - 1] - rowPotential[current] - columnPotential[j]
                    if reduced < slack[j] {
                        slack[j] = reduced
                        previousColumn[j] = column
                    }
                    if slack[j] < delta {  // strict: the lowest column index wins ties
                        delta = slack[j]
                        next = j
                    }
                }
                for j in 0...m {
                    if used[j] {
                        rowPotential[rowOfColumn[j]] += delta
                        columnPotential[j] -= delta
                    } else {
                        slack[j] -= delta
                    }
                }
                column = next
            } while rowOfColumn[column] != 0

            // Shift the rows along the path back to the virtual column; the new row takes the path's first column.
            repeat {
                let previous = previousColumn[column]
                rowOfColumn[column] = rowOfColumn[previous]
                column = previous
            } while column != 0
        }

        var result = [Int](repeating: -1, count: n)
        for j in 1...m where rowOfColumn[j] != 0 { result[rowOfColumn[j] - 1] = j - 1 }
        return result
    }

    /// For every face, the candidate (an index into `isNoName`) that maximises the total score, where a candidate
    /// with `isNoName[c]` (NONAME) may go to any number of faces and every other candidate to at most one face.
    /// `scores[f][c]` is face f's score for candidate c; the caller has merged candidates with the same text.
    ///
    /// Each face gets its own copy of a NONAME column worth its best NONAME score (the lowest such index when several
    /// NONAME candidates score the same), so all faces can be unnamed when that scores best. Without any NONAME
    /// candidate and with more faces than names, exactly as many faces as there are names get one — the choice that
    /// maximises the total over the named faces — and the others get -1.
    ///
    /// Precondition (the caller guarantees it): every row of `scores` has `isNoName.count` entries. Ties are broken
    /// as in `maximiseWeight`, with the real candidates as the first columns in index order.
    public static func assignNames(scores: [[Double]], isNoName: [Bool]) -> [Int] {
        let faces = scores.count
        guard faces > 0 else { return [] }
        precondition(scores.allSatisfy { $0.count == isNoName.count },
                     "Assignment.assignNames: score rows must have one entry per candidate (\(isNoName.count))")
        let real = isNoName.indices.filter { !isNoName[$0] }
        let noName = isNoName.indices.filter { isNoName[$0] }

        // Per face, its best NONAME candidate (or nil when there is none).
        let bestNoName: [Int?] = scores.map { row in
            noName.reduce(nil as Int?) { best, c in best.map { row[c] > row[$0] ? c : $0 } ?? c }
        }
        // Extra columns: one NONAME copy per face, or, without NONAME, zero-weight "unnamed" columns for the faces
        // that cannot all get a name (the total over the named faces is then what is maximised).
        let extra = noName.isEmpty ? max(0, faces - real.count) : faces
        let weights = (0..<faces).map { f in
            real.map { scores[f][$0] } + [Double](repeating: bestNoName[f].map { scores[f][$0] } ?? 0, count: extra)
        }
        return zip(maximiseWeight(weights), bestNoName).map { column, noNameCandidate in
            column < real.count ? real[column] : noNameCandidate ?? -1
        }
    }
}
