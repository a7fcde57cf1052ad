// Fault injection on the built `secla` executable (issue 21): kill -9 at random moments of `train` (with
// checkpoints) and `name`, then resume; output folders that cannot be written; a full disk; a write cut short by a
// file-size limit; two `ingest` runs on one corpus at once.
//
// What a reader may open is always the old file or the complete new one. The temporary names the writers use, which a
// kill can leave behind and which nothing reads:
//   .NAME.PID.RANDOM.partial       writeAtomically (NumericCore/Formats/AtomicWrite.swift), next to NAME
//   epoch-NNNN.partial-PID         a checkpoint folder being written (Checkpoint.write)
//   epoch-NNNN.old-PID             an older checkpoint of the same epoch being replaced (Checkpoint.write)
//
// The kills are seeded (SeededRandom) but land wherever the machine's timing puts them; the assertions hold at every
// moment, and each test prints where its kills landed.

import FaceNaming
import Foundation
import NumericCore
import XCTest
import Glibc

final class FaultInjectionTests: XCTestCase {
    // MARK: - kill -9: train

    /// `secla train --checkpoint-every 1` killed at random moments (and at moments when it is writing), each time
    /// continued with `--resume RUN --out RUN`, ends with the files of an uninterrupted run: model.safetensors,
    /// alignment.json and every checkpoint's weights and AdamW moments byte for byte; run.json and state.json equal
    /// except for wall-clock times. After every kill every output in the run folder is complete.
    func testTrainKilledAtRandomMomentsResumesToTheUninterruptedRun() throws {
        let secla = try Secla(logs: scratchFolder("logs"))
        let work = try scratchFolder("kill-train")
        let corpus = try secla.synth(in: work, scale: 0.02, seed: 21)
        let samples = try NativeFormat.read(folder: corpus).samples.count
        let epochs = 6
        // Default-width heads: checkpoints of ~10 MB, so a write takes long enough to be hit.
        let fresh = ["train", "--corpus", corpus, "--epochs", "\(epochs)", "--checkpoint-every", "1", "--name-encoder", "builtin"]
        // The documented way to continue: every setting, the checkpoint interval and the name encoder included, comes
        // from the checkpoint.
        func resume(_ run: String) -> [String] { ["train", "--corpus", corpus, "--resume", run, "--out", run] }

        let reference = "\(work)/reference"
        let straight = try secla.run(fresh + ["--out", reference])
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let expected = try RunFolder(reference, samples: samples)
        XCTAssertEqual(expected.checkpointEpochs, Array(1...epochs))

        let run = "\(work)/run"
        var rng = SeededRandom(seed: 2121)
        var kills = [String](), runs = 0, temporaries = Set<String>()
        var finished = false
        while !finished {
            runs += 1
            guard runs <= 20 else { XCTFail("the run did not finish after \(runs - 1) starts"); break }
            let done = ((try? RunFolder.completeCheckpoints(run)) ?? []).last ?? 0
            let arguments = done > 0 ? resume(run) : fresh + ["--out", run]
            guard kills.count < 7 else {
                let last = try secla.run(arguments)
                XCTAssertEqual(last.status, 0, last.stderr)
                finished = true
                break
            }
            // Odd kills: a random moment of what is left of the run (its start counted as one more epoch). Kills 0 and
            // 2: while the run folder changes (checkpoints being written), after a random number of changes plus up
            // to 3 ms. Kills 4 and 6: while the final weights, then run.json, are written.
            let left = straight.seconds * Double(epochs - done + 1) / Double(epochs + 1)
            let jitter = UInt32(rng.next() % 3000)
            let moment: KillMoment
            switch kills.count {
            case 4: moment = .atWrite(of: Checkpoint.modelFile, jitterMicroseconds: jitter)
            case 6: moment = .atWrite(of: "run.json", jitterMicroseconds: jitter / 3)
            case let k where k % 2 == 0: moment = .atChange(number: 1 + Int(rng.next() % 12), jitterMicroseconds: jitter)
            default: moment = .after(seconds: rng.uniform() * left)
            }
            let child = try secla.launch(arguments)
            let outcome = child.kill(at: moment, watching: run)
            if outcome.killed {
                let found = try RunFolder(run, samples: samples, against: expected)
                temporaries.formUnion(found.temporaries)
                kills.append("\(moment) → checkpoints \(found.checkpointEpochs), outputs \(found.outputs.sorted())"
                             + (found.temporaries.isEmpty ? "" : ", temporaries \(found.temporaries.sorted())"))
            } else {
                XCTAssertEqual(outcome.status, 0, outcome.stderr)
                finished = true
            }
        }
        let resumed = try RunFolder(run, samples: samples, against: expected)
        XCTAssertEqual(Set(resumed.outputs), ["model.safetensors", "run.json", "alignment.json"])
        XCTAssertEqual(resumed.checkpointEpochs, Array(1...epochs))
        XCTAssertGreaterThanOrEqual(kills.count, 3, "too few kills landed before the run finished: \(kills)")
        // The finished run swept what the killed ones left: a run folder holds outputs and checkpoints only.
        XCTAssertEqual(resumed.temporaries, [], "temporary files of killed runs outlived the finished run")
        print("train kill -9: \(kills.count) kills in \(runs) starts (uninterrupted run \(String(format: "%.1f", straight.seconds)) s)")
        for k in kills { print("  \(k)") }
        print("  temporaries left by the kills (never read; swept by the finished run): \(temporaries.sorted())")
    }

