// Reliability of the per-face confidence: among the faces given a confidence in [lower, upper), how many are right.
// A reviewer sorting by doubt needs "confidence ≥ 0.9" to mean "right at least 9 times in 10"; this table checks it
// against gold labels (real faces only, as the faces-only accuracy: a `wrong` detection is never right).

public struct ReliabilityBucket: Codable, Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var faces: Int
    public var correct: Int
    /// nil for an empty bucket.
    public var accuracy: Double?
    public var meanConfidence: Double?

    enum CodingKeys: String, CodingKey {
        case lower, upper, faces, correct, accuracy
        case meanConfidence = "mean_confidence"
    }
}

public enum Reliability {
    /// Bucket edges; the last bucket includes 1.
    public static let edges = [0, 0.5, 0.7, 0.8, 0.9, 0.95, 1]

    /// The index of the bucket holding `confidence` (values outside [0, 1] go to the first or last bucket).
    public static func bucket(of confidence: Double) -> Int {
        min(edges.count - 2, max(0, edges.lastIndex { $0 <= confidence } ?? 0))
    }

    /// The table over the labelled real faces of `samples`, whose labels are `labels` (same order).
    public static func table(_ samples: [Sample], labels: [[FaceLabel]]) -> [ReliabilityBucket] {
        var buckets = zip(edges.dropLast(), edges.dropFirst()).map {
            ReliabilityBucket(lower: $0, upper: $1, faces: 0, correct: 0, accuracy: nil, meanConfidence: nil)
        }
        var confidenceSums = [Double](repeating: 0, count: buckets.count)
        for (sample, faceLabels) in zip(samples, labels) {
            for (face, label) in zip(sample.faces, faceLabels) {
                guard let gold = face.label, !face.wrong, label.confidence.isFinite else { continue }
                let b = bucket(of: label.confidence)
                buckets[b].faces += 1
                if label.name == gold { buckets[b].correct += 1 }
                confidenceSums[b] += label.confidence
            }
        }
        for b in buckets.indices where buckets[b].faces > 0 {
            buckets[b].accuracy = Double(buckets[b].correct) / Double(buckets[b].faces)
            buckets[b].meanConfidence = confidenceSums[b] / Double(buckets[b].faces)
        }
        return buckets
    }

    /// Faces with confidence ≥ `threshold` (an edge of the table): their share of all labelled real faces and their
    /// accuracy (nil when there are none).
    public static func above(_ threshold: Double, in table: [ReliabilityBucket]) -> (share: Double, accuracy: Double?) {
        let all = table.reduce(0) { $0 + $1.faces }
        let kept = table.filter { $0.lower >= threshold }
        let faces = kept.reduce(0) { $0 + $1.faces }, correct = kept.reduce(0) { $0 + $1.correct }
        return (all > 0 ? Double(faces) / Double(all) : 0, faces > 0 ? Double(correct) / Double(faces) : nil)
    }

    /// The table as aligned text lines.
    public static func text(_ table: [ReliabilityBucket]) -> String {
        var lines = ["  confidence     faces   accuracy   mean confidence"]
        for b in table {
            let range = String(format: "[%.2f, %.2f%@", b.lower, b.upper, b.upper >= 1 ? "]" : ")")
            lines.append("  " + range.padding(toLength: 13, withPad: " ", startingAt: 0)
                         + String(format: "%7d   %@   %@", b.faces, b.accuracy.map { String(format: "%8.4f", $0) } ?? "       —",
                                  b.meanConfidence.map { String(format: "%15.4f", $0) } ?? "              —"))
        }
        return lines.joined(separator: "\n")
    }
}
