// NumPy `.npz` archives: a ZIP file holding one `.npy` member per array, as `numpy.savez` writes them.
//
// Weights arrive this way from Python (`numpy.savez(path, **{name: array})`, or a torch state dict converted so).
// The reader parses the ZIP structures itself, from the end: the end-of-central-directory record (and its ZIP64
// locator and record when present), the central directory (names, sizes, CRC-32s, local header offsets, with the
// ZIP64 extra field 0x0001 for values written as 0xFFFFFFFF), then each member's local header and its stored bytes,
// which must match the central directory's CRC-32 and are decoded by `NPY.decode`. Arrays come back in archive order,
// named as numpy names them: the member name without its ".npy" suffix.
//
// Supported: stored members only (compression method 0, what `numpy.savez` writes). Compressed archives
// (`numpy.savez_compressed`, deflate), encrypted members and split archives are refused with a `FormatError`, as is
// every damaged or inconsistent structure; the reader never traps, whatever the bytes. Member names are read as UTF-8
// (Python's zipfile flags non-ASCII names as UTF-8; names in another encoding are refused). Directory entries
// (names ending in "/", no data) are skipped.

import Foundation

public enum NPZ {
    /// One array of an archive.
    public typealias Entry = (name: String, array: NumericArray)

    static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50  // "PK\5\6"
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50  // "PK\6\7"
    static let zip64EndSignature: UInt32 = 0x0606_4B50  // "PK\6\6"
    static let centralEntrySignature: UInt32 = 0x0201_4B50  // "PK\1\2"
    static let localHeaderSignature: UInt32 = 0x0403_4B50  // "PK\3\4"
    static let endOfCentralDirectorySize = 22
    static let zip64LocatorSize = 20
    static let zip64EndSize = 56
    static let centralEntrySize = 46
    static let localHeaderSize = 30
    /// The end record may be followed by a comment of at most this many bytes, so the search stops this far back.
    static let maxCommentSize = 0xFFFF
    static let saveHint = "save with numpy.savez(path, **arrays)"
    static let compressedProblem = "compressed .npz (numpy.savez_compressed) is not supported; save with numpy.savez"

    // MARK: Reading

    /// Reads every array of the `.npz` archive at `path`, in archive order. Each member is copied out of the mapped
    /// archive into its own aligned buffer (float32 arrays borrow that buffer), so the archive is not kept mapped.
    public static func read(_ path: String) throws -> [Entry] {
        try decode(MappedFile(path: path))
    }

    /// Decodes `.npz` bytes held in memory; `label` stands for the file name in error messages.
    public static func decode(_ bytes: [UInt8], label: String = "<memory>") throws -> [Entry] {
        try decode(MappedFile(copying: bytes, label: label))
    }

    public static func decode(_ file: MappedFile) throws -> [Entry] {
        let path = file.path
        let bytes = file.bytes
        /// Whether `length` bytes from `offset` lie inside the file; safe for any values.
        func inFile(_ offset: Int, _ length: Int) -> Bool {
            offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
        }
        func u16(_ offset: Int) -> Int { Int(bytes.littleEndian(UInt16.self, at: offset)) }
        func u32(_ offset: Int) -> UInt32 { bytes.littleEndian(UInt32.self, at: offset) }
        func u64(_ offset: Int) -> UInt64 { bytes.littleEndian(UInt64.self, at: offset) }

        // End of central directory: the last signature whose comment fits in the file.
        let end = try findEndOfCentralDirectory(file)
        var field = "end of central directory"
        func fail(_ problem: String, kind: FormatError.Kind = .corrupt, hint: String? = nil) -> FormatError {
            FormatError(kind, path: path, field: field, problem, hint: hint)
        }
        var disk = UInt64(u16(end + 4)), directoryDisk = UInt64(u16(end + 6))
        var entriesOnDisk = UInt64(u16(end + 8)), entryCount = UInt64(u16(end + 10))
        var directorySize = UInt64(u32(end + 12)), directoryOffset = UInt64(u32(end + 16))
        var recordsStart = end  // where the central directory must end

        // ZIP64: a locator right before the end record points to the 64-bit end record, which replaces the values.
        let locator = end - zip64LocatorSize
        if locator >= 0, u32(locator) == zip64LocatorSignature {
            field = "ZIP64 end of central directory locator"
            let recordDisk = u32(locator + 4), diskCount = u32(locator + 16)
            guard recordDisk == 0, diskCount <= 1 else {
                throw fail("archives split over several disks are not supported", kind: .unsupported, hint: saveHint)
            }
            guard let record = Int(exactly: u64(locator + 8)), inFile(record, zip64EndSize),
                  record <= locator - zip64EndSize else {
                throw fail("the ZIP64 end record offset \(u64(locator + 8)) is outside the file")
            }
            field = "ZIP64 end of central directory"
            guard u32(record) == zip64EndSignature else { throw fail("no ZIP64 end record at offset \(record)") }
            disk = UInt64(u32(record + 16))
            directoryDisk = UInt64(u32(record + 20))
            entriesOnDisk = u64(record + 24)
            entryCount = u64(record + 32)
            directorySize = u64(record + 40)
            directoryOffset = u64(record + 48)
            recordsStart = record
        }
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw fail("archives split over several disks are not supported", kind: .unsupported, hint: saveHint)
        }
        guard let start = Int(exactly: directoryOffset), let size = Int(exactly: directorySize),
              inFile(start, size), start + size <= recordsStart else {
            throw fail("the central directory (offset \(directoryOffset), \(directorySize) bytes) is not inside the file "
                       + "before the end record")
        }
        // Bounds the entry count by what the directory can hold before anything is allocated for it.
        guard entryCount <= UInt64(size / centralEntrySize) else {
            throw fail("announces \(entryCount) members but the \(size)-byte central directory holds at most "
                       + "\(size / centralEntrySize)")
        }