    // MARK: - kill -9: name

    /// `secla name` killed at random moments, and while it replaces labels.json: labels.json is always the old file
    /// byte for byte or the complete new one; an uninterrupted run writes the same bytes as another uninterrupted run.
    ///
    /// The killed runs use `--method learned-prior` (0.2 s in a debug build) rather than the default `evidence` (8 s
    /// here, most of it MiniLM name embeddings): every method ends in the same write (SECLARun.writeLabels), and a fast
    /// method lets many kills land on it within the time budget.
    func testNameKilledAtRandomMomentsLeavesTheOldLabelsOrTheNewOnes() throws {
        let secla = try Secla(logs: scratchFolder("logs"))
        let work = try scratchFolder("kill-name")
        let corpus = try secla.synth(in: work, scale: 0.02, seed: 22)
        let samples = try NativeFormat.read(folder: corpus).samples.count
        let labels = "\(corpus)/labels.json"
        let naming = ["name", "--corpus", corpus, "--method", "learned-prior"]

        let straight = try secla.run(naming + ["--out", "\(work)/reference.json"])
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let new = try Data(contentsOf: URL(fileURLWithPath: "\(work)/reference.json"))
        let first = try secla.run(["name", "--corpus", corpus, "--method", "heuristic"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let old = try Data(contentsOf: URL(fileURLWithPath: labels))
        XCTAssertNotEqual(old, new, "the old and new labels must differ for the test to tell them apart")

        var rng = SeededRandom(seed: 2222)
        var landed = [String: Int]()
        var temporaries = Set<String>()
        for k in 0..<10 {
            // Every run starts from the old file, so that each kill can catch the replacement.
            if try Data(contentsOf: URL(fileURLWithPath: labels)) != old { try old.write(to: URL(fileURLWithPath: labels)) }
            let moment: KillMoment = k % 2 == 0
                ? .atWrite(of: "labels.json", jitterMicroseconds: UInt32(rng.next() % 400))
                : .after(seconds: rng.uniform() * 1.2 * straight.seconds)
            let outcome = try secla.launch(naming).kill(at: moment, watching: corpus)
            XCTAssertTrue(outcome.killed || outcome.status == 0, outcome.stderr)
            let now = try Data(contentsOf: URL(fileURLWithPath: labels))
            let which = now == old ? "old" : now == new ? "new" : "neither"
            XCTAssertTrue(which != "neither", "after kill \(k) (\(moment)) labels.json is neither the old file nor the new one (\(now.count) bytes)")
            XCTAssertEqual(try LabelsFile.read(path: labels).count, samples, "labels.json after kill \(k)")
            landed["\(outcome.killed ? "killed" : "finished"), \(which) labels", default: 0] += 1
            for name in try FileManager.default.contentsOfDirectory(atPath: corpus)
            where !["samples.jsonl", "faces.npy", "labels.json"].contains(name) {
                XCTAssertTrue(isAtomicTemporary(name, of: "labels.json"), "unexpected file \(name) in the corpus after kill \(k)")
                temporaries.insert(name)
            }
        }
        // The corpus still reads as a corpus, and an uninterrupted run writes the reference bytes again.
        XCTAssertEqual(try NativeFormat.read(folder: corpus).samples.count, samples)
        let again = try secla.run(naming)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: labels)), new, "two uninterrupted runs wrote different labels")
        // ... and sweeps the temporary files the killed runs left.
        let left = try FileManager.default.contentsOfDirectory(atPath: corpus).filter { isAtomicTemporary($0) }
        XCTAssertEqual(left, [], "temporary files of killed runs outlived the finished run")
        print("name kill -9: \(landed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")); "
              + "temporaries left by the kills, swept by the next complete run: \(temporaries.sorted())")
    }

    // MARK: - Output folders that cannot be written

    /// `secla name` and `secla train` into a read-only folder, or a path under a regular file: an error naming the
    /// path, exit status 1 (no trap), and the old labels / run folder unchanged.
    func testUnwritableOutputGivesAClearErrorAndKeepsTheOldOutput() throws {
        let secla = try Secla(logs: scratchFolder("logs"))
        let work = try scratchFolder("read-only")
        let corpus = try secla.synth(in: work, scale: 0.01, seed: 23)
        let labels = "\(corpus)/labels.json"
        XCTAssertEqual(try secla.run(["name", "--corpus", corpus, "--method", "heuristic"]).status, 0)
        let run = "\(work)/run"
        let train = ["train", "--corpus", corpus, "--epochs", "1", "--name-encoder", "builtin", "--hidden", "64", "--projection", "32"]
        XCTAssertEqual(try secla.run(train + ["--out", run]).status, 0)
        // A path whose parent is a regular file cannot be created, not even by root.
        let regular = "\(work)/a-file"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: regular))

        let before = try snapshot(work)
        try expectCleanFailure(secla.run(["name", "--corpus", corpus, "--method", "hand-prior", "--out", "\(regular)/labels.json"]),
                               naming: "\(regular)/labels.json")
        try expectCleanFailure(secla.run(train + ["--out", "\(regular)/run"]), naming: "\(regular)/run")
        expectUnchanged(try snapshot(work), before)

        guard let readOnly = ReadOnlyFolder.make([corpus, run]) else {
            throw XCTSkip("no way to make a folder read-only for this user here (chmod, bind mount, chattr all failed); "
                          + "the regular-file parent cases above ran")
        }
        defer { readOnly.restore() }
        print("read-only folders made by \(readOnly.how)")
        try expectCleanFailure(secla.run(["name", "--corpus", corpus, "--method", "hand-prior"]), naming: labels)
        try expectCleanFailure(secla.run(train + ["--out", run]), naming: run)
        try expectCleanFailure(secla.run(train + ["--out", "\(run)/inner"]), naming: "\(run)/inner")
        expectUnchanged(try snapshot(work), before)
    }

    /// `secla ingest --out` into a read-only corpus folder or under a regular file: a clear error, the old corpus
    /// unchanged and still readable.
    func testIngestIntoAnUnwritableFolderGivesAClearErrorAndKeepsTheOldCorpus() throws {
        let secla = try Secla(logs: scratchFolder("logs"))
        try RealData.requirePhotos()
        _ = try RealData.models()
        let work = try scratchFolder("read-only-ingest")
        let photos = try photoFolder(["obama.jpg", "biden.jpg"], in: work)
        let out = "\(work)/corpus"
        let ingest = ["ingest", "--photos", photos, "--out", out, "--upsample", "0"]
        let first = try secla.run(ingest)
        XCTAssertEqual(first.status, 0, first.stderr)
        try FileManager.default.copyItem(atPath: RealData.photo("obama2.jpg"), toPath: "\(photos)/obama2.jpg")
        let regular = "\(work)/a-file"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: regular))

        let before = try snapshot(out)
        try expectCleanFailure(secla.run(["ingest", "--photos", photos, "--out", "\(regular)/corpus", "--upsample", "0"]),
                               naming: "\(regular)/corpus")
        guard let readOnly = ReadOnlyFolder.make([out]) else {
            throw XCTSkip("no way to make a folder read-only for this user here (chmod, bind mount, chattr all failed)")
        }
        defer { readOnly.restore() }
        try expectCleanFailure(secla.run(ingest), naming: out)
        try expectCleanFailure(secla.run(["ingest", "--photos", photos, "--out", "\(out)/inner", "--upsample", "0"]), naming: "\(out)/inner")
        let after = try snapshot(out)
        for file in ["samples.jsonl", "faces.npy", "ingest.json"] {
            XCTAssertEqual(after[file], before[file], "\(file) changed")
        }
        XCTAssertEqual(try NativeFormat.read(folder: out).samples.count, 2)
        readOnly.restore()
        // Writable again, the run completes.
        let later = try secla.run(ingest)
        XCTAssertEqual(later.status, 0, later.stderr)
        XCTAssertEqual(try NativeFormat.read(folder: out).samples.count, 3)
    }

    // MARK: - A full disk and a file-size limit

    /// The outputs on a small tmpfs filled to the last byte: `name`, `train` and `ingest` fail with an error that
    /// names the file and says the disk is full, leave the old outputs byte for byte and no temporary file; with space
    /// again, the same commands succeed. Needs permission to mount a tmpfs (root with CAP_SYS_ADMIN); skips otherwise.
    func testFullDiskGivesAClearErrorAndKeepsTheOldOutput() throws {
        let secla = try Secla(logs: scratchFolder("logs"))
        let work = try scratchFolder("full-disk")
        guard let disk = SmallFileSystem.mount(at: "\(work)/disk", megabytes: 8) else {
            throw XCTSkip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN): the full-disk case did not run; "
                          + "testAWriteCutShortByAFileSizeLimit covers a write that fails part-way")
        }
        defer { disk.unmount() }
        let corpus = try secla.synth(in: disk.folder, scale: 0.01, seed: 24)
        let train = ["train", "--corpus", corpus, "--epochs", "1", "--name-encoder", "builtin", "--hidden", "64", "--projection", "32"]
        XCTAssertEqual(try secla.run(["name", "--corpus", corpus, "--method", "heuristic"]).status, 0)
        XCTAssertEqual(try secla.run(train + ["--out", "\(disk.folder)/run"]).status, 0)
        var ingest: [String]?
        if (try? RealData.requirePhotos()) != nil, (try? RealData.models()) != nil {
            let photos = try photoFolder(["obama.jpg", "biden.jpg"], in: work)
            let arguments = ["ingest", "--photos", photos, "--out", "\(disk.folder)/ingested", "--upsample", "0"]
            XCTAssertEqual(try secla.run(arguments).status, 0)
            try FileManager.default.copyItem(atPath: RealData.photo("obama2.jpg"), toPath: "\(photos)/obama2.jpg")
            ingest = arguments
        } else {
            print("full disk: the ingest case skipped (no shared photos or dlib models)")
        }

        let before = try snapshot(disk.folder)
        try disk.fill()
        try expectCleanFailure(secla.run(["name", "--corpus", corpus, "--method", "hand-prior"]), naming: "\(corpus)/labels.json",
                               saying: "No space left on device")
        try expectCleanFailure(secla.run(train + ["--out", "\(disk.folder)/run"]), naming: "\(disk.folder)/run",
                               saying: "No space left on device")
        if let ingest {
            try expectCleanFailure(secla.run(ingest), naming: "\(disk.folder)/ingested", saying: "No space left on device")
        }
        var after = try snapshot(disk.folder)
        after[SmallFileSystem.fillerName] = nil
        // The ingest journal (.ingest/) may have grown by what fitted: it is the resumable log, not an output.
        expectUnchanged(after.filter { !$0.key.contains(".ingest/") }, before.filter { !$0.key.contains(".ingest/") })
        if ingest != nil { XCTAssertEqual(try NativeFormat.read(folder: "\(disk.folder)/ingested").samples.count, 2) }

        try disk.emptyFiller()
        XCTAssertEqual(try secla.run(["name", "--corpus", corpus, "--method", "hand-prior"]).status, 0)
        XCTAssertEqual(try secla.run(train + ["--out", "\(disk.folder)/run"]).status, 0)
        if let ingest {
            XCTAssertEqual(try secla.run(ingest).status, 0)
            XCTAssertEqual(try NativeFormat.read(folder: "\(disk.folder)/ingested").samples.count, 3)
        }
    }

    /// A write that fails part-way, on any machine: RLIMIT_FSIZE (`ulimit -f`, with SIGXFSZ ignored) makes `write(2)`
    /// return EFBIG once a file passes 32 KiB, as a disk filling up in the middle of a file does. `name` and `train` fail
    /// with an error naming the file, the old outputs stay byte for byte and no temporary file is left.
    func testAWriteCutShortByAFileSizeLimitKeepsTheOldOutput() throws {
        // Under ThreadSanitizer (scripts/sanitizers.sh thread) the runtime itself dies with SIGBUS in any process started
        // under a file-size limit below 512 KiB: at start-up it writes 512 KiB of marker shadow to
        // $TMPDIR/tsan.rodata.PID, ignores the short write RLIMIT_FSIZE allows, maps the file, and faults on the first
        // read past its end (compiler-rt tsan_platform_linux.cpp, MapRodata; strace: write(…, 524288) = 51200, then
        // SIGBUS). The test passes under AddressSanitizer and in the normal suite.
        if dlsym(dlopen(nil, RTLD_NOW), "__tsan_init") != nil {
            throw XCTSkip("ThreadSanitizer's runtime cannot start under `ulimit -f` below 512 KiB")
        }
        let secla = try Secla(logs: scratchFolder("logs"))
        let work = try scratchFolder("size-limit")
        let corpus = try secla.synth(in: work, scale: 0.02, seed: 25)
        let train = ["train", "--corpus", corpus, "--epochs", "1", "--name-encoder", "builtin", "--hidden", "64", "--projection", "32"]
        XCTAssertEqual(try secla.run(["name", "--corpus", corpus, "--method", "heuristic"]).status, 0)
        XCTAssertEqual(try secla.run(train + ["--out", "\(work)/run"]).status, 0)
        let before = try snapshot(work)
        // labels.json (≈ 60 KB) and model.safetensors (≈ 300 KB) outgrow the limit.
        try expectCleanFailure(secla.run(["name", "--corpus", corpus, "--method", "hand-prior"], fileSizeLimitKiB: 32),
                               naming: "\(corpus)/labels.json", saying: "File too large")
        try expectCleanFailure(secla.run(train + ["--out", "\(work)/run"], fileSizeLimitKiB: 32), naming: "\(work)/run",
                               saying: "File too large")
        expectUnchanged(try snapshot(work), before)
    }

    // MARK: - Two ingest runs at once

    /// Two `secla ingest` on one corpus started together: each either finishes or is refused with the message that
    /// another run is writing the corpus, at least one finishes, and the corpus is whole.
    func testTwoIngestRunsOnOneCorpusAtOnceAreRefusedOrSafe() throws {
        let secla = try Secla(logs: scratchFolder("logs"))
        try RealData.requirePhotos()
        _ = try RealData.models()
        let work = try scratchFolder("two-ingests")
        let photos = try photoFolder(["obama.jpg", "biden.jpg", "two_people.jpg"], in: work)
        let arguments = ["ingest", "--photos", photos, "--out", "\(work)/corpus", "--upsample", "0"]
        let a = try secla.launch(arguments), b = try secla.launch(arguments)
        let outcomes = [a.wait(), b.wait()]
        for o in outcomes {
            XCTAssertFalse(o.trapped, o.stderr)
            XCTAssertTrue(o.status == 0 || (o.status == 1 && o.stderr.contains("another `secla ingest`")), "status \(o.status): \(o.stderr)")
        }
        XCTAssertTrue(outcomes.contains { $0.status == 0 })
        let corpus = try NativeFormat.read(folder: "\(work)/corpus")
        XCTAssertEqual(corpus.samples.compactMap(\.image).sorted(), ["biden.jpg", "obama.jpg", "two_people.jpg"])
        print("two ingests at once: exit statuses \(outcomes.map(\.status))")
    }

    // MARK: - Helpers

    /// A folder removed after the test (its read-only marks and mounts are undone by the tests themselves first).
    private func scratchFolder(_ name: String) throws -> String {
        let folder = try RealData.temporaryFolder(name)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: folder) }
        return folder
    }

    private func photoFolder(_ names: [String], in work: String) throws -> String {
        let folder = "\(work)/photos"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for n in names { try FileManager.default.copyItem(atPath: RealData.photo(n), toPath: "\(folder)/\(n)") }
        return folder
    }

    /// Every file as it was, and no new one (a leftover temporary file or folder included).
    private func expectUnchanged(_ after: [String: Data], _ before: [String: Data], file: StaticString = #filePath, line: UInt = #line) {
        let changed = Set(after.keys).union(before.keys).filter { after[$0] != before[$0] }.sorted()
        XCTAssertTrue(changed.isEmpty, "a failed run changed, removed or left these: \(changed.map { "\($0) (\(before[$0] == nil ? "new" : after[$0] == nil ? "gone" : "changed"))" })",
                      file: file, line: line)
    }

    /// The run failed the way a user should see it fail: exit status 1, not a signal or a Swift runtime trap, and an
    /// error on stderr that names `path` (and says `reason`).
    private func expectCleanFailure(_ outcome: Outcome, naming path: String, saying reason: String? = nil,
                            file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertFalse(outcome.trapped, "the run trapped or was signalled: \(outcome.stderr)", file: file, line: line)
        XCTAssertEqual(outcome.status, 1, "exit status; stderr: \(outcome.stderr)", file: file, line: line)
        XCTAssertTrue(outcome.stderr.lowercased().contains("error"), outcome.stderr, file: file, line: line)
        XCTAssertTrue(outcome.stderr.contains(path), "the error does not name \(path): \(outcome.stderr)", file: file, line: line)
        if let reason { XCTAssertTrue(outcome.stderr.contains(reason), "the error does not say \(reason): \(outcome.stderr)", file: file, line: line) }
        print("  \(outcome.arguments.first ?? "") failed: \(outcome.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
    }
}

