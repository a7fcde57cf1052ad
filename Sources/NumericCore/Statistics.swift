/// Small order statistics shared by the label-free cost choices (Berg's NONAME and unseen-name scores, the NONAME
/// quantile and the singleton score of inference).
public enum Statistics {
    /// The q-quantile of ascending `sorted` values without interpolation: the value at rank round(q·(n−1)), q clamped
    /// to [0, 1]. Nil for no values or a non-finite q.
    public static func quantile<T>(sorted: [T], _ q: Double) -> T? {
        guard !sorted.isEmpty, q.isFinite else { return nil }
        return sorted[Int((min(1, max(0, q)) * Double(sorted.count - 1)).rounded())]
    }
}
