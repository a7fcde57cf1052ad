// The .npz reader against archives written by numpy (Fixtures/, made by scripts/fixtures/make_npz_fixtures.py, whose
// printed values are the literals below), plus archives built here: ZIP64 variants numpy does not produce for small
// files, and damaged ones.

import Foundation
import Testing
@testable import NumericCore

// MARK: - Helpers

private func le16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }
private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
private func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
private func readLE32(_ bytes: [UInt8], _ offset: Int) -> Int {
    (0..<4).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
}

/// One member of an archive built by `zipArchive`; `method`, `flags` and `crc` default to a valid stored member.
struct ZipMember {
    var name: String
    var data: [UInt8]
    var method = 0
    var flags = 0
    var crc: UInt32? = nil
    var localName: String? = nil
}

/// A ZIP archive laid out as Python's zipfile lays it out. `zip64Directory` writes sizes and offsets of the central
/// directory as 0xFFFFFFFF plus a ZIP64 extra field; `zip64End` adds the ZIP64 end record and locator.
func zipArchive(_ members: [ZipMember], zip64Directory: Bool = false, zip64End: Bool = false, comment: [UInt8] = []) -> [UInt8] {
    var out = [UInt8]()
    var directory = [UInt8]()
    for m in members {
        let offset = out.count
        let name = Array(m.name.utf8), localName = Array((m.localName ?? m.name).utf8)
        let crc = m.crc ?? NPZ.crc32(m.data)
        let flags = m.flags | (name.allSatisfy { $0 < 0x80 } ? 0 : 0x800)
        let common = le16(flags) + le16(m.method) + le16(0) + le16(0x21) + le32(crc)
        // Local header: sizes in a ZIP64 extra field, as numpy's force_zip64 does.
        out += le32(0x0403_4B50) + le16(45) + common + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF)
        out += le16(localName.count) + le16(20) + localName
        out += le16(1) + le16(16) + le64(UInt64(m.data.count)) + le64(UInt64(m.data.count))
        out += m.data
        directory += le32(0x0201_4B50) + le16(45) + le16(45) + common
        if zip64Directory {
            directory += le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF) + le16(name.count) + le16(28) + le16(0) + le16(0) + le16(0)
                + le32(0) + le32(0xFFFF_FFFF) + name
            directory += le16(1) + le16(24) + le64(UInt64(m.data.count)) + le64(UInt64(m.data.count)) + le64(UInt64(offset))
        } else {
            directory += le32(UInt32(m.data.count)) + le32(UInt32(m.data.count)) + le16(name.count) + le16(0) + le16(0)
                + le16(0) + le16(0) + le32(0) + le32(UInt32(offset)) + name
        }
    }
    let directoryOffset = out.count
    out += directory
    if zip64End {
        let record = out.count
        out += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            + le64(UInt64(members.count)) + le64(UInt64(members.count)) + le64(UInt64(directory.count)) + le64(UInt64(directoryOffset))
        out += le32(0x0706_4B50) + le32(0) + le64(UInt64(record)) + le32(1)
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(0xFFFF) + le16(0xFFFF) + le32(0xFFFF_FFFF) + le32(0xFFFF_FFFF)
    } else {
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(members.count) + le16(members.count)
            + le32(UInt32(directory.count)) + le32(UInt32(directoryOffset))
    }
    return out + le16(comment.count) + comment
}

/// The .npy members of weights.npz, re-encoded (identical to numpy's bytes, see NPYTests.encodeMatchesNumpy).
func weightMembers() throws -> [ZipMember] {
    try NPZ.read(try fixturePath("weights.npz")).map { ZipMember(name: $0.name + ".npy", data: NPY.encode($0.array)) }
}

/// Checks the four arrays of weights.npz, in order.
func expectWeights(_ entries: [NPZ.Entry], sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(entries.map(\.name) == ["projector.0.weight", "ner_projector.2.bias", "steps", "étiquette"],
            sourceLocation: sourceLocation)
    guard entries.count == 4 else { return }
    let w = entries[0].array
    #expect(w.shape == [2, 3] && w.elementType == .float32, sourceLocation: sourceLocation)
    #expect(try w.floatTensor().array == [0.5, -1.25, 3.0, 0.001, 65504.0, -0.0], sourceLocation: sourceLocation)
    #expect(try w.floatTensor().array[5].sign == .minus, sourceLocation: sourceLocation)
    let b = entries[1].array
    #expect(b.shape == [4] && b.elementType == .float64, sourceLocation: sourceLocation)
    #expect(try b.doubleArray() == [0.1, -2.5, 1e300, -1e-300], sourceLocation: sourceLocation)
    let s = entries[2].array
    #expect(s.shape == [2, 2] && s.elementType == .int64, sourceLocation: sourceLocation)
    #expect(try s.int64Array() == [1, -2, 9007199254740993, Int64.min], sourceLocation: sourceLocation)
    let e = entries[3].array
    #expect(e.shape == [3] && e.elementType == .uint8, sourceLocation: sourceLocation)
    #expect(try e.int64Array() == [0, 1, 255], sourceLocation: sourceLocation)
}

