import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

extension BenchGenerator: ExpressibleByArgument {}
extension BenchMethod: ExpressibleByArgument {}

/// The corpus of a bench: generated per seed (--generate), or one fixed corpus named as every command names one.
struct BenchCorpusArguments: ParsableArguments {
    @Option(help: "Generate the corpus per seed in memory: lfw-like, lfw-structure (needs --lfw DIR) or celebto-like. Seed s generates the corpus and seeds training.")
    var generate: BenchGenerator?

    @Option(help: "Size of a generated lfw-like / celebto-like corpus relative to the real dataset (1).")
    var scale = 1.0

    @Option(help: ArgumentHelp("With --generate lfw-like or lfw-structure: write caption text, with position cues (\"(L)\", \", right,\") in this share of the images with two or more pictured caption names (0…1).", valueName: "share"))
    var captionCues: Double?

    @Option(help: ArgumentHelp("The augmented-LFW dictionaries folder: the corpus itself, or with --generate lfw-structure the structure to fill with synthetic descriptors.", valueName: "dir"))
    var lfw: String?

    @Option(help: ArgumentHelp("A Celebrity Together dictionary (JSON).", valueName: "file.json"))
    var celebto: String?

    @Option(help: ArgumentHelp("A native corpus folder (samples.jsonl, faces.npy, …).", valueName: "dir"))
    var corpus: String?

    @Option(help: ArgumentHelp("Face features (.npy, [faces, dim]) for --lfw or --celebto.", valueName: "file.npy"))
    var faces: String?

    @Option(help: "Candidate names for --lfw / --celebto / lfw-structure: faithful (the official lists) or clean.")
    var candidates: CandidateMode = .faithful

    func validate() throws {
        if let generate {
            guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be positive (got \(scale))") }
            guard celebto == nil, corpus == nil, faces == nil else {
                throw ValidationError("--generate builds its own corpus; drop --celebto, --corpus and --faces")
            }
            if generate == .lfwStructure && lfw == nil {
                throw ValidationError("--generate lfw-structure needs --lfw DIR (the augmented-LFW dictionaries, e.g. ../shared/data/augmented-lfw)")
            }
            if generate != .lfwStructure && lfw != nil { throw ValidationError("--lfw goes with --generate lfw-structure, not \(generate.rawValue)") }
            if let captionCues {
                guard (0...1).contains(captionCues) else { throw ValidationError("--caption-cues must be in [0, 1], got \(captionCues)") }
                guard generate != .celebtoLike else {
                    throw ValidationError("--caption-cues goes with lfw-like or lfw-structure: celebto-like has no captions")
                }
            }
            return
        }
        if captionCues != nil { throw ValidationError("--caption-cues goes with --generate lfw-like|lfw-structure") }
        _ = try fixedCorpusOptions()
    }

    var generated: GeneratedCorpus? {
        generate.map { GeneratedCorpus(generator: $0, scale: scale, structureFolder: lfw, candidates: candidates, captionCues: captionCues) }
    }

    /// The shared corpus options for a fixed corpus (validated as every other command validates them).
    func fixedCorpusOptions() throws -> CorpusOptions {
        var args = [String]()
        if let lfw { args += ["--lfw", lfw] }
        if let celebto { args += ["--celebto", celebto] }
        if let corpus { args += ["--corpus", corpus] }
        if let faces { args += ["--faces", faces] }
        args += ["--candidates", candidates.rawValue]
        do { return try CorpusOptions.parse(args) } catch {
            throw ValidationError(CorpusOptions.message(for: error) + " (or generate one per seed with --generate lfw-like|lfw-structure|celebto-like)")
        }
    }

    /// The same options again, for the child process.
    var arguments: [String] {
        var args = [String]()
        if let generate { args += ["--generate", generate.rawValue, "--scale", "\(scale)"] }
        if let captionCues { args += ["--caption-cues", "\(captionCues)"] }
        if let lfw { args += ["--lfw", lfw] }
        if let celebto { args += ["--celebto", celebto] }
        if let corpus { args += ["--corpus", corpus] }
        if let faces { args += ["--faces", faces] }
        return args + ["--candidates", candidates.rawValue]
    }

