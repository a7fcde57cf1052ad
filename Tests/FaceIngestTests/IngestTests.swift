// `secla ingest` end to end on real photos: the corpus it writes, re-runs, failures, the journal's crash safety,
// kill -9 at random moments, caption sidecars and the augmented-LFW path on real LFW crops.

@testable import FaceIngest
import FaceNaming
import Foundation
import NumericCore
import XCTest

final class IngestTests: XCTestCase {
    func options(threads: Int = 2) throws -> IngestOptions {
        var o = IngestOptions()
        o.models = try RealData.models()
        o.threads = threads
        return o
    }

    /// A folder holding copies of the named shared photos.
    func photoFolder(_ names: [String]) throws -> String {
        try RealData.requirePhotos()
        let dir = try RealData.temporaryFolder("photos")
        for n in names { try FileManager.default.copyItem(atPath: RealData.photo(n), toPath: (dir as NSString).appendingPathComponent(n)) }
        return dir
    }

    func write(_ text: String, _ path: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) }

    func testIngestWritesACorpusWithCaptionNamesGoldLabelsAndListedFailures() throws {
        let photos = try photoFolder(["obama.jpg", "two_people.jpg", "obama_and_biden.jpg", "biden.jpg"])
        let captions = (photos as NSString).appendingPathComponent("captions.jsonl")
        try write("""
            {"image": "obama.jpg", "caption": "President Barack Obama speaks on Monday."}
            {"image": "two_people.jpg", "caption": "Barack Obama (L) and Joe Biden (R).", "labels": [{"name": "Barack Obama", "box": [253, 47, 408, 202]}, {"name": "Joe Biden", "box": [778, 57, 964, 242]}]}
            {"image": "obama_and_biden.jpg", "id": "stage", "caption": "Vice President Joe Biden (L) and President Barack Obama wave from the stage."}
            {"image": "missing.jpg", "caption": "Nobody."}

            """, captions)
        let out = try RealData.temporaryFolder("corpus")
        let summary = try Ingest.run(photos: photos, captions: captions, out: out, options: options())
        XCTAssertEqual(summary.samples, 3)
        XCTAssertEqual(summary.failed, [IngestFailure(image: "missing.jpg", problem: "photo not found")])
        XCTAssertEqual(summary.uncaptioned, 1, "biden.jpg has no caption")

        let corpus = try NativeFormat.read(folder: out)
        XCTAssertEqual(corpus.faceFeatures?.shape, [summary.faces, 128])
        let byID = Dictionary(uniqueKeysWithValues: corpus.samples.map { ($0.id, $0) })
        XCTAssertEqual(byID["obama.jpg"]?.names.map(\.text), ["Barack Obama", noName])
        XCTAssertEqual(byID["stage"]?.names.map(\.text), ["Joe Biden", "Barack Obama", noName])
        XCTAssertEqual(byID["stage"]?.names.map(\.mention), [0, 1, nil])
        let two = try XCTUnwrap(byID["two_people.jpg"])
        XCTAssertEqual(two.caption, "Barack Obama (L) and Joe Biden (R).")
        // The gold boxes matched the detections: the left face is Obama's.
        let left = try XCTUnwrap(two.faces.min { $0.box!.x1 < $1.box!.x1 })
        XCTAssertEqual(left.label, "Barack Obama")
        XCTAssertEqual(two.faces.map(\.label).sorted { ($0 ?? "") < ($1 ?? "") }, ["Barack Obama", "Joe Biden"])
        XCTAssertTrue(two.faces.allSatisfy { ($0.score ?? 0) > 0.5 })
        XCTAssertEqual(Ingest.photosFolder(ofCorpus: out), URL(fileURLWithPath: photos).standardizedFileURL.path)
    }

    func testRerunProcessesOnlyNewPhotosAndKeepsRowsInPlace() throws {
        let photos = try photoFolder(["obama.jpg", "biden.jpg"])
        let out = try RealData.temporaryFolder("corpus")
        let first = try Ingest.run(photos: photos, captions: nil, out: out, options: options())
        XCTAssertEqual([first.processed, first.reused], [2, 0])
        let before = try NativeFormat.read(folder: out)
        XCTAssertEqual(before.samples.map(\.names), [[CandidateName(noName)], [CandidateName(noName)]], "no captions: NONAME only")

        // A new photo in a sub-folder (photos are found recursively).
        try FileManager.default.createDirectory(atPath: "\(photos)/later", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RealData.photo("two_people.jpg"), toPath: "\(photos)/later/two_people.jpg")
        let second = try Ingest.run(photos: photos, captions: nil, out: out, options: options(threads: 1))
        XCTAssertEqual([second.processed, second.reused, second.samples], [1, 2, 3])
        let after = try NativeFormat.read(folder: out)
        // Old rows unchanged (faces.npy only grows), and the old samples are the same.
        let oldRows = before.faceFeatures!.shape[0]
        XCTAssertEqual(Array(UnsafeBufferPointer(start: after.faceFeatures!.pointer, count: oldRows * 128)),
                       Array(UnsafeBufferPointer(start: before.faceFeatures!.pointer, count: oldRows * 128)))
        let afterByID = Dictionary(uniqueKeysWithValues: after.samples.map { ($0.id, $0) })
        for s in before.samples { XCTAssertEqual(afterByID[s.id], s) }
        XCTAssertEqual(afterByID["later/two_people.jpg"]?.faces.count, 2)

        // A photo whose contents change is processed again.
        let obama = (photos as NSString).appendingPathComponent("obama.jpg")
        try FileManager.default.removeItem(atPath: obama)
        try FileManager.default.copyItem(atPath: RealData.photo("obama2.jpg"), toPath: obama)
        let third = try Ingest.run(photos: photos, captions: nil, out: out, options: options())
        XCTAssertEqual([third.processed, third.reused], [1, 2])
    }

    func testFailuresAreListedAndAnEmptyFolderIsAnError() throws {
        let photos = try photoFolder(["obama.jpg"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: RealData.photo("biden.jpg")))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: (photos as NSString).appendingPathComponent("corrupt.jpg")))
        try write("a text file, not a photo\n", (photos as NSString).appendingPathComponent("notes.jpg"))
        let out = try RealData.temporaryFolder("corpus")
        let summary = try Ingest.run(photos: photos, captions: nil, out: out, options: options())
        XCTAssertEqual(summary.samples, 1)
        XCTAssertEqual(summary.failed.map(\.image), ["corrupt.jpg", "notes.jpg"])
        XCTAssertTrue(summary.failed[0].problem.contains("truncated JPEG"), summary.failed[0].problem)
        XCTAssertTrue(summary.failed[1].problem.contains("not a JPEG or PNG"), summary.failed[1].problem)
        // The manifest lists them too.
        let manifest = try String(contentsOfFile: (out as NSString).appendingPathComponent(Ingest.manifestFile), encoding: .utf8)
        XCTAssertTrue(manifest.contains("corrupt.jpg") && manifest.contains("notes.jpg"))

        let empty = try RealData.temporaryFolder("empty")
        XCTAssertThrowsError(try Ingest.run(photos: empty, captions: nil, out: try RealData.temporaryFolder("corpus"), options: options())) { error in
            XCTAssertTrue("\(error)".contains("holds no JPEG or PNG photos"), "\(error)")
        }
        // Nothing ingestible at all is an error, not an empty corpus.
        let onlyBad = try RealData.temporaryFolder("bad")
        try write("x", (onlyBad as NSString).appendingPathComponent("x.png"))
        XCTAssertThrowsError(try Ingest.run(photos: onlyBad, captions: nil, out: try RealData.temporaryFolder("corpus"), options: options()))
    }

    func testAForeignCorpusIsNeverOverwrittenAndRunsDoNotOverlap() throws {
        let photos = try photoFolder(["obama.jpg"])
        let out = try RealData.temporaryFolder("corpus")
        try write("{\"id\": \"x\", \"faces\": [], \"names\": [{\"text\": \"NONAME\"}]}\n", (out as NSString).appendingPathComponent("samples.jsonl"))
        XCTAssertThrowsError(try Ingest.run(photos: photos, captions: nil, out: out, options: options())) { error in
            XCTAssertTrue("\(error)".contains("did not make"), "\(error)")
        }
        let folder = try RealData.temporaryFolder("journal")
        let held = try IngestJournal(corpusFolder: folder)
        XCTAssertThrowsError(try IngestJournal(corpusFolder: folder)) { error in
            XCTAssertTrue("\(error)".contains("another `secla ingest`"), "\(error)")
        }
        withExtendedLifetime(held) {}
    }

    func testJournalCutsATornTailAndExtraDescriptorRows() throws {
        let folder = try RealData.temporaryFolder("journal")
        // Any regular file gives a fingerprint; this test needs no photo.
        let photo = (folder as NSString).appendingPathComponent("a.jpg")
        try write("not decoded here", photo)
        let fp = try XCTUnwrap(FileFingerprint(path: photo))
        let face = DetectedFace(box: Box(x1: 1, y1: 2, x2: 3, y2: 4), score: 1.5, landmarks: [Float](repeating: 0, count: 10),
                                descriptor: (0..<128).map { Float($0) / 128 })
        do {
            let journal = try IngestJournal(corpusFolder: folder)
            try journal.append(key: "a.jpg", fingerprint: fp, settings: "s", width: 10, height: 10, orientation: 1, warning: nil, faces: [face, face])
            try journal.append(key: "b.jpg", fingerprint: fp, settings: "s", width: 10, height: 10, orientation: 1, warning: nil, faces: [face])
        }
        // A kill in the middle of the next photo: its rows written, half its journal line.
        let dir = (folder as NSString).appendingPathComponent(IngestJournal.folderName)
        let journalPath = (dir as NSString).appendingPathComponent("journal.jsonl")
        let descriptorsPath = (dir as NSString).appendingPathComponent("descriptors.f32")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: descriptorsPath))
        try handle.seekToEnd(); try handle.write(contentsOf: Data(count: 128 * 4 * 2)); try handle.close()
        let j = try FileHandle(forWritingTo: URL(fileURLWithPath: journalPath))
        try j.seekToEnd(); try j.write(contentsOf: Data("{\"key\":\"c.jpg\",\"fac".utf8)); try j.close()

        let reopened = try IngestJournal(corpusFolder: folder)
        XCTAssertEqual(reopened.entries.map(\.key), ["a.jpg", "b.jpg"])
        XCTAssertEqual(reopened.rows, 3)
        XCTAssertEqual(FileFingerprint(path: descriptorsPath)?.size, Int64(3 * 128 * 4))
        XCTAssertNotNil(reopened.reusable(key: "b.jpg", fingerprint: fp, settings: "s"))
        XCTAssertNil(reopened.reusable(key: "b.jpg", fingerprint: fp, settings: "other settings"))
        let d = try reopened.descriptors()
        XCTAssertEqual(d.shape, [3, 128])
        XCTAssertEqual(d.pointer[2 * 128 + 64], 0.5)
        // Appending after the repair continues the rows.
        try reopened.append(key: "c.jpg", fingerprint: fp, settings: "s", width: 10, height: 10, orientation: 1, warning: nil, faces: [face])
        XCTAssertEqual(reopened.entries.last?.row, 3)
    }

    /// kill -9 at random moments: the corpus on disk is always readable and is the previous one until a run
    /// finishes; resuming ends with exactly the corpus of an uninterrupted run.
    func testKillNineAtRandomMomentsLeavesTheOldCorpusAndResumes() throws {
        let secla = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("secla").path
        guard FileManager.default.isExecutableFile(atPath: secla) else { throw XCTSkip("the secla executable is not built next to the tests (\(secla))") }
        _ = try RealData.models()
        let crops = (RealData.lfwReal as NSString).appendingPathComponent("images")
        guard let people = try? FileManager.default.contentsOfDirectory(atPath: crops).sorted(), people.count > 60 else {
            throw XCTSkip("the LFW crops are not at \(crops)")
        }
        // 48 one-face photos: the first 16 form the corpus that must survive, the rest arrive later.
        let photos = try RealData.temporaryFolder("kill-photos")
        var names = [String]()
        for person in people.prefix(48) {
            guard let file = try FileManager.default.contentsOfDirectory(atPath: "\(crops)/\(person)").sorted().first else { continue }
            try FileManager.default.copyItem(atPath: "\(crops)/\(person)/\(file)", toPath: "\(photos)/\(file)")
            names.append(file)
        }
        XCTAssertEqual(names.count, 48)
        let early = Set(names.prefix(16))
        let captions = "\(photos)/captions.jsonl", captionsEarly = "\(photos)/captions-early.jsonl"
        func line(_ n: String) -> String { "{\"image\": \"\(n)\", \"caption\": \"\(n.dropLast(9).replacingOccurrences(of: "_", with: " ")) in a photo.\"}" }
        try write(names.filter(early.contains).map(line).joined(separator: "\n"), captionsEarly)
        try write(names.map(line).joined(separator: "\n"), captions)

        func ingest(_ out: String, _ captions: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: secla)
            p.arguments = ["ingest", "--photos", photos, "--captions", captions, "--out", out, "--upsample", "0"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let reference = try RealData.temporaryFolder("kill-reference")
        let full = try ingest(reference, captions)
        full.waitUntilExit()
        XCTAssertEqual(full.terminationStatus, 0)

        let out = try RealData.temporaryFolder("kill-out")
        let first = try ingest(out, captionsEarly)
        first.waitUntilExit()
        let previous = try NativeFormat.read(folder: out)
        XCTAssertEqual(previous.samples.count, 16)

        var generator = SystemRandomNumberGenerator()
        var kills = 0, journalLines = [Int]()
        // Kill once while the models load, then each time the journal passes a mark (plus a random few ms, to
        // land anywhere inside the writes of a photo).
        func journaled() -> Int { (try? String(contentsOfFile: "\(out)/.ingest/journal.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0 }
        for mark in [0, 18, 24, 31, 38, 44] {
            let p = try ingest(out, captions)
            if mark == 0 { usleep(300_000) }
            while p.isRunning && journaled() < mark { usleep(2_000) }
            usleep(UInt32.random(in: 0...30_000, using: &generator))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); kills += 1 }
            p.waitUntilExit()
            journalLines.append((try? String(contentsOfFile: "\(out)/.ingest/journal.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0)
            // Whatever the moment, the corpus reads, and it is the old one or the finished new one.
            let now = try NativeFormat.read(folder: out)
            XCTAssertTrue(now.samples.count == 16 || now.samples.count == 48, "\(now.samples.count) samples")
            if now.samples.count == 16 { XCTAssertEqual(now.samples, previous.samples) }
        }
        let last = try ingest(out, captions)
        last.waitUntilExit()
        XCTAssertEqual(last.terminationStatus, 0)
        let resumed = try NativeFormat.read(folder: out), expected = try NativeFormat.read(folder: reference)
        XCTAssertEqual(resumed.samples.count, 48)
        // Same faces and descriptors per photo (rows may be numbered differently: the early photos came first).
        for (a, b) in zip(resumed.samples, expected.samples) {
            XCTAssertEqual(a.id, b.id)
            XCTAssertEqual(a.faces.map(\.box), b.faces.map(\.box))
            for (fa, fb) in zip(a.faces, b.faces) {
                let ra = resumed.faceFeatures!.pointer + fa.row! * 128, rb = expected.faceFeatures!.pointer + fb.row! * 128
                XCTAssertEqual(Array(UnsafeBufferPointer(start: ra, count: 128)), Array(UnsafeBufferPointer(start: rb, count: 128)), a.id)
            }
        }
        print("kill -9 test: \(kills) runs killed; photos journaled after each: \(journalLines)")
    }

    func testAugmentedLFWFromRealCrops() throws {
        let crops = (RealData.lfwReal as NSString).appendingPathComponent("images")
        let mapping = (RealData.lfwReal as NSString).appendingPathComponent("mapping.txt")
        guard FileManager.default.fileExists(atPath: mapping),
              FileManager.default.fileExists(atPath: (RealData.augmentedLFW as NSString).appendingPathComponent(LFWReader.oneFile)) else {
            throw XCTSkip("the augmented-LFW annotations or the LFW crops are not in \(RealData.root.path)")
        }
        // Three records of the development half: two one-face records of Tony Blair and Kelly and Sharon Osbourne.
        let images = try RealData.temporaryFolder("lfw-images")
        let wanted = ["Tony_Blair/Tony_Blair_0003.jpg", "Tony_Blair/Tony_Blair_0023.jpg", "Kelly_Osbourne/Kelly_Osbourne_0001.jpg",
                      "Sharon_Osbourne/Sharon_Osbourne_0001.jpg"]
        let entries = try LFWCrops.readMapping(path: mapping)
        XCTAssertEqual(entries.count, 13_233)
        for rel in wanted where FileManager.default.fileExists(atPath: "\(crops)/\(rel)") {
            try FileManager.default.createDirectory(atPath: "\(images)/\((rel as NSString).deletingLastPathComponent)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(crops)/\(rel)", toPath: "\(images)/\(rel)")
        }
        let out = try RealData.temporaryFolder("lfw-corpus")
        let summary = try LFWCrops.run(lfw: RealData.augmentedLFW, images: images, mapping: mapping, out: out, candidates: .faithful, options: options())
        let corpus = try NativeFormat.read(folder: out)
        XCTAssertEqual(corpus.samples.count, summary.recordsKept)
        XCTAssertEqual(Set(corpus.samples.map(\.id)), ["101312", "102998", "100020"])
        XCTAssertEqual(summary.facesKept, 4)
        XCTAssertEqual(corpus.samples.first { $0.id == "100020" }?.faces.map(\.label), ["Kelly Osbourne", "Sharon Osbourne"])
        XCTAssertEqual(summary.records, 10_976)
        for s in corpus.samples {
            XCTAssertEqual(Int(s.id)! % 2, 0, "only the even half has crops")
            for f in s.faces {
                XCTAssertNotNil(f.row)
                XCTAssertNotNil(f.crop)
                XCTAssertNotNil(f.label, "gold labels come from the annotations")
            }
            XCTAssertNotNil(s.slots, "the official metric's slots are kept")
        }
        // Two crops of Tony Blair are the same person.
        let blair = corpus.samples.flatMap(\.faces).filter { $0.crop?.hasPrefix("Tony_Blair/") == true }
        XCTAssertEqual(blair.count, 2)
        if blair.count == 2 {
            let p = corpus.faceFeatures!.pointer
            let a = Array(UnsafeBufferPointer(start: p + blair[0].row! * 128, count: 128))
            let b = Array(UnsafeBufferPointer(start: p + blair[1].row! * 128, count: 128))
            XCTAssertLessThan(descriptorDistance(a, b), 0.6)
        }
    }
}
