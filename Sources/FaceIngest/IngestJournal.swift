// The ingest journal: what `secla ingest` has already computed, kept beside the corpus so that a re-run processes
// only new or changed photos and a killed run resumes where it stopped.
//
//     OUT/.ingest/descriptors.f32   raw little-endian float32 rows [faces, 128], append-only
//     OUT/.ingest/journal.jsonl     one JSON line per processed photo: its file fingerprint, the settings, its faces
//                                   and the first descriptor row; append-only, the latest line for a photo wins
//     OUT/.ingest/lock              held (flock) while a run is active: a second run on the same folder is refused
//
// Crash safety: a photo's descriptor rows are appended before its journal line, and each line is one write(2); on
// open, a torn last line is cut off and the descriptor file is truncated to the rows the complete lines account for.
// Rows never move, so the corpus's faces.npy (these rows, in journal order) only ever grows by appending: an old
// samples.jsonl stays valid against a newer faces.npy, which is what makes the two-file corpus update safe
// (faces.npy is renamed into place first, samples.jsonl last).

import FaceNaming
import Foundation
import NumericCore
#if canImport(Glibc)
import Glibc
#endif

/// One processed photo (or LFW crop), as journaled.
public struct JournalEntry: Codable, Equatable, Sendable {
    public struct Face: Codable, Equatable, Sendable {
        public var box: Box
        public var score: Double
        public var landmarks: [Float]
    }

    /// The photo's path as the sidecar or folder scan names it.
    public var key: String
    public var size: Int64
    /// Modification time in nanoseconds since 1970.
    public var mtime: Int64
    /// `IngestSettings.fingerprint` of the run that computed it.
    public var settings: String
    public var width: Int
    public var height: Int
    public var orientation: Int
    public var warning: String?
    public var faces: [Face]
    /// Row of the first face's descriptor in descriptors.f32; the faces' rows are consecutive.
    public var row: Int
}

/// Size and modification time of a file: what decides whether a photo must be processed again.
public struct FileFingerprint: Equatable, Sendable {
    public var size: Int64
    public var mtime: Int64

    public init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        size = Int64(st.st_size)
        mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}

public final class IngestJournal {
    public static let folderName = ".ingest"
    public let folder: String
    public private(set) var entries: [JournalEntry] = []
    /// Latest entry per key.
    public private(set) var latest: [String: Int] = [:]
    public private(set) var rows = 0
    private var journalFD: Int32 = -1
    private var descriptorFD: Int32 = -1
    private var lockFD: Int32 = -1
    private let dimension = FaceEngine.descriptorDimension

    var journalPath: String { (folder as NSString).appendingPathComponent("journal.jsonl") }
    var descriptorsPath: String { (folder as NSString).appendingPathComponent("descriptors.f32") }

