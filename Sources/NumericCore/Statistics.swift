/// Small order statistics shared by the label-free cost choices (Berg's NONAME and unseen-name scores, the NONAME
/// quantile and the singleton score of inference, the learned layout prior's appearance threshold).
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

    /// Otsu's threshold of ascending `sorted` values: the cut between two adjacent values that maximises the
    /// between-class variance n_lo·n_hi·(mean_hi − mean_lo)², returned as the midpoint of the two values (the first
    /// best cut on ties). Nil for fewer than two distinct values.
    public static func otsuThreshold(sorted: [Double]) -> Double? {
        let n = sorted.count
        guard n > 1, sorted[0] < sorted[n - 1] else { return nil }
        let total = sorted.reduce(0, +)
        var below = 0.0, best = -1.0, cut: Double?
        for k in 0..<(n - 1) {
            below += sorted[k]
            guard sorted[k] < sorted[k + 1] else { continue }  // a cut between equal values separates nothing
            let lo = Double(k + 1), hi = Double(n - k - 1)
            let gap = (total - below) / hi - below / lo
            let between = lo * hi * gap * gap
            if between > best { best = between; cut = (sorted[k] + sorted[k + 1]) / 2 }
        }
        return cut
    }
}
