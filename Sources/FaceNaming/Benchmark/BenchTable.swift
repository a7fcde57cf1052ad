// Aggregation of bench rows over seeds (mean ± sample standard deviation) and the Markdown table `secla bench`
// prints and writes.
//
//     mean = Σ x_i / n        sd = √( Σ (x_i − mean)² / (n − 1) )   (n ≥ 2; one seed has no spread: nil, the mean shown alone)

import Foundation

/// Mean and sample standard deviation of one quantity over seeds.
public struct SeedStatistic: Codable, Equatable, Sendable {
    public var mean: Double
    /// nil with fewer than two values.
    public var sd: Double?
    public var n: Int

    /// nil when `values` is empty.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        n = values.count
        mean = values.reduce(0, +) / Double(n)
        if n >= 2 {
            let m = mean
            sd = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        }
    }

    /// "0.8123 ± 0.0040" (`digits` decimals); the mean alone for one value.
    public func formatted(_ digits: Int) -> String {
        let format = "%.\(digits)f"
        return String(format: format, mean) + (sd.map { " ± " + String(format: format, $0) } ?? "")
    }
}

/// One (method, assignment rule) over all its seeds.
public struct BenchAggregate: Codable, Equatable, Sendable {
    public var method: BenchMethod
    public var assignment: AssignmentRule?
    public var label: String
    public var seeds: [UInt64]
    public var f1: SeedStatistic
    public var precision: SeedStatistic
    public var recall: SeedStatistic
    public var facesAccuracy: SeedStatistic
    public var nonamePrecision: SeedStatistic
    public var nonameRecall: SeedStatistic
    public var trainingSeconds: SeedStatistic?
    public var secondsPerEpoch: SeedStatistic?
    public var labellingSeconds: SeedStatistic?
    public var peakMiB: SeedStatistic?
    /// Trained methods: the share of real faces labelled with confidence ≥ 0.9, and their accuracy.
    public var confidentShare: SeedStatistic?
    public var confidentAccuracy: SeedStatistic?

    enum CodingKeys: String, CodingKey {
        case method, assignment, label, seeds, f1, precision, recall
        case confidentShare = "confident_share", confidentAccuracy = "confident_accuracy"
        case facesAccuracy = "faces_accuracy", nonamePrecision = "noname_precision", nonameRecall = "noname_recall"
        case trainingSeconds = "training_seconds", secondsPerEpoch = "seconds_per_epoch", labellingSeconds = "labelling_seconds"
        case peakMiB = "peak_mib"
    }
}