// MARK: - The secla executable as a child process

/// How a child run ended.
private struct Outcome {
    var arguments: [String]
    var status: Int32
    /// Ended by a signal (SIGKILL from the test, or a trap: SIGILL / SIGTRAP / SIGSEGV).
    var signalled: Bool
    var stdout: String
    var stderr: String
    var seconds: Double
    var killed: Bool { signalled && status == SIGKILL }
    /// A Swift runtime trap or any other death by signal.
    var trapped: Bool { signalled || stderr.contains("Fatal error") || stderr.contains("Current stack trace") }
}

private struct SetupFailure: Error, CustomStringConvertible { var description: String }

/// When to send SIGKILL.
private enum KillMoment: CustomStringConvertible {
    /// This long after the start.
    case after(seconds: Double)
    /// When the watched folder has changed `number` times (an entry created, grown, renamed or removed), plus a jitter.
    case atChange(number: Int, jitterMicroseconds: UInt32)
    /// When an entry of the watched folder whose name contains `name` (the file or its temporary) appears or changes,
    /// plus a jitter.
    case atWrite(of: String, jitterMicroseconds: UInt32)

    var description: String {
        switch self {
        case .after(let s): return String(format: "kill at %.2f s", s)
        case .atChange(let n, let j): return "kill at change \(n) + \(j) µs"
        case .atWrite(let name, let j): return "kill at the write of \(name) + \(j) µs"
        }
    }
}

