// `secla-bench calibrate`: fits each naming method's confidence constants (T, b) on a labelled corpus and checks them
// honestly: the reliability table is cross-fitted (samples split by index parity; each half labelled with the
// constants fitted on the other half), so no face is scored by constants fitted on it.

import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct CalibrationBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit each `secla name` method's confidence calibration (T, b) on a labelled corpus; cross-fitted reliability tables.",
        discussion: """
            For every method: run it once (`Naming.run`), fit (T, b) of softmax(score / T + b·[NONAME]) by maximum
            likelihood of the gold text on all labelled faces (the constants to put in NamingMethod.calibration), and
            report the reliability of the per-face confidence cross-fitted over two halves (even / odd sample index),
            next to the method's current constants and to T 1, b 0. ECE: the faces-weighted mean |accuracy − mean
            confidence| over the buckets.
            Example: swift run -c release secla-bench calibrate --corpus data/lfw-real --methods evidence,secla
            """
    )

    @Option(help: ArgumentHelp("A labelled corpus in the native format.", valueName: "dir"))
    var corpus: String

    @Option(help: "Methods, comma-separated (default: all).")
    var methods: String = NamingMethod.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "SECLA epochs (default: the preset).")
    var epochs: Int?

    @Flag(help: "Print the reliability tables too.")
    var tables = false

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    struct Row: Codable {
        var method: String
        var fitted: ConfidenceCalibration?
        var current: ConfidenceCalibration
        var crossFitted: [ReliabilityBucket]
        var currentTable: [ReliabilityBucket]
        var uncalibrated: [ReliabilityBucket]
        var seconds: Double
    }

    func run() throws {
        let list = try methods.split(separator: ",").map { name -> NamingMethod in
            guard let m = NamingMethod(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown method \"\(name)\"; one of: " + NamingMethod.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return m
        }
        let data = try NativeFormat.read(folder: corpus)
        var settings = NamingSettings()
        settings.epochs = epochs
        settings.nameEmbeddings = .load(for: data)  // once for every method
        var rows = [Row]()
        for method in list {
            let result = try Naming.run(method, corpus: data, settings: settings)
            let predictions = result.labels.map { $0.map(\.name) }
            func labels(_ c: ConfidenceCalibration) -> [[FaceLabel]] {
                Naming.labels(corpus: data, predictions: predictions, options: result.options, calibration: c, fixed: nil)
            }
            let fitted = ConfidenceCalibration.fit(samples: data.samples, options: result.options)
            // Cross-fitting: half h is labelled with the constants fitted on the other half.
            var crossLabels = [[FaceLabel]](repeating: [], count: data.samples.count)
            for half in 0..<2 {
                let other = data.samples.indices.filter { $0 % 2 != half }
                let c = ConfidenceCalibration.fit(samples: other.map { data.samples[$0] }, options: other.map { result.options[$0] })
                    ?? method.calibration
                let all = labels(c)
                for s in data.samples.indices where s % 2 == half { crossLabels[s] = all[s] }
            }
            rows.append(Row(method: method.rawValue, fitted: fitted, current: method.calibration,
                            crossFitted: Reliability.table(data.samples, labels: crossLabels),
                            currentTable: Reliability.table(data.samples, labels: labels(method.calibration)),
                            uncalibrated: Reliability.table(data.samples, labels: labels(ConfidenceCalibration())),
                            seconds: result.seconds))
            if !json { FileHandle.standardError.write(Data("\(method.rawValue): \(String(format: "%.1f", result.seconds)) s\n".utf8)) }
        }
        if json {
            print(try jsonText(rows, pretty: true))
            return
        }
        print("corpus \(corpus): \(data.samples.count) samples, \(data.faceCount) faces")
        print("method          fitted T   fitted b  | cross-fitted: ≥0.9 share  accuracy   ECE | current (T, b): ≥0.9 share  accuracy   ECE | T 1 b 0: ≥0.9 share  accuracy   ECE")
        for r in rows {
            func cells(_ t: [ReliabilityBucket]) -> String {
                let a = Reliability.above(0.9, in: t)
                return String(format: "%16.1f%%  %8@  %5.3f", 100 * a.share, a.accuracy.map { String(format: "%.3f", $0) } ?? "—", Self.ece(t))
            }
            print(r.method.padding(toLength: 14, withPad: " ", startingAt: 0)
                  + String(format: "  %8.4f  %9.4f", r.fitted?.temperature ?? .nan, r.fitted?.noNameOffset ?? .nan)
                  + "  |" + cells(r.crossFitted) + " |" + cells(r.currentTable) + " |" + cells(r.uncalibrated))
            if tables {
                print("  cross-fitted:")
                print(Reliability.text(r.crossFitted))
            }
        }
    }

    /// Expected calibration error over the buckets: Σ faces·|accuracy − mean confidence| / Σ faces.
    static func ece(_ table: [ReliabilityBucket]) -> Double {
        let n = table.reduce(0) { $0 + $1.faces }
        guard n > 0 else { return .nan }
        return table.reduce(0.0) { sum, b in
            guard let a = b.accuracy, let m = b.meanConfidence else { return sum }
            return sum + Double(b.faces) * abs(a - m)
        } / Double(n)
    }
}
