// Read-only views of whole files, and the error type shared by the file-format readers and writers.
//
// Weights and embedding tables can be large, so the readers map files instead of copying them: a float32 array whose
// data is suitably aligned becomes a `Tensor` that borrows the mapping (see `TensorStorage(borrowing:count:owner:)`),
// and the mapping lives as long as any tensor that points into it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// MARK: - Errors

/// A problem with a file's contents or with reading or writing it. The message names the file, the record (array
/// or tensor) and field when there is one, the problem, and a hint on how to produce a readable file.
public struct FormatError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: String, Sendable, Equatable {
        /// The operating system refused (open, mmap, write, rename, …).
        case io
        /// The file ends before the data its header announces.
        case truncated
        /// Wrong magic bytes, unparsable header, inconsistent offsets: the file is damaged or not of this format.
        case corrupt
        /// A valid file using a feature this reader deliberately does not handle (dtype, byte order, version).
        case unsupported
        /// The file is valid but does not match what the caller asked for (names, shapes, element type).
        case mismatch
    }

    public let kind: Kind
    public let path: String
    /// The array or tensor the problem concerns, if any.
    public let record: String?
    /// The header field the problem concerns, if any.
    public let field: String?
    public let problem: String
    public let hint: String?

    public init(_ kind: Kind, path: String, record: String? = nil, field: String? = nil, _ problem: String, hint: String? = nil) {
        self.kind = kind
        self.path = path
        self.record = record
        self.field = field
        self.problem = problem
        self.hint = hint
    }

    public var description: String {
        var s = path
        if let record { s += ", tensor '\(record)'" }
        if let field { s += ", field '\(field)'" }
        s += ": " + problem
        if let hint { s += " (hint: \(hint))" }
        return s
    }
}

/// The text of the current `errno`, e.g. "No such file or directory (errno 2)". Call it before building the rest of
/// a message: allocating strings may change `errno`.
func osErrorDescription(_ code: Int32 = errno) -> String {
    String(cString: strerror(code)) + " (errno \(code))"
}

// MARK: - Mapped file

/// The bytes of a whole file, memory-mapped, or a private copy of bytes that came from memory.
///
/// The mapping is `MAP_PRIVATE` with `PROT_READ | PROT_WRITE`: tensors borrow it through a mutable pointer, and a
/// write through such a tensor then changes only this process's copy-on-write page, never the file.
/// Mapping is not a snapshot: if another program rewrites the file *in place* while it is mapped, pages not yet
/// touched may show the new contents, and truncating it makes access to the lost pages crash (SIGBUS). The writers in
/// this module replace files with `rename(2)` (see `writeAtomically`), which leaves existing mappings intact.
/// Under strict overcommit (`vm.overcommit_memory=2`) a writable private mapping is charged in full against the commit
/// limit, so mapping a file larger than the free commit fails with ENOMEM rather than later.
public final class MappedFile: @unchecked Sendable {
    /// The file path, or a label for bytes that did not come from a file; used in error messages.
    public let path: String
    /// Number of bytes.
    public let count: Int
    /// Start of the bytes; nil when `count` is 0 (mmap rejects empty files).
    private let base: UnsafeMutableRawPointer?
    private let isMapped: Bool

    /// Maps the regular file at `path`. Throws `FormatError` (kind `.io`) naming the path and the OS error.
    public init(path: String) throws {
        self.path = path
        // O_NONBLOCK: opening a FIFO by mistake must fail below, not wait for a writer. No effect on regular files.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let os = osErrorDescription()
            throw FormatError(.io, path: path, "cannot open for reading: \(os)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let os = osErrorDescription()
            throw FormatError(.io, path: path, "cannot stat: \(os)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            let what = (info.st_mode & S_IFMT) == S_IFDIR ? "a directory" : "not a regular file"
            throw FormatError(.io, path: path, "cannot map: \(what)")
        }
        guard info.st_size >= 0, let size = Int(exactly: info.st_size) else {
            throw FormatError(.io, path: path, "cannot map: invalid file size \(info.st_size)")
        }
        count = size
        isMapped = size > 0
        if size == 0 {
            base = nil
            return
        }
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else {
            let os = osErrorDescription()
            throw FormatError(.io, path: path, "cannot map \(size) bytes: \(os)")
        }
        base = p
    }

    /// A private copy of `bytes`, for decoding data that is already in memory with the same code as files.
    public init(copying bytes: some Collection<UInt8>, label: String = "<memory>") {
        path = label
        count = bytes.count
        isMapped = false
        if count == 0 {
            base = nil
            return
        }
        let p = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
        let buffer = UnsafeMutableRawBufferPointer(start: p, count: count)
        buffer.copyBytes(from: bytes)
        base = p
    }

    deinit {
        guard let base else { return }
        if isMapped { munmap(base, count) } else { base.deallocate() }
    }

    /// The bytes; valid only while this object is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A typed pointer into the bytes for a borrowing tensor; nil when `offset` is not aligned for `T` or the range
    /// does not fit. The caller must keep this object alive (pass it as the storage owner).
    func pointer<T>(to type: T.Type, at offset: Int, count elements: Int) -> UnsafeMutablePointer<T>? {
        guard let base, offset >= 0, elements >= 0 else { return nil }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow, offset <= count, bytes <= count - offset else { return nil }
        let raw = base + offset
        guard Int(bitPattern: raw) % MemoryLayout<T>.alignment == 0 else { return nil }
        return raw.assumingMemoryBound(to: T.self)
    }
}

// MARK: - Little-endian decoding shared by the readers

extension UnsafeRawBufferPointer {
    /// The little-endian integer at `offset`; the caller has checked the range.
    func littleEndian<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