    /// Opens (creating if needed) the journal of corpus folder `out`, takes its lock and repairs a torn tail.
    public init(corpusFolder out: String) throws {
        folder = (out as NSString).appendingPathComponent(Self.folderName)
        do { try createFolder(folder) } catch let error as FormatError { throw DataError(error) }
        let lockPath = (folder as NSString).appendingPathComponent("lock")
        lockFD = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw DataError(path: lockPath, "cannot be opened: \(String(cString: strerror(errno)))") }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD); lockFD = -1
            throw DataError(path: out, "another `secla ingest` is writing this corpus", hint: "wait for it to finish; runs on one folder never overlap")
        }
        try load()
        journalFD = open(journalPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        descriptorFD = open(descriptorsPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard journalFD >= 0, descriptorFD >= 0 else {
            throw DataError(path: folder, "cannot open the journal for appending: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if journalFD >= 0 { close(journalFD) }
        if descriptorFD >= 0 { close(descriptorFD) }
        if lockFD >= 0 { flock(lockFD, LOCK_UN); close(lockFD) }
    }

    /// Reads the complete lines, cuts a torn tail, and truncates descriptors.f32 to the rows they account for.
    private func load() throws {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: journalPath))) ?? Data()
        let decoder = JSONDecoder()
        var offset = 0, goodEnd = 0, lineNumber = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            guard let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) else { break }  // torn: no newline
            lineNumber += 1
            let line = Data(bytes[offset..<newline])
            guard let entry = try? decoder.decode(JournalEntry.self, from: line), entry.row == rows else {
                // A line that does not parse, or does not continue the rows, can only be a torn write if it is last.
                if newline + 1 < bytes.count {
                    throw DataError(path: journalPath, record: "line \(lineNumber)", "damaged ingest journal",
                                    hint: "delete \(folder) to recompute every photo")
                }
                break
            }
            latest[entry.key] = entries.count
            entries.append(entry)
            rows += entry.faces.count
            offset = newline + 1
            goodEnd = offset
        }
        if goodEnd < bytes.count { guard truncate(journalPath, off_t(goodEnd)) == 0 || !FileManager.default.fileExists(atPath: journalPath) else {
            throw DataError(path: journalPath, "cannot cut the torn last line: \(String(cString: strerror(errno)))")
        } }
        let needed = Int64(rows * dimension * 4)
        let have = (FileFingerprint(path: descriptorsPath)?.size) ?? 0
        guard have >= needed else {
            throw DataError(path: descriptorsPath, "holds \(have / Int64(dimension * 4)) descriptor rows but the journal needs \(rows)",
                            hint: "delete \(folder) to recompute every photo")
        }
        if have > needed { guard truncate(descriptorsPath, off_t(needed)) == 0 else {
            throw DataError(path: descriptorsPath, "cannot truncate to \(rows) rows: \(String(cString: strerror(errno)))")
        } }
    }

    /// The journaled result for `key` when it was computed from the same file with the same settings.
    public func reusable(key: String, fingerprint: FileFingerprint, settings: String) -> JournalEntry? {
        guard let i = latest[key] else { return nil }
        let e = entries[i]
        return e.size == fingerprint.size && e.mtime == fingerprint.mtime && e.settings == settings ? e : nil
    }

    /// Appends a processed photo: descriptors first, then its journal line (one write each).
    @discardableResult
    public func append(key: String, fingerprint: FileFingerprint, settings: String, width: Int, height: Int, orientation: Int,
                       warning: String?, faces: [DetectedFace]) throws -> JournalEntry {
        let entry = JournalEntry(key: key, size: fingerprint.size, mtime: fingerprint.mtime, settings: settings, width: width, height: height,
                                 orientation: orientation, warning: warning,
                                 faces: faces.map { .init(box: $0.box, score: $0.score, landmarks: $0.landmarks) }, row: rows)
        var floats = [Float]()
        floats.reserveCapacity(faces.count * dimension)
        for f in faces {
            precondition(f.descriptor.count == dimension, "IngestJournal: descriptor of length \(f.descriptor.count)")
            floats += f.descriptor
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line = try encoder.encode(entry)
        line.append(UInt8(ascii: "\n"))
        do {
            try floats.withUnsafeBytes { try writeAll(descriptorFD, $0, path: descriptorsPath) }
            try line.withUnsafeBytes { try writeAll(journalFD, $0, path: journalPath) }
        } catch {
            // Keep rows and lines in step (a full disk): drop this photo's partial rows and any partial line.
            _ = ftruncate(descriptorFD, off_t(rows * dimension * 4))
            if let size = FileFingerprint(path: journalPath)?.size, let last = try? lastCompleteLineEnd() { if last < size { _ = ftruncate(journalFD, off_t(last)) } }
            throw error
        }
        latest[key] = entries.count
        entries.append(entry)
        rows += faces.count
        return entry
    }

    /// Makes everything appended so far durable (before the corpus that refers to it is written).
    public func sync() {
        _ = fsync(descriptorFD)
        _ = fsync(journalFD)
    }

    /// All descriptor rows, (rows, 128).
    public func descriptors() throws -> Tensor {
        guard rows > 0 else { return Tensor(zeros: [0, dimension]) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: descriptorsPath), options: .alwaysMapped) } catch {
            throw DataError(path: descriptorsPath, "cannot be read: \(error.localizedDescription)")
        }
        let t = Tensor(uninitialized: [rows, dimension])
        data.withUnsafeBytes { raw in
            t.pointer.update(from: raw.bindMemory(to: Float.self).baseAddress!, count: rows * dimension)
        }
        return t
    }

    /// Byte offset just after the last newline of journal.jsonl.
    private func lastCompleteLineEnd() throws -> Int64 {
        let data = try Data(contentsOf: URL(fileURLWithPath: journalPath))
        guard let i = data.lastIndex(of: UInt8(ascii: "\n")) else { return 0 }
        return Int64(i - data.startIndex + 1)
    }

    private func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
        if let problem = writeFully(fd, bytes) { throw DataError(path: path, "cannot append: \(problem)") }
    }
}
