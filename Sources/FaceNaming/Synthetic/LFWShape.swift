// How augmented-LFW batches are shaped, counted from the released annotations (one ∪ rest, secla-method.md §2.3).
// Used to give generated batches the real distribution of set sizes.

import NumericCore

public enum LFWShape {
    /// Images by number of detected faces: faces → images.
    public static let facesPerImage: [(Int, Int)] = [(1, 7_947), (2, 2_485), (3, 450), (4, 74), (5, 14), (6, 2), (7, 3), (8, 1)]
    /// Captions by candidate-list length as the official model sees it (caption names + NONAME): length → captions.
    public static let candidatesPerCaption: [(Int, Int)] = [(2, 3_787), (3, 4_363), (4, 1_968), (5, 595), (6, 196), (7, 44),
                                                            (8, 18), (9, 4), (10, 1)]

    /// Draws a value from a histogram of (value, count) pairs.
    public static func draw(_ histogram: [(Int, Int)], _ rng: inout SeededRandom) -> Int {
        let total = histogram.reduce(0) { $0 + $1.1 }
        var r = rng.int(below: total)
        for (value, count) in histogram {
            if r < count { return value }
            r -= count
        }
        return histogram.last!.0
    }
}
