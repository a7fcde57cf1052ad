import FaceNaming
import Foundation
import NumericCore
import Testing

/// `secla bench`'s library side: mean ± sample sd over seeds (checked against hand-computed numbers), the Markdown
/// table, and in-process runs of a baseline and of SECLA on a tiny generated corpus.
@Suite struct BenchmarkTests {
    /// A metric result with the given headline numbers (the rest zero), through its public JSON form.
    static func metrics(f1: Double, faces: Double = 0.5, nonameP: Double = 0.25, nonameR: Double = 0.75) throws -> MetricResult {
        let json = """
            {"precision": \(f1), "recall": \(f1), "f1": \(f1), "correct": 0, "predicted": 0, "gold": 0, "faces_accuracy": \(faces),
             "faces": 0, "faces_correct": 0, "noname_precision": \(nonameP), "noname_recall": \(nonameR), "noname_predicted": 0,
             "noname_gold": 0, "noname_correct": 0, "celebto_accuracy": 0, "celebto_faces": 0, "celebto_correct": 0}
            """
        return try JSONDecoder().decode(MetricResult.self, from: Data(json.utf8))
    }

    static func row(_ method: BenchMethod, _ rule: AssignmentRule?, seed: UInt64, f1: Double, train: Double?, peak: Double) throws -> BenchResult {
        BenchResult(method: method, assignment: rule, label: method.displayName(rule: rule), seed: seed, metrics: try metrics(f1: f1),
                    epochs: train == nil ? nil : 60, trainingSeconds: train, secondsPerEpoch: train.map { $0 / 60 },
                    labellingSeconds: 0.5, peakMiB: peak, blasThreads: 2, samples: 10, faces: 12)
    }

    @Test func meanAndSampleStandardDeviation() throws {
        let rows = [
            try Self.row(.secla, .hungarian, seed: 1, f1: 0.80, train: 240, peak: 500),
            try Self.row(.heuristic, nil, seed: 1, f1: 0.70, train: nil, peak: 30),
            try Self.row(.secla, .hungarian, seed: 2, f1: 0.82, train: 250, peak: 510),
            try Self.row(.secla, .hungarian, seed: 3, f1: 0.87, train: 260, peak: 520),
        ]
        let aggregates = BenchTable.aggregate(rows)
        #expect(aggregates.map(\.label) == ["SECLA faithful + Hungarian", "Largest face → first name"])
        let secla = aggregates[0]
        #expect(secla.seeds == [1, 2, 3] && secla.f1.n == 3)
        // By hand: mean 0.83; deviations −0.03, −0.01, 0.04; Σ² = 0.0026; sd = √(0.0026 / 2) = 0.0360555…
        #expect(abs(secla.f1.mean - 0.83) < 1e-12)
        #expect(abs((secla.f1.sd ?? -1) - 0.036055512754639895) < 1e-12)
        #expect(abs((secla.trainingSeconds?.mean ?? -1) - 250) < 1e-9)
        #expect(abs((secla.trainingSeconds?.sd ?? -1) - 10) < 1e-9)  // 240, 250, 260
        #expect(secla.peakMiB?.mean == 510)
        // One seed: a mean and no spread; a method that does not train has no training statistic.
        let heuristic = aggregates[1]
        #expect(heuristic.f1.n == 1 && heuristic.f1.mean == 0.70 && heuristic.f1.sd == nil)
        #expect(heuristic.trainingSeconds == nil && heuristic.secondsPerEpoch == nil)
        #expect(heuristic.f1.formatted(4) == "0.7000")
        #expect(secla.f1.formatted(4) == "0.8300 ± 0.0361")
        #expect(SeedStatistic([]) == nil)
    }