    var description: String {
        if let generated { return generated.description }
        if let lfw { return "augmented LFW \(lfw)" + (faces.map { ", faces \($0)" } ?? "") + " (\(candidates.rawValue) candidates)" }
        if let celebto { return "Celebrity Together \(celebto)" + (faces.map { ", faces \($0)" } ?? "") + " (\(candidates.rawValue) candidates)" }
        return "native corpus \(corpus ?? "?")"
    }

    func load(seed: UInt64) throws -> Corpus {
        if let generated { return try generated.corpus(seed: seed) }
        return try fixedCorpusOptions().load()
    }
}

/// Settings shared by the bench and its child processes.
struct BenchTrainingArguments: ParsableArguments {
    @Option(help: "Assignment rules to label every trained model with, comma-separated (argmax, hungarian, prototypes, learned-prior); one row each, same model (argmax,hungarian).")
    var assignment = "argmax,hungarian"

    @Option(help: "SECLA epochs and SECLA-B stage-2 epochs (default: the presets, 60 and 20 on LFW).")
    var epochs: Int?

    @Option(help: "SECLA-B stage-1 epochs (default: the preset, 15 on LFW).")
    var stage1Epochs: Int?

    @Option(help: "Image–caption pairs per batch (20).")
    var batchSize: Int?

    @Option(help: "Name features: builtin, precomputed, minilm or minilm-mean (default: precomputed when the corpus has them, else minilm when its model files are present, else builtin).")
    var nameEncoder: NameEncoderChoice?