/// The `secla` executable built next to the test bundle (found the way IngestTests finds it).
private struct Secla {
    let path: String
    let logs: String

    init(logs: String) throws {
        self.logs = logs
        path = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("secla").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("the secla executable is not built next to the tests (\(path)); `swift build` first")
        }
    }

    /// A synthetic lfw-like corpus (128-d descriptors) in `folder`/corpus.
    func synth(in folder: String, scale: Double, seed: Int) throws -> String {
        let out = "\(folder)/corpus"
        let o = try run(["synth", "lfw-like", "--out", out, "--scale", "\(scale)", "--seed", "\(seed)", "--dim", "128"])
        guard o.status == 0 else { throw SetupFailure(description: "secla synth failed: \(o.stderr)") }
        return out
    }

    /// Starts `secla arguments`, stdout and stderr into files; `fileSizeLimitKiB` runs it under `ulimit -f` with
    /// SIGXFSZ ignored (so a write past the limit returns EFBIG instead of killing the process).
    func launch(_ arguments: [String], fileSizeLimitKiB: Int? = nil) throws -> Child {
        let id = UUID().uuidString
        let out = "\(logs)/\(id).out", err = "\(logs)/\(id).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let p = Process()
        if let limit = fileSizeLimitKiB {
            // POSIX sh counts `ulimit -f` in 512-byte blocks.
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "trap '' XFSZ; ulimit -f \(limit * 2) && exec \"$0\" \"$@\"", path] + arguments
        } else {
            p.executableURL = URL(fileURLWithPath: path)
            p.arguments = arguments
        }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        let started = Date()
        try p.run()
        return Child(process: p, arguments: arguments, out: out, err: err, started: started)
    }

    func run(_ arguments: [String], fileSizeLimitKiB: Int? = nil) throws -> Outcome {
        try launch(arguments, fileSizeLimitKiB: fileSizeLimitKiB).wait()
    }
}

