/// Small order statistics shared by the label-free cost choices (Berg's NONAME and unseen-name scores, the NONAME
/// quantile and the singleton score of inference).
public enum Statistics {
    /// The q-quantile of ascending `sorted` values without interpolation: the value at rank round(q·(n−1)), q clamped
    /// to [0, 1]. Nil for no values or a non-finite q.
    public static func quantile<T>(sorted: [T], _ q: Double) -> T? {
        guard !sorted.isEmpty, q.isFinite else { return nil }
        return sorted[Int((min(1, max(0, q)) * Double(sorted.count - 1)).rounded())]
    }

    /// Sample standard deviation (divisor n − 1); nil for fewer than two values.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        guard values.count > 1 else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return variance.squareRoot()
    }
}
