// Whole-file replacement that never exposes a partly written file.
//
// Checkpoints and embedding files are read by other processes (and by this one after a crash): a reader must see
// either the old file or the complete new one, and a failed write (full disk, killed process) must not destroy the
// old file. The bytes go to a temporary file in the destination's directory (same file system, so `rename(2)` is
// atomic), are flushed with `fsync`, and the temporary file is then renamed over the destination.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Receives the contents of a file being written by `writeAtomically(to:contents:)`.
public struct AtomicFileSink: ~Copyable {
    fileprivate let fd: Int32
    fileprivate let temporaryPath: String
    fileprivate let path: String
    /// Bytes written so far.
    public private(set) var byteCount = 0

    /// Appends bytes, retrying short writes and interrupted calls.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        if let problem = writeFully(fd, bytes) {
            throw FormatError(.io, path: path, "cannot write temporary file \(temporaryPath): \(problem)")
        }
        byteCount += bytes.count
    }

    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and interrupted calls. Nil on success, else what went wrong
/// (the OS error, or "write returned 0").
public func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
    guard var p = bytes.baseAddress else { return nil }
    var remaining = bytes.count
    while remaining > 0 {
        let n = systemWrite(fd, p, remaining)
        if n < 0 {
            if errno == EINTR { continue }
            return osErrorDescription()
        }
        if n == 0 { return "write returned 0" }
        p += n
        remaining -= n
    }
    return nil
}

/// `write(2)`, renamed so that the sink's own `write` methods do not shadow it.
@inline(__always)
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Darwin)
    return Darwin.write(fd, p, n)
    #elseif canImport(Musl)
    return Musl.write(fd, p, n)
    #else
    return Glibc.write(fd, p, n)
    #endif
}

/// Replaces the file at `path` with `bytes`, atomically (see the file comment). Throws `FormatError` (kind `.io`)
/// naming the path and the OS error; on failure the old file, if any, is unchanged and no temporary file remains.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    try writeAtomically(to: path) { sink in try sink.write(bytes) }
}

public func writeAtomically(_ data: Data, to path: String) throws {
    try writeAtomically(to: path) { sink in
        try data.withUnsafeBytes { try sink.write($0) }
    }
}

/// Streams the contents through `contents`, so large files need not be assembled in memory first.
/// The new file gets the permissions of a newly created file (0666 minus the umask), not those of the file it replaces;
/// if `path` is a symbolic link, the link itself is replaced, not its target.
public func writeAtomically(to path: String, contents: (inout AtomicFileSink) throws -> Void) throws {
    guard !path.isEmpty else { throw FormatError(.io, path: path, "cannot write: empty path") }
    guard !path.hasSuffix("/") else { throw FormatError(.io, path: path, "cannot write: the path names a directory") }
    // `prefix` is the path up to and including the last slash, so the temporary file lands next to the destination.
    let directory: String, prefix: String, name: String
    if let slash = path.lastIndex(of: "/") {
        directory = slash == path.startIndex ? "/" : String(path[..<slash])
        prefix = String(path[...slash])
        name = String(path[path.index(after: slash)...])
    } else {
        directory = "."
        prefix = ""
        name = path
    }

    // `.NAME.PID.RANDOM.partial`: the process id lets a later write sweep what a killed writer left behind
    // (`sweepInterruptedWrites`); a random suffix instead of a counter needs no shared mutable state, and O_EXCL makes a
    // collision a retry, not a race.
    let temporaryPrefix = prefix + ".\(name.prefix(64)).\(getpid())."
    var fd: Int32 = -1
    var temporaryPath = ""
    for _ in 0..<16 {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporaryPath = temporaryPrefix + "\(suffix).partial"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else {
        let os = osErrorDescription()
        throw FormatError(.io, path: path, "cannot create a temporary file in directory \(directory): \(os)")
    }

    var fdIsOpen = true
    do {
        var sink = AtomicFileSink(fd: fd, temporaryPath: temporaryPath, path: path)
        try contents(&sink)
        guard fsync(fd) == 0 else {
            let os = osErrorDescription()
            throw FormatError(.io, path: path, "cannot flush temporary file \(temporaryPath): \(os)")
        }
        fdIsOpen = false
        guard close(fd) == 0 else {
            let os = osErrorDescription()
            throw FormatError(.io, path: path, "cannot close temporary file \(temporaryPath): \(os)")
        }
        guard rename(temporaryPath, path) == 0 else {
            let os = osErrorDescription()
            throw FormatError(.io, path: path, "cannot rename \(temporaryPath) over the destination: \(os)")
        }
    } catch {
        if fdIsOpen { close(fd) }
        unlink(temporaryPath)
        throw error
    }

    // Make the rename itself durable. Best effort: some file systems refuse fsync on directories, and the new
    // contents are already complete and visible.
    let dfd = open(directory, O_RDONLY | O_CLOEXEC)
    if dfd >= 0 {
        _ = fsync(dfd)
        close(dfd)
    }
    sweepInterruptedWrites(of: name, in: directory)
}

/// Removes the temporary files that writers of `name` in `directory` killed mid-write left behind
/// (`.NAME.PID.RANDOM.partial` whose process is gone). Best effort and silent: nothing reads these files, and a
/// temporary file of a live writer (this process or another) is never touched. Another machine writing into the same
/// network folder is the one case a dead local PID does not prove: that writer then fails with a clear error at its
/// rename, and the old file stays intact.
func sweepInterruptedWrites(of name: String, in directory: String) {
    let head = ".\(name.prefix(64))."
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
    for entry in entries where entry.hasPrefix(head) && entry.hasSuffix(".partial") {
        // What is left between the name and ".partial" must be exactly PID.RANDOM.
        let middle = entry.dropFirst(head.count).dropLast(".partial".count).split(separator: ".", omittingEmptySubsequences: false)
        guard middle.count == 2, let pid = Int32(middle[0]), pid > 0, !processExists(pid) else { continue }
        unlink(directory == "/" ? "/" + entry : directory + "/" + entry)
    }
}

/// Whether a process with this id exists on this machine (it may belong to another user).
public func processExists(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
}

/// Creates `path` and any missing parents, like `mkdir -p`; an error names the folder asked for, the part that could
/// not be made and the operating system's reason ("Read-only file system", "No space left on device"), where
/// Foundation's `createDirectory` gives a generic Cocoa error.
public func createFolder(_ path: String) throws {
    func make(_ folder: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else {
                throw FormatError(.io, path: path, "cannot create the folder: \(folder) is a file, not a folder")
            }
            return
        }
        let parent = (folder as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != folder { try make(parent) }
        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw FormatError(.io, path: path, "cannot create the folder" + (folder == path ? "" : " \(folder)") + ": \(reason)")
        }
    }
    try make(path)
}