/// A running `secla`.
private struct Child {
    let process: Process
    let arguments: [String]
    let out: String, err: String
    let started: Date

    func wait() -> Outcome {
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        return Outcome(arguments: arguments, status: process.terminationStatus, signalled: process.terminationReason == .uncaughtSignal,
                       stdout: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "", seconds: seconds)
    }

    /// Sends SIGKILL at `moment` unless the run has ended by then, and waits for it.
    func kill(at moment: KillMoment, watching folder: String) -> Outcome {
        switch moment {
        case .after(let seconds):
            let deadline = started.addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(1_000) }
        case .atChange(let number, let jitter):
            var last = folderListing(folder), changes = 0
            while process.isRunning {
                let now = folderListing(folder)
                if now != last {
                    changes += 1
                    last = now
                    if changes >= number { usleep(jitter); break }
                }
            }
        case .atWrite(let name, let jitter):
            // Only the folder itself, not below it (a run folder's checkpoints hold files of the same names).
            func entries() -> [String: String] { folderListing(folder, depth: 1).filter { $0.key.contains(name) } }
            let before = entries()
            while process.isRunning {
                if entries() != before { usleep(jitter); break }
            }
        }
        // Our own child: not reaped before waitUntilExit, so its pid cannot have been reused.
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, SIGKILL) }
        return wait()
    }
}