    /// Trained methods' labelling: NONAME cost, singleton names, confidence calibration.
    @OptionGroup var scoring: ScoringArguments

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1 (got \(epochs))") }
        if let stage1Epochs, stage1Epochs < 1 { throw ValidationError("--stage1-epochs must be ≥ 1 (got \(stage1Epochs))") }
        if let batchSize, batchSize < 2 { throw ValidationError("--batch-size must be ≥ 2 (got \(batchSize))") }
        _ = try settings()
    }

    func settings() throws -> BenchSettings {
        var s = BenchSettings()
        do { s.assignments = try AssignmentRule.parseList(assignment) } catch { throw ValidationError(error.description) }
        s.epochs = epochs
        s.stage1Epochs = stage1Epochs
        s.batchSize = batchSize
        s.encoder = nameEncoder
        s.scoring = scoring.options(rule: s.assignments[0])
        return s
    }

    var arguments: [String] {
        var args = ["--assignment", assignment]
        if let epochs { args += ["--epochs", "\(epochs)"] }
        if let stage1Epochs { args += ["--stage1-epochs", "\(stage1Epochs)"] }
        if let batchSize { args += ["--batch-size", "\(batchSize)"] }
        if let nameEncoder { args += ["--name-encoder", nameEncoder.rawValue] }
        return args + scoring.arguments
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a set of methods on a corpus over several seeds and print the comparison table (mean ± sd).",
        discussion: """
            Every (method, seed) runs in its own child process, so that its peak memory (VmHWM) is its own; each trained
            model is labelled with every --assignment rule, one row per rule, sharing the training time. The table
            gives, as mean ± sample standard deviation over seeds: official F1, faces-only accuracy, NONAME precision
            and recall, training time (total and per epoch; Berg: its rounds), labelling time and peak memory.
            --out DIR receives bench.json (every row, the aggregates, machine facts) and bench.md (the table).

            With --generate, seed s generates the corpus with seed s and trains with seed s (secla synth … --seed s,
            then secla train --seed s); with --corpus / --lfw / --celebto the seeds vary only training.
            Methods: \(BenchMethod.allCases.map(\.rawValue).joined(separator: ", ")); default \(BenchMethod.defaultSet.map(\.rawValue).joined(separator: ",")).
            --jobs N > 1 runs N children at once, each with OPENBLAS_NUM_THREADS=1 (recorded in the output).

            Examples:
              secla bench --generate lfw-like --seeds 1,2,3
              secla bench --generate lfw-structure --lfw ../shared/data/augmented-lfw --seeds 1,2,3 --out bench/lfw-structure
              secla bench --generate lfw-like --scale 0.2 --seeds 1,2 --epochs 2 --stage1-epochs 2 --methods all
            """
    )

    @OptionGroup var source: BenchCorpusArguments
    @OptionGroup var training: BenchTrainingArguments

    @Option(help: "Methods, comma-separated, or all (default: \(BenchMethod.defaultSet.map(\.rawValue).joined(separator: ","))).")
    var methods: String?

    @Option(help: "Seeds, comma-separated (default 1,2,3).")
    var seeds: String?

    @Option(help: "Seeds 1…N instead of --seeds.")
    var seedCount: Int?

    @Option(help: "Child processes at a time (1); above 1 each child gets OPENBLAS_NUM_THREADS=1.")
    var jobs = 1

    @Option(help: ArgumentHelp("Write bench.json and bench.md here (created if needed).", valueName: "dir"))
    var out: String?

    @Flag(help: "Print the whole report as JSON instead of the table.")
    var json = false

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be ≥ 1 (got \(jobs))") }
        if seeds != nil && seedCount != nil { throw ValidationError("give --seeds or --seed-count, not both") }
        if let seedCount, seedCount < 1 { throw ValidationError("--seed-count must be ≥ 1 (got \(seedCount))") }
        _ = try seedList()
        _ = try methodList()
    }

    func seedList() throws -> [UInt64] {
        if let seedCount { return (1...seedCount).map { UInt64($0) } }
        do { return try parseSeedList(seeds ?? "1,2,3") } catch { throw ValidationError(error.description) }
    }

    func methodList() throws -> [BenchMethod] {
        guard let methods else { return BenchMethod.defaultSet }
        do { return try BenchMethod.parseList(methods) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        let started = Date()
        let seeds = try seedList(), methods = try methodList(), settings = try training.settings()
        let executable = try Self.executablePath()
        var environment = ProcessInfo.processInfo.environment
        let threadSetting: String? = jobs > 1 ? "1" : environment["OPENBLAS_NUM_THREADS"]
        if jobs > 1 { environment["OPENBLAS_NUM_THREADS"] = "1" }
        let machine = MachineFacts.current()
        if !json {
            print("secla bench: \(methods.count) method(s) × \(seeds.count) seed(s) on \(source.description)")
            print("\(machine.cpu); OpenBLAS \(machine.blasCore); \(jobs) process(es) at a time"
                  + (threadSetting.map { ", OPENBLAS_NUM_THREADS=\($0)" } ?? ""))
        }
        if settings.encoder == nil, !MiniLMNameEncoder.filesPresent() {
            printNote("note: trained methods use the built-in name encoder unless the corpus brings names.npy: the MiniLM "
                      + "model files are not in \(MiniLMNameEncoder.defaultDirectory) (`bash scripts/setup.sh` fetches them)")
        }
        var jobList = [BenchChildPool.Job]()
        for seed in seeds {
            for method in methods {
                jobList.append(.init(index: jobList.count, method: method, seed: seed,
                                     arguments: ["bench-one", "--method", method.rawValue, "--seed", "\(seed)"]
                                         + source.arguments + training.arguments))
            }
        }
        let pool = BenchChildPool(executable: executable, environment: environment, printRows: !json)
        let rows: [BenchResult]
        do { rows = try pool.run(jobList, parallel: jobs) } catch let failure as BenchChildPool.Failure {
            FileHandle.standardError.write(Data("error: \(failure.description)\n".utf8))
            throw ExitCode(1)
        }
        let report = BenchReport(machine: machine, jobs: jobs, openblasNumThreads: threadSetting, corpus: source.description, seeds: seeds,
                                 methods: methods, settings: settings, wallSeconds: Date().timeIntervalSince(started), rows: rows)
        if let out {
            try createFolder(out)
            try writeAtomically(Data((try jsonText(report, pretty: true) + "\n").utf8), to: (out as NSString).appendingPathComponent("bench.json"))
            try writeAtomically(Data(report.markdown.utf8), to: (out as NSString).appendingPathComponent("bench.md"))
        }
        if json {
            print(try jsonString(report))
            return
        }
        print("")
        print(report.markdown, terminator: "")
        print("wall time \(formatDuration(report.wallSeconds))" + (out.map { "; written to \($0)/bench.json and bench.md" } ?? ""))
    }

    /// This binary, to run the children with: /proc/self/exe, else the path it was started by.
    static func executablePath() throws -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        if let path = Bundle.main.executablePath { return path }
        throw ValidationError("cannot find this program's own executable to start the per-method child processes")
    }
}