public enum BenchTable {
    /// Groups rows by (method, assignment rule) in first-appearance order and summarises each group over its seeds.
    public static func aggregate(_ rows: [BenchResult]) -> [BenchAggregate] {
        struct Key: Hashable { var method: BenchMethod; var rule: AssignmentRule? }
        var order = [Key](), groups = [Key: [BenchResult]]()
        for r in rows {
            let key = Key(method: r.method, rule: r.assignment)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        return order.compactMap { key -> BenchAggregate? in
            guard let group = groups[key], let first = group.first else { return nil }
            func stat(_ value: (MetricResult) -> Double) -> SeedStatistic {
                // A non-empty group always gives a statistic; the fallback only satisfies the type.
                SeedStatistic(group.map { value($0.metrics) }) ?? SeedStatistic([0])!
            }
            func optional(_ value: (BenchResult) -> Double?) -> SeedStatistic? { SeedStatistic(group.compactMap(value)) }
            return BenchAggregate(method: key.method, assignment: key.rule, label: first.label, seeds: group.map(\.seed),
                                  f1: stat(\.f1), precision: stat(\.precision), recall: stat(\.recall),
                                  facesAccuracy: stat(\.facesAccuracy), nonamePrecision: stat(\.nonamePrecision),
                                  nonameRecall: stat(\.nonameRecall), trainingSeconds: optional(\.trainingSeconds),
                                  secondsPerEpoch: optional(\.secondsPerEpoch), labellingSeconds: optional(\.labellingSeconds),
                                  peakMiB: optional(\.peakMiB),
                                  confidentShare: optional { $0.reliability.map { Reliability.above(0.9, in: $0).share } },
                                  confidentAccuracy: optional { $0.reliability.flatMap { Reliability.above(0.9, in: $0).accuracy } })
        }
    }

    public static let columns = ["method", "F1", "faces acc.", "NONAME P", "NONAME R", "conf ≥ 0.9: share", "acc.", "train s",
                                 "s / epoch", "label s", "peak MiB"]

    /// A Markdown table, one line per aggregate, columns padded so it also reads as plain text.
    public static func markdown(_ aggregates: [BenchAggregate]) -> String {
        func cell(_ s: SeedStatistic?, _ digits: Int) -> String { s?.formatted(digits) ?? "—" }
        let body = aggregates.map { a in
            [a.label, cell(a.f1, 4), cell(a.facesAccuracy, 4), cell(a.nonamePrecision, 4), cell(a.nonameRecall, 4),
             cell(a.confidentShare, 3), cell(a.confidentAccuracy, 4), cell(a.trainingSeconds, 1), cell(a.secondsPerEpoch, 2), cell(a.labellingSeconds, 3), cell(a.peakMiB, 0)]
        }
        let widths = columns.indices.map { c in ([columns[c]] + body.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            "| " + zip(cells, widths).enumerated().map { c, pair in
                c == 0 ? pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
                       : String(repeating: " ", count: pair.1 - pair.0.count) + pair.0
            }.joined(separator: " | ") + " |"
        }
        let rule = "|" + widths.enumerated().map { c, w in c == 0 ? ":" + String(repeating: "-", count: w + 1) : String(repeating: "-", count: w + 1) + ":" }
            .joined(separator: "|") + "|"
        return ([line(columns), rule] + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// One finished (method, seed) row as a line of text, for the live log.
    public static func rowLine(_ r: BenchResult) -> String {
        var parts = [String(format: "F1 %.4f  faces %.4f  NONAME P %.4f R %.4f", r.metrics.f1, r.metrics.facesAccuracy,
                            r.metrics.nonamePrecision, r.metrics.nonameRecall)]
        if let t = r.trainingSeconds { parts.append(String(format: "train %.1f s", t)) }
        if let t = r.labellingSeconds { parts.append(String(format: "label %.3f s", t)) }
        if let m = r.peakMiB { parts.append(String(format: "peak %.0f MiB", m)) }
        return "seed \(r.seed)  \(r.label):  " + parts.joined(separator: "  ")
    }
}

/// Everything `bench.json` holds.
public struct BenchReport: Codable, Sendable {
    public var machine: MachineFacts
    /// OpenBLAS threads each child process reported (1 when `--jobs` > 1 set OPENBLAS_NUM_THREADS=1).
    public var childBlasThreads: [Int]
    public var jobs: Int
    /// The OPENBLAS_NUM_THREADS given to children, nil when they inherited the environment.
    public var openblasNumThreads: String?
    public var corpus: String
    public var seeds: [UInt64]
    public var methods: [BenchMethod]
    public var settings: BenchSettings
    public var wallSeconds: Double
    public var rows: [BenchResult]
    public var aggregates: [BenchAggregate]

    public init(machine: MachineFacts, jobs: Int, openblasNumThreads: String?, corpus: String, seeds: [UInt64], methods: [BenchMethod],
                settings: BenchSettings, wallSeconds: Double, rows: [BenchResult]) {
        self.machine = machine
        self.childBlasThreads = Array(Set(rows.map(\.blasThreads))).sorted()
        self.jobs = jobs
        self.openblasNumThreads = openblasNumThreads
        self.corpus = corpus
        self.seeds = seeds
        self.methods = methods
        self.settings = settings
        self.wallSeconds = wallSeconds
        self.rows = rows
        self.aggregates = BenchTable.aggregate(rows)
    }

    enum CodingKeys: String, CodingKey {
        case machine, jobs, corpus, seeds, methods, settings, rows, aggregates
        case childBlasThreads = "child_blas_threads", openblasNumThreads = "openblas_num_threads", wallSeconds = "wall_seconds"
    }

    /// The Markdown file: the table and a caption with what the numbers depend on.
    public var markdown: String {
        let threads = childBlasThreads.map(String.init).joined(separator: "/")
        return BenchTable.markdown(aggregates) + "\n"
            + (seeds.count == 1 ? "Seed \(seeds[0])" : "Mean ± sample standard deviation over seeds \(seeds.map(String.init).joined(separator: ", "))")
            + "; corpus: \(corpus). "
            + "Official augmented-LFW F1 (slot level); faces acc. = faces-only accuracy; train s = total training time (shared by "
            + "the assignment rules of one model); label s = scoring and assigning every face; peak MiB = peak resident memory of "
            + "the process running the method (corpus included). \(machine.cpu), OpenBLAS \(machine.blasCore) with \(threads) "
            + "thread(s) per process, \(jobs) process(es) at a time.\n"
    }
}