/// Every entry below `folder` (down to `depth` levels) with its size, modification time and inode: any write, rename or
/// removal changes it.
private func folderListing(_ folder: String, depth: Int = .max) -> [String: String] {
    var result = [String: String]()
    func walk(_ relative: String, _ level: Int) {
        let dir = relative.isEmpty ? folder : "\(folder)/\(relative)"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names {
            let rel = relative.isEmpty ? name : "\(relative)/\(name)"
            var st = stat()
            guard lstat("\(folder)/\(rel)", &st) == 0 else { continue }
            result[rel] = "\(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ino)"
            if (st.st_mode & S_IFMT) == S_IFDIR && level < depth { walk(rel, level + 1) }
        }
    }
    walk("", 1)
    return result
}

/// The bytes of every regular file below `folder`, by relative path (directories listed with empty contents).
private func snapshot(_ folder: String) throws -> [String: Data] {
    var result = [String: Data]()
    for (rel, _) in folderListing(folder) {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: "\(folder)/\(rel)", isDirectory: &isDirectory)
        result[rel] = isDirectory.boolValue ? Data() : try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(rel)"))
    }
    return result
}

/// A temporary file of writeAtomically for `name`: `.NAME.PID.RANDOM.partial`.
private func isAtomicTemporary(_ entry: String, of name: String? = nil) -> Bool {
    guard entry.hasPrefix("."), entry.hasSuffix(".partial") else { return false }
    if let name { return entry.hasPrefix(".\(name).") }
    return true
}

// MARK: - A run folder, checked file by file

/// What a `secla train --out` folder holds, every output checked to be complete. With `against`, every output also
/// equals the reference run's: weights, moments and labels byte for byte, JSON reports except wall-clock times.
private struct RunFolder {
    let folder: String
    /// model.safetensors, run.json, alignment.json: those present.
    var outputs = [String]()
    var checkpointEpochs = [Int]()
    /// Leftovers of interrupted atomic writes (relative paths).
    var temporaries = [String]()

    static let outputNames: Set<String> = ["model.safetensors", "run.json", "alignment.json"]