/// The hidden child of `secla bench`: one method on one seed, one JSON line (the rows) on stdout.
struct BenchOne: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-one",
        abstract: "Internal: run one method on one seed for secla bench and print its rows as one JSON line.",
        shouldDisplay: false
    )

    @OptionGroup var source: BenchCorpusArguments
    @OptionGroup var training: BenchTrainingArguments

    @Option(help: "The method.")
    var method: BenchMethod

    @Option(help: "Seed of the generated corpus and of training.")
    var seed: UInt64

    func run() throws {
        Memory.reuseFreedBuffers()
        let settings = try training.settings()
        let rows: [BenchResult] = try exitingOnDataError {
            let corpus = try source.load(seed: seed)
            do { return try BenchRunner.run(method, corpus: corpus, seed: seed, settings: settings) } catch let error as ConfigError {
                throw DataError(path: "settings", error.description)
            }
        }
        print(try jsonText(rows))
    }
}

/// Runs `secla bench-one` children, at most `parallel` at a time, printing each finished row, and stops at the first
/// failure with the child's stderr.
final class BenchChildPool: @unchecked Sendable {  // state behind `lock`
    struct Job: Sendable {
        var index: Int
        var method: BenchMethod
        var seed: UInt64
        var arguments: [String]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let executable: String
    private let environment: [String: String]
    private let printRows: Bool
    private let lock = NSLock()
    private let progress = ProgressLine()
    private let changed = DispatchSemaphore(value: 0)
    private var results = [Int: [BenchResult]]()
    private var running = [Int: (job: Job, process: Process)]()
    private var failure: Failure?

    init(executable: String, environment: [String: String], printRows: Bool) {
        self.executable = executable
        self.environment = environment
        self.printRows = printRows
    }

    func run(_ jobs: [Job], parallel: Int) throws -> [BenchResult] {
        let started = Date()
        var next = 0
        while true {
            lock.lock()
            let failed = failure != nil, busy = running.count, done = results.count
            let names = running.values.sorted { $0.job.index < $1.job.index }.map { "\($0.job.method.rawValue) seed \($0.job.seed)" }
            lock.unlock()
            if failed {
                if busy == 0 { break }
            } else if done == jobs.count {
                break
            } else if busy < parallel && next < jobs.count {
                launch(jobs[next])
                next += 1
                continue
            }
            lock.lock()
            progress.update("bench \(done)/\(jobs.count) done  running \(names.joined(separator: ", "))  "
                            + "\(formatDuration(Date().timeIntervalSince(started))) elapsed")
            lock.unlock()
            _ = changed.wait(timeout: .now() + 1)
        }
        progress.finish()
        if let failure { throw failure }
        return results.keys.sorted().flatMap { results[$0] ?? [] }
    }

    private func launch(_ job: Job) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = job.arguments
        process.environment = environment
        let stdout = Pipe()
        let stderrPath = NSTemporaryDirectory() + "secla-bench-\(getpid())-\(job.index).stderr"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        let title = "\(job.method.rawValue) seed \(job.seed)"
        do { try process.run() } catch {
            finish(job, rows: nil, failure: Failure(description: "could not start \(executable) for \(title): \(error)"))
            return
        }
        lock.lock()
        running[job.index] = (job, process)
        lock.unlock()
        let reader = stdout.fileHandleForReading
        DispatchQueue.global().async {
            let data = reader.readDataToEndOfFile()
            process.waitUntilExit()
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: stderrPath)
            let status = process.terminationStatus
            guard status == 0 && process.terminationReason == .exit else {
                let tail = stderr.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
                let how = process.terminationReason == .exit ? "exit status \(status)" : "killed by signal \(status)"
                self.finish(job, rows: nil, failure: Failure(description: "\(title) failed (\(how)); its stderr:\n\(tail)"))
                return
            }
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            do {
                let rows = try JSONDecoder().decode([BenchResult].self, from: Data(line.utf8))
                self.finish(job, rows: rows, failure: nil)
            } catch {
                self.finish(job, rows: nil, failure: Failure(description: "\(title): unreadable result line from the child (\(error)): \(line.prefix(200))"))
            }
        }
    }

    private func finish(_ job: Job, rows: [BenchResult]?, failure: Failure?) {
        lock.lock()
        running[job.index] = nil
        if let rows {
            results[job.index] = rows
            if printRows {
                progress.finish()
                for row in rows { print(BenchTable.rowLine(row)) }
                fflush(nil)
            }
        }
        if let failure, self.failure == nil {
            self.failure = failure
            for (_, other) in running where other.process.isRunning { other.process.terminate() }
        }
        lock.unlock()
        changed.signal()
    }
}