// MARK: - Reading

@Suite struct NPZReadTests {
    @Test func numpySavez() throws {
        let path = try fixturePath("weights.npz")
        let entries = try NPZ.read(path)
        try expectWeights(entries)
        // Accessor errors name the archive and the array.
        #expect(entries.allSatisfy { $0.array.origin == path && $0.array.record == $0.name })
        expectFormatError(.mismatch, "weights.npz", "tensor 'projector.0.weight'", "holds float32") {
            _ = try entries[0].array.int64Array()
        }
    }

    @Test func emptyArchive() throws {
        #expect(try NPZ.read(try fixturePath("empty.npz")).isEmpty)
    }

    @Test func crc32KnownValues() {
        #expect(NPZ.crc32([UInt8]()) == 0)
        #expect(NPZ.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(NPZ.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func zip64VariantsAndComments() throws {
        let members = try weightMembers()
        for zip64Directory in [false, true] {
            for zip64End in [false, true] {
                for comment in [[], Array("a comment PK\u{5}\u{6}".utf8)] {
                    let bytes = zipArchive(members, zip64Directory: zip64Directory, zip64End: zip64End, comment: comment)
                    try expectWeights(try NPZ.decode(bytes, label: "built.npz"))
                }
            }
        }
    }

    @Test func directoryEntriesAreSkippedAndOtherSuffixesKept() throws {
        let members = try weightMembers()
        let bytes = zipArchive([ZipMember(name: "folder/", data: []),
                                ZipMember(name: "folder/x.npy", data: members[0].data),
                                ZipMember(name: "raw", data: members[1].data)])
        let entries = try NPZ.decode(bytes)
        #expect(entries.map(\.name) == ["folder/x", "raw"])
        #expect(try entries[1].array.doubleArray() == [0.1, -2.5, 1e300, -1e-300])
    }
}

// MARK: - Rejections

@Suite struct NPZRejectionTests {
    @Test func compressed() {
        expectFormatError(.unsupported, "weights_compressed.npz", "tensor 'projector.0.weight'", "field 'compression method'",
                          "compressed .npz (numpy.savez_compressed) is not supported; save with numpy.savez") {
            _ = try NPZ.read(try fixturePath("weights_compressed.npz"))
        }
    }

    @Test func notAnArchive() throws {
        expectFormatError(.corrupt, "x.npz", "not a .npz file", "numpy.savez") { _ = try NPZ.decode(Array("hello".utf8), label: "x.npz") }
        expectFormatError(.truncated, "e.npz", "truncated (0 bytes)") { _ = try NPZ.decode([], label: "e.npz") }
        expectFormatError(.corrupt, "float32_2x3.npy", "this is a .npy file") {
            _ = try NPZ.read(try fixturePath("float32_2x3.npy"))
        }
        let dir = try TemporaryDirectory()
        expectFormatError(.io, dir.file("missing.npz"), "cannot open") { _ = try NPZ.read(dir.file("missing.npz")) }
    }

    @Test func crcMismatchInTheData() throws {
        var bytes = try fixtureBytes("weights.npz")
        // First member: 30-byte local header, 22-byte name, 20-byte extra, 128-byte .npy header, then the float data.
        #expect(bytes[200] == 0 && bytes[203] == 0x3F)  // 0.5 as little-endian float32
        bytes[203] = 0x40
        expectFormatError(.corrupt, "d.npz", "tensor 'projector.0.weight'", "field 'CRC-32'", "0x26340874", "damaged") {
            _ = try NPZ.decode(bytes, label: "d.npz")
        }
    }