    /// Epochs of the complete checkpoint folders (`epoch-NNNN`, no suffix).
    static func completeCheckpoints(_ run: String) throws -> [Int] {
        let names = try FileManager.default.contentsOfDirectory(atPath: "\(run)/\(Checkpoint.folder)")
        return names.compactMap { $0.hasPrefix("epoch-") ? Int($0.dropFirst(6)) : nil }.sorted()
    }

    init(_ folder: String, samples: Int, against reference: RunFolder? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        self.folder = folder
        let fm = FileManager.default
        guard fm.fileExists(atPath: folder) else { return }
        for name in try fm.contentsOfDirectory(atPath: folder).sorted() {
            let path = "\(folder)/\(name)"
            if Self.outputNames.contains(name) {
                outputs.append(name)
                switch name {
                case "model.safetensors": XCTAssertNoThrow(try Safetensors.read(path: path), path, file: file, line: line)
                case "alignment.json": XCTAssertEqual(try LabelsFile.read(path: path).count, samples, path, file: file, line: line)
                default: XCTAssertNoThrow(try JSONDecoder().decode(RunResult.self, from: Data(contentsOf: URL(fileURLWithPath: path))), path,
                                          file: file, line: line)
                }
                if let reference { try Self.expectSame(name, folder, reference.folder, file: file, line: line) }
            } else if name == Checkpoint.folder {
                for entry in try fm.contentsOfDirectory(atPath: path).sorted() {
                    if entry.hasPrefix("epoch-"), let epoch = Int(entry.dropFirst(6)) {
                        checkpointEpochs.append(epoch)
                        let checkpoint = "\(path)/\(entry)"
                        XCTAssertEqual(Set(try fm.contentsOfDirectory(atPath: checkpoint)),
                                       [Checkpoint.modelFile, Checkpoint.optimizerFile, Checkpoint.stateFile], checkpoint, file: file, line: line)
                        XCTAssertNoThrow(try Safetensors.read(path: "\(checkpoint)/\(Checkpoint.modelFile)"), checkpoint, file: file, line: line)
                        XCTAssertNoThrow(try Safetensors.read(path: "\(checkpoint)/\(Checkpoint.optimizerFile)"), checkpoint, file: file, line: line)
                        XCTAssertEqual(try Checkpoint.readState(checkpoint).epochsDone, epoch, checkpoint, file: file, line: line)
                        if let reference, !reference.checkpointEpochs.contains(epoch) {
                            XCTFail("\(entry) is not in the uninterrupted run (its checkpoints: \(reference.checkpointEpochs))", file: file, line: line)
                        } else if let reference {
                            for f in [Checkpoint.modelFile, Checkpoint.optimizerFile, Checkpoint.stateFile] {
                                try Self.expectSame("\(Checkpoint.folder)/\(entry)/\(f)", folder, reference.folder, file: file, line: line)
                            }
                        }
                    } else if entry.hasPrefix("epoch-"), entry.contains(".partial-") || entry.contains(".old-") {
                        temporaries.append("\(Checkpoint.folder)/\(entry)")  // never read: Checkpoint.resolve skips names with a dot
                    } else {
                        XCTFail("unexpected entry \(entry) in \(path)", file: file, line: line)
                    }
                }
            } else if isAtomicTemporary(name) {
                temporaries.append(name)
            } else {
                XCTFail("unexpected entry \(name) in \(folder)", file: file, line: line)
            }
        }
    }

    /// Weights and labels: the same bytes. run.json and state.json: the same JSON once wall-clock fields are removed.
    static func expectSame(_ relative: String, _ folder: String, _ reference: String, file: StaticString, line: UInt) throws {
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(relative)"))
        guard let b = FileManager.default.contents(atPath: "\(reference)/\(relative)") else {
            return XCTFail("\(relative) is not in the uninterrupted run", file: file, line: line)
        }
        if relative.hasSuffix(".json") && !relative.hasSuffix("alignment.json") {
            XCTAssertEqual(try withoutClockTimes(a), try withoutClockTimes(b), "\(relative) differs from the uninterrupted run's", file: file, line: line)
        } else {
            XCTAssertTrue(a == b, "\(relative) differs from the uninterrupted run's (\(a.count) vs \(b.count) bytes)", file: file, line: line)
        }
    }

    /// A run.json or state.json without what a resumed run cannot share with an uninterrupted one: the seconds of
    /// each epoch and of the run, the pairs per second, and `resumedFromEpoch`.
    static func withoutClockTimes(_ data: Data) throws -> NSDictionary {
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        for key in ["trainingSeconds", "secondsPerEpoch", "pairsPerSecond", "labellingSeconds", "resumedFromEpoch"] { object[key] = nil }
        for key in ["epochs", "history"] {
            if let records = object[key] as? [[String: Any]] {
                object[key] = records.map { r -> [String: Any] in var r = r; r["seconds"] = nil; return r }
            }
        }
        return NSDictionary(dictionary: object)
    }
}