        var entries = [Entry]()
        var seen = Set<String>()
        var position = start
        let directoryEnd = start + size
        for index in 0..<Int(entryCount) {
            field = "central directory entry \(index)"
            guard position <= directoryEnd - centralEntrySize else { throw fail("runs past the end of the central directory") }
            guard u32(position) == centralEntrySignature else { throw fail("has no central directory signature") }
            let flags = u16(position + 8), method = u16(position + 10)
            let storedCRC = u32(position + 16)
            var compressedSize = UInt64(u32(position + 20)), size = UInt64(u32(position + 24))
            let nameLength = u16(position + 28), extraLength = u16(position + 30), commentLength = u16(position + 32)
            var startDisk = UInt64(u16(position + 34))
            var localOffset = UInt64(u32(position + 42))
            let nameStart = position + centralEntrySize
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength  // at most 3 × 65535 past a checked position
            guard next <= directoryEnd else { throw fail("its name, extra field and comment run past the central directory") }
            position = next

            let rawName = Array(bytes[nameStart..<extraStart])
            // Bit 11 promises UTF-8; other names are accepted when they happen to be valid UTF-8 (ASCII included).
            guard let memberName = String(bytes: rawName, encoding: .utf8) else {
                throw fail("the member name is not valid UTF-8" + (flags & 0x800 != 0 ? " despite its UTF-8 flag" : ""), kind: .unsupported)
            }
            if memberName.hasSuffix("/") && size == 0 { continue }  // a directory
            let name = memberName.hasSuffix(".npy") ? String(memberName.dropLast(4)) : memberName
            func memberError(field: String, _ problem: String, kind: FormatError.Kind = .corrupt, hint: String? = nil) -> FormatError {
                FormatError(kind, path: path, record: name, field: field, problem, hint: hint)
            }

            // ZIP64 extra field: 64-bit values for the header fields written as all ones, in this order.
            var extra = extraStart
            let extraEnd = extraStart + extraLength
            while extra <= extraEnd - 4 {
                let id = u16(extra), length = u16(extra + 2)
                var value = extra + 4
                let blockEnd = value + length
                guard blockEnd <= extraEnd else {
                    throw memberError(field: "extra field", "block 0x\(String(id, radix: 16)) of \(length) bytes runs past the extra field")
                }
                if id == 0x0001 {
                    func next64(_ what: String) throws -> UInt64 {
                        guard value <= blockEnd - 8 else { throw memberError(field: "ZIP64 extra field", "too short to hold the \(what)") }
                        defer { value += 8 }
                        return u64(value)
                    }
                    if size == 0xFFFF_FFFF { size = try next64("size") }
                    if compressedSize == 0xFFFF_FFFF { compressedSize = try next64("compressed size") }
                    if localOffset == 0xFFFF_FFFF { localOffset = try next64("local header offset") }
                    if startDisk == 0xFFFF {
                        guard value <= blockEnd - 4 else { throw memberError(field: "ZIP64 extra field", "too short to hold the disk number") }
                        startDisk = UInt64(u32(value))
                    }
                }
                extra = blockEnd
            }

            guard method == 0 else {
                if method == 8 { throw memberError(field: "compression method", compressedProblem, kind: .unsupported) }
                throw memberError(field: "compression method", "method \(method) is not supported; only stored "
                                  + "(uncompressed) members are", kind: .unsupported, hint: saveHint)
            }
            guard flags & 0x1 == 0 else {
                throw memberError(field: "flags", "encrypted members are not supported", kind: .unsupported, hint: saveHint)
            }
            guard startDisk == 0 else {
                throw memberError(field: "disk number", "archives split over several disks are not supported", kind: .unsupported)
            }
            guard compressedSize == size else {
                throw memberError(field: "compressed size", "a stored member's compressed size \(compressedSize) differs from its "
                           + "size \(size)")
            }
            guard seen.insert(name).inserted else {
                throw memberError(field: "name", "'\(memberName)' gives a second array named '\(name)'")
            }

            // Local header: its own name and extra lengths decide where the data starts.
            guard let local = Int(exactly: localOffset), inFile(local, localHeaderSize) else {
                throw memberError(field: "local header", "offset \(localOffset) is outside the file")
            }
            guard u32(local) == localHeaderSignature else {
                throw memberError(field: "local header", "no local header signature at offset \(local)")
            }
            let localNameStart = local + localHeaderSize
            let localNameLength = u16(local + 26), localExtraLength = u16(local + 28)
            guard inFile(localNameStart, localNameLength + localExtraLength) else {
                throw memberError(field: "local header", "its name and extra field run past the end of the file")
            }
            guard u16(local + 8) == method,
                  bytes[localNameStart..<(localNameStart + localNameLength)].elementsEqual(rawName) else {
                throw memberError(field: "local header", "its name or compression method differs from the central directory's")
            }
            let dataStart = localNameStart + localNameLength + localExtraLength
            guard let dataSize = Int(exactly: size), inFile(dataStart, dataSize) else {
                throw memberError(field: "size", "\(size) bytes of data from offset \(dataStart) run past the end of the file")
            }
            let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + dataSize)])

            let computed = crc32(data)
            guard computed == storedCRC else {
                throw memberError(field: "CRC-32", "the data's CRC-32 is \(hex(computed)), the central directory records "
                           + "\(hex(storedCRC)): the archive is damaged")
            }

            let array: NumericArray
            do {
                array = try NPY.decode(MappedFile(copying: data, label: path))
            } catch let error as FormatError {
                throw FormatError(error.kind, path: path, record: name, field: error.field, error.problem, hint: error.hint)
            }
            entries.append((name, NumericArray(unchecked: array.shape, array.storage, origin: path, record: name)))
        }
        return entries
    }

    /// The offset of the end-of-central-directory record, searched backwards over the largest possible comment.
    private static func findEndOfCentralDirectory(_ file: MappedFile) throws -> Int {
        let bytes = file.bytes
        let last = bytes.count - endOfCentralDirectorySize
        if last >= 0 {
            for offset in stride(from: last, through: max(0, last - maxCommentSize), by: -1)
            where bytes.littleEndian(UInt32.self, at: offset) == endOfCentralDirectorySignature
                && Int(bytes.littleEndian(UInt16.self, at: offset + 20)) <= last - offset {
                return offset
            }
        }
        let field = "end of central directory"
        if bytes.starts(with: NPY.magic) {
            throw FormatError(.corrupt, path: file.path, "this is a .npy file, not a .npz archive",
                              hint: "read it as .npy, or save arrays together with numpy.savez")
        }
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) || (bytes.count < 4 && [0x50, 0x4B, 0x03].starts(with: bytes)) {
            throw FormatError(.truncated, path: file.path, field: field,
                              "the archive is truncated (\(bytes.count) bytes): no end-of-central-directory record")
        }
        throw FormatError(.corrupt, path: file.path, field: field,
                          "not a .npz file: no ZIP end-of-central-directory record", hint: saveHint)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    // MARK: CRC-32

    /// The CRC-32 of ZIP (and zlib, PNG): reflected polynomial 0xEDB88320, initial value and final xor all ones.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
            }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { crc32($0) } }

    /// Entry i is the CRC register after shifting out the byte i.
    private static let crcTable: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
