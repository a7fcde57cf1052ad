// `secla-bench ingest`: photos/s and faces/s of `secla ingest` at 1 and 2 threads next to the Python
// face_recognition package (same dlib models) on the same photos, measured in one run, with descriptor agreement.

import ArgumentParser
import FaceIngest
import FaceNaming
import Foundation
import NumericCore

struct IngestBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Photos/s and faces/s of `secla ingest` next to Python's face_recognition on the same photos, with descriptor agreement.",
        discussion: """
            Every photo of --photos (repeated --repeat times under distinct names, so nothing is reused) goes through
            `secla ingest` (fresh output folder per run, HOG with --upsample, no downscaling, as face_recognition) at
            each --threads count, then through benchmarks/face_recognition/ingest_reference.py with the --python
            interpreter in 1 and 2 processes. Model loading is timed apart from processing. Agreement: faces with the
            same box in both, and the largest descriptor difference among them.
            The Python side needs face_recognition and a dlib built against OpenBLAS (benchmarks/face_recognition/README.md);
            --python none skips it.
            Example: swift run -c release secla-bench ingest --photos ../shared/data/photos --repeat 4 --python /tmp/pyfr/bin/python
            """
    )

    @Option(help: "Folder of photos (JPEG/PNG, recursive).")
    var photos = "../shared/data/photos"

    @Option(help: "Use at most this many photos of the folder (sorted by path; default all).")
    var limit: Int?

    @Option(help: "Process the photo list this many times (under distinct names).")
    var `repeat` = 1

    @Option(help: "Thread counts for secla ingest, comma-separated.")
    var threads = "1,2"

    @Option(help: "Upsampling before HOG detection (face_recognition's default is 1).")
    var upsample = 1

    @Option(help: "Python interpreter with face_recognition, or none.")
    var python = "python3"

    @Option(help: "Process counts for the Python side, comma-separated.")
    var processes = "1,2"

    @Option(help: ArgumentHelp("dlib model folder (default: the user cache).", valueName: "dir"))
    var models: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    struct Row: Codable { var tool: String; var workers: Int; var loadSeconds: Double; var seconds: Double; var photos: Int; var faces: Int
        var photosPerSecond: Double { Double(photos) / seconds }
        var facesPerSecond: Double { Double(faces) / seconds }
    }
    struct Agreement: Codable { var oursFaces: Int; var pythonFaces: Int; var sameBox: Int; var worstDifference: Float; var meanDifference: Float }
    struct Report: Codable { var machine: MachineFacts; var photos: Int; var folder: String; var upsample: Int; var rows: [Row]; var agreement: Agreement?; var pythonTool: String? }

    func validate() throws {
        for (name, list) in [("--threads", threads), ("--processes", processes)] where integerList(list, minimum: 1) == nil {
            throw ValidationError("\(name) must be positive integers separated by commas, got \"\(list)\"")
        }
    }

    func run() throws {
        let sources = Array(try Ingest.listPhotos(in: photos).prefix(limit ?? .max))
        guard !sources.isEmpty else { throw ValidationError("no photos in \(photos)") }
        // The photo set: symbolic links r<k>-<name> to every photo, `repeat` times.
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("secla-bench-ingest-\(UUID().uuidString)").path
        let set = "\(work)/photos"
        try FileManager.default.createDirectory(atPath: set, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var paths = [String]()
        for r in 0..<max(1, `repeat`) {
            for s in sources {
                let name = "r\(r)-" + s.replacingOccurrences(of: "/", with: "_")
                try FileManager.default.createSymbolicLink(atPath: "\(set)/\(name)", withDestinationPath: URL(fileURLWithPath: "\(photos)/\(s)").standardizedFileURL.path)
                paths.append("\(set)/\(name)")
            }
        }
        var rows = [Row]()
        var options = IngestOptions()
        options.detection = DetectionSettings(detector: .hog, upsample: upsample, threshold: 0, maxSide: 0)
        if let models { options.models = FaceModels(folder: models) }
        var lastCorpus: String?
        for t in integerList(threads, minimum: 1) ?? [] {
            options.threads = t
            let out = "\(work)/corpus-\(t)"
            let s = try Ingest.run(photos: set, captions: nil, out: out, options: options)
            rows.append(Row(tool: "secla ingest", workers: t, loadSeconds: s.modelLoadSeconds, seconds: s.seconds, photos: s.photos, faces: s.faces))
            lastCorpus = out
            if !json { printNote(String(format: "secla ingest, %d threads: %.2f photos/s", t, rows.last!.photosPerSecond)) }
        }

        var agreement: Agreement?, pythonTool: String?
        if python != "none" {
            let list = "\(work)/list.txt"
            try Data(paths.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: list))
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("benchmarks/face_recognition/ingest_reference.py").path
            var firstResults: [String: [PythonFace]]?
            for p in integerList(processes, minimum: 1) ?? [] {
                let r = try runPython(script: script, list: list, processes: p)
                rows.append(Row(tool: "face_recognition (Python)", workers: p, loadSeconds: r.load_seconds, seconds: r.seconds, photos: r.photos, faces: r.faces))
                pythonTool = r.tool
                if firstResults == nil { firstResults = r.results }
                if !json { printNote(String(format: "face_recognition, %d processes: %.2f photos/s", p, rows.last!.photosPerSecond)) }
            }
            if let firstResults, let lastCorpus { agreement = try compare(corpus: lastCorpus, set: set, python: firstResults) }
        }
        let report = Report(machine: MachineFacts.current(), photos: paths.count, folder: photos, upsample: upsample, rows: rows,
                            agreement: agreement, pythonTool: pythonTool)
        if json { print(String(decoding: try JSONEncoder().encode(report), as: UTF8.self)); return }
        print(report.machine.line)
        print("photos: \(paths.count) (\(sources.count) from \(photos) × \(max(1, `repeat`))), HOG, upsample \(upsample), full resolution")
        if let pythonTool { print("anchor: \(pythonTool)") }
        let base = rows.first { $0.tool != "secla ingest" }?.photosPerSecond
        print("tool                          workers   load s   process s   photos/s   faces/s   vs Python (1 process)")
        for r in rows {
            print(r.tool.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: "  %7d  %7.2f  %10.2f  %9.2f  %8.2f   %@", r.workers, r.loadSeconds, r.seconds, r.photosPerSecond,
                         r.facesPerSecond, base.map { String(format: "%.2f×", r.photosPerSecond / $0) } ?? "–"))
        }
        if let a = agreement {
            print(String(format: "descriptor agreement: %d of %d faces (Python found %d) have the same box; worst |Δ| %.2e, mean |Δ| %.2e",
                         a.sameBox, a.oursFaces, a.pythonFaces, a.worstDifference, a.meanDifference))
        }
    }

    struct PythonFace: Codable { var box: [Double]; var descriptor: [Float] }
    struct PythonReport: Codable { var tool: String; var load_seconds: Double; var seconds: Double; var photos: Int; var faces: Int; var results: [String: [PythonFace]] }

    func runPython(script: String, list: String, processes: Int) throws -> PythonReport {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, script, "--list", list, "--upsample", "\(upsample)", "--processes", "\(processes)"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ValidationError("\(python) \(script) failed (status \(p.terminationStatus)); install face_recognition (benchmarks/face_recognition/README.md) or pass --python none")
        }
        return try JSONDecoder().decode(PythonReport.self, from: data)
    }

    func compare(corpus: String, set: String, python: [String: [PythonFace]]) throws -> Agreement {
        let c = try NativeFormat.read(folder: corpus)
        let features = c.faceFeatures!
        var same = 0, ours = 0, worst: Float = 0, sum: Float = 0, count = 0
        for s in c.samples {
            let theirs = python["\(set)/\(s.image ?? s.id)"] ?? []
            for f in s.faces {
                ours += 1
                guard let box = f.box, let t = theirs.first(where: { $0.box == [box.x1, box.y1, box.x2, box.y2] }) else { continue }
                same += 1
                let row = features.pointer + f.row! * 128
                for j in 0..<128 {
                    let d = abs(row[j] - t.descriptor[j])
                    worst = max(worst, d); sum += d; count += 1
                }
            }
        }
        return Agreement(oursFaces: ours, pythonFaces: python.values.reduce(0) { $0 + $1.count }, sameBox: same, worstDifference: worst,
                         meanDifference: count > 0 ? sum / Float(count) : 0)
    }
}

private func printNote(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
