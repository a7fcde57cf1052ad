// `secla-bench train`: SECLA training speed on an LFW-sized corpus (10,976 image–caption pairs, 14,674 faces, 512-d
// faces, 768-d built-in name features), per batch size and loss mode: seconds per epoch and pairs per second.

import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct TrainBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per epoch and pairs/s of SECLA training on an LFW-sized corpus, faithful and clean, batch 20 and 256.",
        discussion: """
            The corpus is lfw-like (generated, no files needed) or --corpus DIR (e.g. an lfw-structure corpus). Each
            configuration trains --epochs epochs from the same initial weights; the figure is the mean over them.
            Example: swift run -c release secla-bench train --json
            """
    )

    @Option(help: "A native corpus folder instead of the generated lfw-like one.")
    var corpus: String?

    @Option(help: "Epochs timed per configuration.")
    var epochs = 1

    @Option(help: "Batch sizes to time.")
    var batchSize: [Int] = [20, 256]

    @Option(help: "OpenBLAS thread counts to time (default: the current one).")
    var threads: [Int] = []

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    struct Row: Codable {
        var mode: String
        var batchSize: Int
        var threads: Int
        var secondsPerEpoch: Double
        var pairsPerSecond: Double
        var stepsPerEpoch: Int
        var millisecondsPerStep: Double
        /// The median step: robust to the bursts of a shared virtual machine, so it shows a change the mean hides.
        var medianMillisecondsPerStep: Double
    }

    struct Report: Codable {
        var machine: MachineFacts
        var corpus: String
        var pairs: Int
        var faces: Int
        var rows: [Row]
    }

    func run() throws {
        Memory.reuseFreedBuffers()
        let data = try corpus.map { try NativeFormat.read(folder: $0) } ?? LFWLikeGenerator.generate(seed: 1)
        let features = try FeatureIndex.build(data, encoder: HashedNameEncoder())
        var rows = [Row]()
        for thread in threads.isEmpty ? [BLAS.threads] : threads {
          BLAS.setThreads(thread)
          for mode in [LossMode.faithful, .clean] {
            for batch in batchSize {
                var config = mode == .faithful ? TrainingConfig.faithful : TrainingConfig.clean
                config.batchSize = batch
                config.epochs = epochs
                let trainer = try SECLATrainer(config: config, features: features, samples: Array(data.samples.indices))
                let start = Date()
                var stepTimes = [Double](), last = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<epochs {
                    last = DispatchTime.now().uptimeNanoseconds
                    trainer.trainEpoch { _ in
                        let now = DispatchTime.now().uptimeNanoseconds
                        stepTimes.append(Double(now - last) * 1e-6)
                        last = now
                    }
                }
                let seconds = Date().timeIntervalSince(start) / Double(epochs)
                stepTimes.sort()
                rows.append(Row(mode: mode.rawValue, batchSize: batch, threads: thread, secondsPerEpoch: seconds,
                                pairsPerSecond: Double(trainer.samples.count) / seconds, stepsPerEpoch: trainer.stepsPerEpoch,
                                millisecondsPerStep: 1000 * seconds / Double(trainer.stepsPerEpoch),
                                medianMillisecondsPerStep: stepTimes.isEmpty ? 0 : stepTimes[stepTimes.count / 2]))
            }
          }
        }
        let report = Report(machine: MachineFacts.current(), corpus: corpus ?? "lfw-like (seed 1, generated)",
                            pairs: data.samples.count, faces: data.faceCount, rows: rows)
        if json {
            print(try jsonText(report, pretty: true))
            return
        }
        print(report.machine.line)
        print("corpus: \(report.corpus), \(report.pairs) pairs, \(report.faces) faces; \(epochs) epoch(s) timed per row\n")
        print("mode       batch  threads   s/epoch    pairs/s   ms/step  median ms/step")
        for r in rows {
            print(r.mode.padding(toLength: 9, withPad: " ", startingAt: 0)
                  + String(format: "  %5d  %7d  %8.2f  %9.0f  %8.2f  %14.2f", r.batchSize, r.threads, r.secondsPerEpoch, r.pairsPerSecond,
                           r.millisecondsPerStep, r.medianMillisecondsPerStep))
        }
    }
}
