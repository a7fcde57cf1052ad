// `secla-bench data`: how long and how much memory it takes to generate a Celebrity-Together-sized corpus, write it in
// the native format and read it back.

import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct DataBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Time and peak memory of generating celebto-like, writing it natively and reading it back.",
        discussion: """
            Peak memory is the resident-set high-water mark (VmHWM of /proc/self/status), reset before each phase by
            writing 5 to /proc/self/clear_refs (Linux). Targets at --scale 1: generate < 60 s and < 4 GB, load < 60 s
            and < 4 GB. Example: swift run -c release secla-bench data --scale 1 --json
            """
    )

    @Option(help: "celebto-like size relative to Celebrity Together (1 = ≈194k images, ≈546k faces).")
    var scale = 1.0

    @Option(help: "Seed of the generated corpus.")
    var seed: UInt64 = 684_331

    @Option(help: "Face descriptor dimension.")
    var dim = 512

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    struct Phase: Codable { var seconds: Double; var peakRSSMiB: Double? }
    struct Report: Codable {
        var machine: MachineFacts
        var scale: Double
        var samples: Int, faces: Int
        var generate: Phase, write: Phase, load: Phase
        var samplesFileMiB: Double, facesFileMiB: Double
    }

    func run() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secla-bench-data-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }

        var corpus: Corpus? = nil
        let generate = measure { corpus = CelebToLikeGenerator.generate(seed: seed, scale: scale, dimension: dim) }
        let samples = corpus!.samples.count, faces = corpus!.faceCount
        let write = try measureThrowing { try NativeFormat.write(corpus!, to: folder) }
        corpus = nil
        var loaded: Corpus? = nil
        let load = try measureThrowing { loaded = try NativeFormat.read(folder: folder) }
        precondition(loaded!.samples.count == samples && loaded!.faceCount == faces, "round trip lost samples")
        loaded = nil
        func mib(_ file: String) -> Double {
            let size = (try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(file))[.size] as? Int) ?? 0
            return Double(size) / 1_048_576
        }
        let report = Report(machine: MachineFacts.current(), scale: scale, samples: samples, faces: faces,
                            generate: generate, write: write, load: load,
                            samplesFileMiB: mib(NativeFormat.samplesFile), facesFileMiB: mib(NativeFormat.facesFile))
        if json {
            print(try jsonText(report, pretty: true))
        } else {
            print(report.machine.line)
            print("celebto-like at scale \(scale): \(samples) samples, \(faces) faces, d = \(dim)")
            print(String(format: "samples.jsonl %.0f MiB, faces.npy %.0f MiB", report.samplesFileMiB, report.facesFileMiB))
            for (name, p) in [("generate", generate), ("write", write), ("load", load)] {
                print(String(format: "%@  %7.2f s   peak RSS %@", name.padding(toLength: 8, withPad: " ", startingAt: 0), p.seconds,
                             p.peakRSSMiB.map { String(format: "%.0f MiB", $0) } ?? "n/a"))
            }
        }
    }

    private func measure(_ body: () -> Void) -> Phase {
        resetPeak()
        let start = Date()
        body()
        return Phase(seconds: Date().timeIntervalSince(start), peakRSSMiB: peakRSSMiB())
    }

    private func measureThrowing(_ body: () throws -> Void) throws -> Phase {
        resetPeak()
        let start = Date()
        try body()
        return Phase(seconds: Date().timeIntervalSince(start), peakRSSMiB: peakRSSMiB())
    }
}

/// Resets the resident-set high-water mark to the current RSS (Linux: "5" into /proc/self/clear_refs).
func resetPeak() {
    if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
        handle.write(Data("5".utf8))
        try? handle.close()
    }
}

/// VmHWM of /proc/self/status in MiB, nil where unavailable.
func peakRSSMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
    return kb / 1024
}