    @Test func crcMismatchInTheDirectory() throws {
        var bytes = try fixtureBytes("weights.npz")
        let directory = readLE32(bytes, bytes.count - 6)
        let secondEntry = directory + 46 + "projector.0.weight.npy".utf8.count
        #expect(readLE32(bytes, secondEntry + 16) == 0xAF14_A393)  // as Python's zipfile reports
        bytes[secondEntry + 16] ^= 1
        expectFormatError(.corrupt, "tensor 'ner_projector.2.bias'", "CRC-32", "0xaf14a392") { _ = try NPZ.decode(bytes) }
        // An explicit wrong CRC in a built archive.
        let members = try weightMembers()
        expectFormatError(.corrupt, "tensor 'steps'", "CRC-32") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "steps.npy", data: members[2].data, crc: 0x1234_5678)]))
        }
    }

    @Test func memberProblems() throws {
        let data = try weightMembers()[0].data
        expectFormatError(.unsupported, "tensor 'a'", "method 12 is not supported") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "a.npy", data: data, method: 12)]))
        }
        expectFormatError(.unsupported, "tensor 'a'", "encrypted") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "a.npy", data: data, flags: 1)]))
        }
        expectFormatError(.corrupt, "tensor 'a'", "field 'name'", "'a' gives a second array named 'a'") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "a.npy", data: data), ZipMember(name: "a", data: data)]))
        }
        expectFormatError(.corrupt, "tensor 'a'", "local header", "differs from the central directory") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "a.npy", data: data, localName: "b.npy")]))
        }
        // The member's own .npy problems, named after the member.
        expectFormatError(.corrupt, "z.npz", "tensor 'notes'", "not a .npy file") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "notes", data: Array("plain text".utf8))]), label: "z.npz")
        }
        let half = try fixtureBytes("float16.npy")
        expectFormatError(.unsupported, "tensor 'h'", "field 'descr'", "'<f2'") {
            _ = try NPZ.decode(zipArchive([ZipMember(name: "h.npy", data: half)]))
        }
        expectFormatError(.unsupported, "not valid UTF-8") {
            var bytes = zipArchive([ZipMember(name: "a.npy", data: data)])
            let directory = readLE32(bytes, bytes.count - 6)
            bytes[directory + 46] = 0xFF
            _ = try NPZ.decode(bytes)
        }
    }

    @Test func inconsistentDirectory() throws {
        let data = try weightMembers()[0].data
        let good = zipArchive([ZipMember(name: "a.npy", data: data)])
        let end = good.count - 22
        var bytes = good
        bytes[end + 10] = 200  // entry count
        bytes[end + 8] = 200
        expectFormatError(.corrupt, "field 'end of central directory'", "announces 200 members") { _ = try NPZ.decode(bytes) }
        bytes = good
        bytes[end + 19] = 0x7F  // directory offset
        expectFormatError(.corrupt, "central directory (offset", "not inside the file") { _ = try NPZ.decode(bytes) }
        bytes = good
        bytes[end + 4] = 1  // disk number
        expectFormatError(.unsupported, "several disks") { _ = try NPZ.decode(bytes) }
        bytes = good
        let directory = readLE32(good, end + 16)
        bytes[directory + 45] = 0x40  // local header offset
        expectFormatError(.corrupt, "tensor 'a'", "field 'local header'", "outside the file") { _ = try NPZ.decode(bytes) }
        bytes = good
        bytes[directory] = 0
        expectFormatError(.corrupt, "central directory entry 0", "signature") { _ = try NPZ.decode(bytes) }

        // ZIP64: an extra field too short for the values the header defers to it, and a locator pointing nowhere.
        let wide = zipArchive([ZipMember(name: "a.npy", data: data)], zip64Directory: true, zip64End: true)
        let wideDirectory = wide.count - 22 - 20 - 56 - (46 + 5 + 28)
        bytes = wide
        bytes[wideDirectory + 46 + 5 + 2] = 16  // ZIP64 block of 16 bytes where 24 are needed
        expectFormatError(.corrupt, "ZIP64 extra field", "too short to hold the local header offset") { _ = try NPZ.decode(bytes) }
        bytes = wide
        bytes[wide.count - 22 - 20 + 15] = 0x10  // locator's record offset
        expectFormatError(.corrupt, "ZIP64 end of central directory locator", "outside the file") { _ = try NPZ.decode(bytes) }
        bytes = wide
        bytes[wide.count - 22 - 20 - 56] = 0
        expectFormatError(.corrupt, "no ZIP64 end record") { _ = try NPZ.decode(bytes) }
    }

    /// Every proper prefix is refused with a FormatError, never a crash or a partial result.
    @Test func truncatedPrefixes() throws {
        for archive in [try fixtureBytes("weights.npz"), try fixtureBytes("empty.npz"),
                        zipArchive(try weightMembers(), zip64Directory: true, zip64End: true)] {
            for n in 0..<archive.count {
                #expect(throws: FormatError.self, "prefix of \(n) bytes") { _ = try NPZ.decode(Array(archive.prefix(n))) }
            }
        }
    }

    /// Every single-byte corruption either reads or throws a FormatError; none traps.
    @Test func singleByteCorruptionsNeverTrap() throws {
        for archive in [try fixtureBytes("weights.npz"), try fixtureBytes("weights_compressed.npz"),
                        zipArchive(try weightMembers(), zip64Directory: true, zip64End: true)] {
            for i in 0..<archive.count {
                for value: UInt8 in [0x00, 0x01, 0x06, 0x20, 0x2D, 0x50, 0x7F, 0x80, 0xFF] where value != archive[i] {
                    var bytes = archive
                    bytes[i] = value
                    do {
                        _ = try NPZ.decode(bytes)
                    } catch is FormatError {
                    } catch {
                        Issue.record("byte \(i) = \(value): \(error)")
                    }
                }
            }
        }
    }
}