// MARK: - Unwritable folders and a small file system

/// Runs a system tool quietly; true when it exits 0.
@discardableResult
private func runTool(_ name: String, _ arguments: [String]) -> Bool {
    guard let tool = ["/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"].map({ $0 + name }).first(where: FileManager.default.isExecutableFile) else {
        return false
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: tool)
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return false }
    p.waitUntilExit()
    return p.terminationReason == .exit && p.terminationStatus == 0
}

/// Whether a new file can be created in `folder` (the probe is removed).
private func canCreateFile(in folder: String) -> Bool {
    let probe = "\(folder)/.write-probe-\(UUID().uuidString)"
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else { return false }
    close(fd)
    unlink(probe)
    return true
}

/// Folders (and every folder below them) nobody can write, not even root; `restore()` undoes it.
///
/// As a normal user: chmod 555. As root, whom permissions do not stop: a read-only bind mount of each folder onto
/// itself (EROFS), else the immutable attribute on every folder (`chattr +i`, EPERM).
private final class ReadOnlyFolder {
    let how: String
    private var undo: [() -> Void]

    private init(how: String, undo: [() -> Void]) { self.how = how; self.undo = undo }

    static func make(_ folders: [String]) -> ReadOnlyFolder? {
        let all = folders.flatMap { root in
            [root] + folderListing(root).keys.filter { rel in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: "\(root)/\(rel)", isDirectory: &isDirectory) && isDirectory.boolValue
            }.map { "\(root)/\($0)" }
        }
        if getuid() != 0 {
            let modes = all.map { ($0, (try? FileManager.default.attributesOfItem(atPath: $0)[.posixPermissions] as? Int) ?? 0o755) }
            for f in all { chmod(f, 0o555) }
            let r = ReadOnlyFolder(how: "chmod 555", undo: modes.map { f, m in { _ = chmod(f, mode_t(m)) } })
            if folders.allSatisfy({ !canCreateFile(in: $0) }) { return r }
            r.restore()
            return nil
        }
        var mounted = [() -> Void]()
        var ok = true
        for f in folders {
            guard runTool("mount", ["--bind", f, f]) else { ok = false; break }
            mounted.append { if !runTool("umount", [f]) { runTool("umount", ["-l", f]) } }
            guard runTool("mount", ["-o", "remount,bind,ro", f]) else { ok = false; break }
        }
        let bind = ReadOnlyFolder(how: "a read-only bind mount (root ignores chmod)", undo: mounted)
        if ok && folders.allSatisfy({ !canCreateFile(in: $0) }) { return bind }
        bind.restore()
        // The immutable attribute: deepest folders last to be marked, first to be cleared.
        var marked = [() -> Void]()
        for f in all.sorted(by: { $0.count < $1.count }) where runTool("chattr", ["+i", f]) {
            marked.append { runTool("chattr", ["-i", f]) }
        }
        let immutable = ReadOnlyFolder(how: "chattr +i (root ignores chmod; no bind mount here)", undo: marked)
        if marked.count == all.count && folders.allSatisfy({ !canCreateFile(in: $0) }) { return immutable }
        immutable.restore()
        return nil
    }

    func restore() {
        for u in undo.reversed() { u() }
        undo = []
    }

    deinit { restore() }
}

/// A small tmpfs mounted for the test, to fill up.
private final class SmallFileSystem {
    static let fillerName = "filler"
    let folder: String
    private var mounted = true

    private init(folder: String) { self.folder = folder }

    /// Nil when mounting is not permitted.
    static func mount(at folder: String, megabytes: Int) -> SmallFileSystem? {
        guard getuid() == 0 else { return nil }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard runTool("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", folder]) else { return nil }
        return SmallFileSystem(folder: folder)
    }

    /// Writes one file until the file system has not a byte left (ENOSPC).
    func fill() throws {
        let fd = open("\(folder)/\(Self.fillerName)", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw XCTSkip("cannot create the filler on the tmpfs") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xAB, count: 1 << 16)
        var size = chunk.count
        while size >= 1 {
            let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, size) }
            if n == 0 || (n < 0 && errno == ENOSPC) { size /= 2 } else if n < 0 { throw XCTSkip("filling the tmpfs failed: errno \(errno)") }
        }
        XCTAssertFalse(tryWritingOneByte(), "the tmpfs still takes a new file after filling")
    }

    private func tryWritingOneByte() -> Bool {
        let probe = "\(folder)/.probe"
        let fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return false }
        var byte: UInt8 = 1
        let n = Glibc.write(fd, &byte, 1)
        close(fd)
        unlink(probe)
        return n == 1
    }

    func emptyFiller() throws {
        try FileManager.default.removeItem(atPath: "\(folder)/\(Self.fillerName)")
    }

    func unmount() {
        guard mounted else { return }
        mounted = false
        if !runTool("umount", [folder]) { runTool("umount", ["-l", folder]) }
    }

    deinit { unmount() }
}
