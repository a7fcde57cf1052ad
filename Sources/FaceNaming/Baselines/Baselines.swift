// Learning-free predictors: the reference points any trained model must be compared with.
// Each returns, per sample, the candidate text predicted for each face (the input of `OfficialMetric`).

import NumericCore

public enum Baseline: String, CaseIterable, Codable, Sendable {
    /// Every face gets NONAME.
    case allNoName = "all-noname"
    /// Every face gets a uniformly random candidate of its own caption, NONAME included.
    case random
    /// The largest face gets the first-mentioned caption name, the next largest the second, and so on; faces left
    /// over get NONAME. Uses box areas and mention ranks only.
    case largestFaceFirstMention = "largest-face-first-mention"

    public func predict(_ samples: [Sample], seed: UInt64 = 0) -> [[String]] {
        var rng = SeededRandom(seed: seed)
        return samples.map { sample in
            switch self {
            case .allNoName:
                return Array(repeating: noName, count: sample.faces.count)
            case .random:
                return sample.faces.map { _ in sample.names[rng.int(below: sample.names.count)].text }
            case .largestFaceFirstMention:
                return Baseline.largestFirst(sample)
            }
        }
    }

    static func largestFirst(_ sample: Sample) -> [String] {
        // Real names by first mention (unmentioned ones after, in candidate order), each name once.
        var seen = Set<String>()
        let ranked = sample.names.enumerated()
            .filter { !$0.element.isNoName }
            .sorted { ($0.element.mention ?? Int.max, $0.offset) < ($1.element.mention ?? Int.max, $1.offset) }
            .map(\.element.text)
            .filter { seen.insert($0).inserted }
        // Faces by area, largest first (stable for equal areas).
        let order = sample.faces.indices.sorted { a, b in
            let areaA = sample.faces[a].box?.area ?? 0, areaB = sample.faces[b].box?.area ?? 0
            return areaA != areaB ? areaA > areaB : a < b
        }
        var result = Array(repeating: noName, count: sample.faces.count)
        for (rank, face) in order.enumerated() where rank < ranked.count { result[face] = ranked[rank] }
        return result
    }
}