    @Test func markdownTable() throws {
        let rows = [
            try Self.row(.secla, .argmax, seed: 1, f1: 0.80, train: 240, peak: 500),
            try Self.row(.secla, .argmax, seed: 2, f1: 0.82, train: 250, peak: 510),
            try Self.row(.allNoName, nil, seed: 1, f1: 0.39, train: nil, peak: 26),
            try Self.row(.allNoName, nil, seed: 2, f1: 0.39, train: nil, peak: 26),
        ]
        let report = BenchReport(machine: MachineFacts.current(), jobs: 1, openblasNumThreads: nil, corpus: "test corpus", seeds: [1, 2],
                                 methods: [.secla, .allNoName], settings: BenchSettings(), wallSeconds: 1, rows: rows)
        let lines = report.markdown.split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(header == BenchTable.columns)
        #expect(header.contains("F1") && header.contains("NONAME P") && header.contains("peak MiB"))
        #expect(lines[1].hasPrefix("|:-") && lines[1].hasSuffix(":|"))
        let secla = try #require(lines.first { $0.hasPrefix("| SECLA faithful + arg-max") })
        let cells = secla.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(cells.count == BenchTable.columns.count)
        #expect(cells[1] == "0.8100 ± 0.0141")  // mean 0.81, sd √(2 · 0.01² / 1) = 0.01414
        let train = try #require(BenchTable.columns.firstIndex(of: "train s"))
        #expect(cells[train] == "245.0 ± 7.1")
        let noName = try #require(lines.first { $0.hasPrefix("| All NONAME") })
        #expect(noName.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }[train] == "—")
        #expect(report.markdown.contains("seeds 1, 2") && report.markdown.contains("test corpus"))
        // bench.json round trip.
        let path = temporaryFolder() + "/bench.json"
        try writeAtomically(Data(try jsonText(report, pretty: true).utf8), to: path)
        let back = try JSONDecoder().decode(BenchReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(back.rows == rows && back.aggregates == report.aggregates && back.childBlasThreads == [2])
    }

    @Test func parsesLists() throws {
        #expect(try BenchMethod.parseList("secla, appearance,secla") == [.secla, .appearance])
        #expect(try BenchMethod.parseList("berg-evidence,evidence") == [.evidence])  // a former name is the same method
        #expect(try BenchMethod.parseList("all") == BenchMethod.allCases)
        #expect(throws: ConfigError.self) { try BenchMethod.parseList("secla,nope") }
        #expect(try AssignmentRule.parseList("hungarian,argmax") == [.hungarian, .argmax])
        #expect(throws: ConfigError.self) { try AssignmentRule.parseList("greedy") }
        #expect(try parseSeedList("3,1,3") == [3, 1])
        #expect(throws: ConfigError.self) { try parseSeedList("1,-2") }
    }

    @Test func baselineRowReproducesTheOfficialMetric() throws {
        let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.02)
        let rows = try BenchRunner.run(.allNoName, corpus: corpus, seed: 5, settings: BenchSettings())
        #expect(rows.count == 1)
        let direct = OfficialMetric.evaluate(corpus.samples, predictions: corpus.samples.map { Array(repeating: noName, count: $0.faces.count) })
        #expect(rows[0].metrics == direct)
        #expect(rows[0].metrics.nonameRecall == 1 && rows[0].assignment == nil && rows[0].trainingSeconds == nil)
        #expect(rows[0].samples == corpus.samples.count && rows[0].faces == corpus.faceCount)
        #expect((rows[0].peakMiB ?? 0) > 0)
    }

    @Test func seclaOneEpochGivesOneRowPerRule() throws {
        let corpus = LFWLikeGenerator.generate(seed: 2, scale: 0.02)
        var settings = BenchSettings()
        settings.epochs = 1
        settings.encoder = .builtin
        let rows = try BenchRunner.run(.secla, corpus: corpus, seed: 2, settings: settings)
        #expect(rows.map(\.assignment) == [.argmax, .hungarian])
        #expect(rows.map(\.label) == ["SECLA faithful + arg-max · builtin names", "SECLA faithful + Hungarian · builtin names"])
        #expect(rows.allSatisfy { $0.nameEncoder == "builtin" })
        for r in rows {
            let m = r.metrics
            for value in [m.precision, m.recall, m.f1, m.facesAccuracy, m.nonamePrecision, m.nonameRecall] {
                #expect(value.isFinite && value >= 0 && value <= 1)
            }
            #expect(r.epochs == 1 && r.seed == 2)
            #expect((r.trainingSeconds ?? -1) >= 0 && (r.labellingSeconds ?? -1) >= 0)
        }
        #expect(rows[0].trainingSeconds == rows[1].trainingSeconds)  // one model, two rules
        #expect(rows[0].metrics.f1 > 0 && rows[1].metrics.f1 > 0)
    }

    @Test func layoutMethodsTrainALayoutModelAndReportReliability() throws {
        let corpus = LFWLikeGenerator.generate(seed: 3, scale: 0.02)
        var settings = BenchSettings()
        settings.epochs = 1
        settings.stage1Epochs = 1
        settings.encoder = .builtin
        let rows = try BenchRunner.run(.seclaLayout, corpus: corpus, seed: 3, settings: settings)
        #expect(rows.map(\.label) == ["SECLA faithful + layout + arg-max · builtin names", "SECLA faithful + layout + Hungarian · builtin names"])
        for r in rows {
            let table = try #require(r.reliability)
            #expect(table.reduce(0) { $0 + $1.faces } == corpus.samples.reduce(0) { $0 + $1.faces.filter { !$0.wrong && $0.label != nil }.count })
        }
        let b = try BenchRunner.run(.seclaBLayout, corpus: corpus, seed: 3, settings: settings)
        #expect(b.count == 2 && b[0].metrics.f1 > 0)
        let aggregate = BenchTable.aggregate(rows)
        #expect(aggregate[0].confidentShare != nil)
    }

    @Test func unlabelledCorpusIsAnError() throws {
        var corpus = LFWLikeGenerator.generate(seed: 1, scale: 0.01)
        for s in corpus.samples.indices { for f in corpus.samples[s].faces.indices { corpus.samples[s].faces[f].label = nil } }
        #expect(throws: DataError.self) { try BenchRunner.run(.heuristic, corpus: corpus, seed: 1, settings: BenchSettings()) }
    }
}
