// The .npy reader and writer against files written by numpy (Fixtures/, made by scripts/fixtures/make_npy_fixtures.py,
// whose printed values are the literals below), plus hand-made damaged files. Also holds the helpers the other
// format tests share.

import Foundation
import Testing
@testable import NumericCore

// MARK: - Shared helpers

/// The path of a committed fixture file.
func fixturePath(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw FormatError(.io, path: name, "fixture not found in the test bundle")
    }
    return url.path
}

func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixturePath(name))))
}

/// A fresh directory under the system temporary directory, removed when the value dies.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/secla-formats-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FormatError(.io, path: NSTemporaryDirectory(), "mkdtemp failed")
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
}

/// Runs `body` and checks that it throws a `FormatError` of `kind` whose message contains every fragment.
func expectFormatError(_ kind: FormatError.Kind, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                       _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected a \(kind) error mentioning \(fragments), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FormatError {
        #expect(error.kind == kind, "wrong kind: \(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "'\(fragment)' missing from: \(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a FormatError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// An .npy file with a hand-written header (version 1.0, padded like numpy) followed by `data`.
func npyBytes(header: String, data: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
    var dict = Array(header.utf8)
    let prefix = version == 1 ? 10 : 12
    let pad = 64 - (prefix + dict.count + 1) % 64
    dict += [UInt8](repeating: 0x20, count: pad) + [0x0A]
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    out += (0..<(prefix - 8)).map { UInt8(truncatingIfNeeded: dict.count >> (8 * $0)) }
    return out + dict + data
}

func littleEndianBytes(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

// MARK: - Reading numpy's files

@Suite struct NPYReadTests {
    @Test func float32TwoDimensional() throws {
        let a = try NPY.read(path: try fixturePath("float32_2x3.npy"))
        #expect(a.shape == [2, 3])
        #expect(a.elementType == .float32)
        let t = try a.floatTensor()
        #expect(t.shape == [2, 3])
        #expect(t.array == [0.5, -1.25, 3.0, 0.001, 65504.0, -0.0])
        #expect(t[1, 2].sign == .minus)
        #expect(try a.doubleArray() == [0.5, -1.25, 3.0, Double(Float(0.001)), 65504.0, -0.0])
    }

    @Test func float32IsBorrowedFromTheMappingAndWritesStayPrivate() throws {
        let path = try fixturePath("float32_2x3.npy")
        let file = try MappedFile(path: path)
        let t = try NPY.decode(file).floatTensor()
        let base = try #require(file.bytes.baseAddress)
        #expect(UnsafeRawPointer(t.pointer) == base + 128)  // numpy's header ends at byte 128
        t[0, 0] = 99  // copy-on-write: the file must not change
        #expect(try NPY.read(path: path).floatTensor()[0, 0] == 0.5)
        #expect(try fixtureBytes("float32_2x3.npy") == NPY.encode(try NPY.read(path: path)))
    }

    @Test func float64OneDimensional() throws {
        let a = try NPY.read(path: try fixturePath("float64_5.npy"))
        #expect(a.shape == [5])
        #expect(try a.doubleArray() == [0.1, -2.5, 1e300, 3.141592653589793, -1e-300])
        // 1e300 has no float32 value: converting must say so instead of producing infinity.
        expectFormatError(.mismatch, "float64_5.npy", "element 2", "outside the float32 range") { _ = try a.floatTensor() }
        expectFormatError(.mismatch, "float64_5.npy", "holds float64", "expected int64") { _ = try a.int64Array() }
    }

    @Test func float64ConvertsToFloat32() throws {
        let a = try NumericArray(shape: [3], storage: .float64([0.1, -2.5, 1e-50]))
        #expect(try a.floatTensor().array == [Float(0.1), -2.5, 0])
    }

    @Test func int64TwoDimensional() throws {
        let a = try NPY.read(path: try fixturePath("int64_3x2.npy"))
        #expect(a.shape == [3, 2])
        #expect(try a.int64Array() == [1, -2, 9007199254740993, Int64.min, 0, Int64.max])
        expectFormatError(.mismatch, "int64_3x2.npy", "holds int64", "expected float32 or float64") { _ = try a.floatTensor() }
    }

    @Test func scalar() throws {
        let a = try NPY.read(path: try fixturePath("scalar_float32.npy"))
        #expect(a.shape == [])
        #expect(try a.floatTensor().item == 2.75)
    }

    @Test func version2() throws {
        let a = try NPY.read(path: try fixturePath("version2_float32.npy"))
        #expect(a.shape == [2, 3])
        #expect(try a.floatTensor().array == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25])
    }

    @Test func version3Int32() throws {
        let a = try NPY.read(path: try fixturePath("version3_int32.npy"))
        #expect(a.shape == [3])
        guard case .int32(let values) = a.storage else { Issue.record("expected int32, got \(a.elementType)"); return }
        #expect(values == [7, -8, 9])
        #expect(try a.int64Array() == [7, -8, 9])
    }

    @Test func uint8AndBool() throws {
        let u = try NPY.read(path: try fixturePath("uint8_3.npy"))
        #expect(u.elementType == .uint8)
        #expect(try u.int64Array() == [0, 1, 255])
        let b = try NPY.read(path: try fixturePath("bool_2x2.npy"))
        #expect(b.shape == [2, 2])
        #expect(try b.boolArray() == [true, false, false, true])
    }

    @Test func headerPaddedByAFullBlock() throws {
        let a = try NPY.read(path: try fixturePath("header_boundary_uint8.npy"))
        #expect(a.shape == [2] + [Int](repeating: 1, count: 11) + [10, 10])
        #expect(try a.int64Array() == (0..<200).map { Int64($0 % 251) })
        #expect(try fixtureBytes("header_boundary_uint8.npy").count == 192 + 200)
    }

    @Test func emptyArray() throws {
        let a = try NPY.read(path: try fixturePath("empty_0x4.npy"))
        #expect(a.shape == [0, 4])
        #expect(try a.floatTensor().count == 0)
    }

    /// The writer must produce exactly numpy's bytes, header padding included.
    @Test(arguments: ["float32_2x3.npy", "float64_5.npy", "int64_3x2.npy", "scalar_float32.npy", "uint8_3.npy",
                      "bool_2x2.npy", "empty_0x4.npy", "header_boundary_uint8.npy"])
    func encodeMatchesNumpy(name: String) throws {
        let a = try NPY.read(path: try fixturePath(name))
        #expect(NPY.encode(a) == (try fixtureBytes(name)))
    }
}

// MARK: - Rejections

@Suite struct NPYRejectionTests {
    @Test func fortranOrder() throws {
        expectFormatError(.unsupported, "fortran_order.npy", "fortran_order", "Fortran", "ascontiguousarray") {
            _ = try NPY.read(path: try fixturePath("fortran_order.npy"))
        }
    }

    @Test func fortranOrderOfRankOneHasTheSameLayoutAndIsAccepted() throws {
        let bytes = npyBytes(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", data: littleEndianBytes([1, 2]))
        #expect(try NPY.decode(bytes).floatTensor().array == [1, 2])
    }

    @Test func bigEndian() throws {
        expectFormatError(.unsupported, "big_endian.npy", "descr", "big-endian", "'>f4'", "newbyteorder") {
            _ = try NPY.read(path: try fixturePath("big_endian.npy"))
        }
    }

    @Test func float16() throws {
        expectFormatError(.unsupported, "float16.npy", "dtype '<f2' is not supported", "'<f4'", "dtype=numpy.float32") {
            _ = try NPY.read(path: try fixturePath("float16.npy"))
        }
    }

    @Test func objectArray() throws {
        expectFormatError(.unsupported, "object.npy", "object arrays", "'|O'") {
            _ = try NPY.read(path: try fixturePath("object.npy"))
        }
    }

    @Test func otherDtypes() {
        for descr in ["<c8", "<u4", "<U3", "<M8[ns]", "=f4", "<f16", "f4", ""] {
            let bytes = npyBytes(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
            expectFormatError(.unsupported, "dtype '\(descr)' is not supported") { _ = try NPY.decode(bytes, label: "x.npy") }
        }
        let structured = npyBytes(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0])
        expectFormatError(.unsupported, "structured") { _ = try NPY.decode(structured) }
    }

    @Test func badMagicAndShortFiles() {
        expectFormatError(.corrupt, "bad.npy", "not a .npy file") { _ = try NPY.decode(Array("PK\u{3}\u{4} zip, not npy".utf8), label: "bad.npy") }
        expectFormatError(.truncated, "e.npy", "too short (0 bytes)") { _ = try NPY.decode([], label: "e.npy") }
        expectFormatError(.truncated, "too short (3 bytes)") { _ = try NPY.decode([0x93, 0x4E, 0x55]) }
        expectFormatError(.truncated, "too short (7 bytes)") { _ = try NPY.decode([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1]) }
        expectFormatError(.truncated, "header length") { _ = try NPY.decode([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 2, 0, 1, 0]) }
        expectFormatError(.corrupt, "not a .npy file") { _ = try NPY.decode([0x00]) }
    }

    @Test func unsupportedVersion() {
        var bytes = npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: littleEndianBytes([1]))
        bytes[6] = 4
        expectFormatError(.unsupported, "format version 4.0") { _ = try NPY.decode(bytes) }
        bytes[6] = 1
        bytes[7] = 1
        expectFormatError(.unsupported, "format version 1.1") { _ = try NPY.decode(bytes) }
    }

    @Test func headerLengthBeyondTheFile() {
        var bytes = npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: littleEndianBytes([1]))
        bytes[8] = 0xFF
        bytes[9] = 0xFF
        expectFormatError(.truncated, "announces 65535 bytes") { _ = try NPY.decode(bytes) }
    }

    @Test func headerNotADictionary() {
        expectFormatError(.corrupt, "header is not a dictionary") { _ = try NPY.decode(npyBytes(header: "[1, 2, 3]")) }
        expectFormatError(.corrupt, "header is not a dictionary") { _ = try NPY.decode(npyBytes(header: "'descr'")) }
        expectFormatError(.corrupt, "not a Python literal") { _ = try NPY.decode(npyBytes(header: "{'descr': <f4}")) }
        expectFormatError(.corrupt, "not a Python literal") { _ = try NPY.decode(npyBytes(header: "{'descr': '<f4'")) }
        expectFormatError(.corrupt, "not a Python literal") { _ = try NPY.decode(npyBytes(header: "{'descr': '<f4'} trailing")) }
        expectFormatError(.corrupt, "not a Python literal") { _ = try NPY.decode(npyBytes(header: "")) }
        expectFormatError(.corrupt, "not a Python literal") { _ = try NPY.decode(npyBytes(header: "{1: 2}")) }
        expectFormatError(.corrupt, "nested deeper") {
            _ = try NPY.decode(npyBytes(header: String(repeating: "(", count: 5000) + String(repeating: ")", count: 5000)))
        }
    }

    @Test func wrongKeys() {
        expectFormatError(.corrupt, "missing 'shape'") {
            _ = try NPY.decode(npyBytes(header: "{'descr': '<f4', 'fortran_order': False}"))
        }
        expectFormatError(.corrupt, "unexpected 'extra'") {
            _ = try NPY.decode(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}"))
        }
        expectFormatError(.corrupt, "field 'shape'", "appears twice") {
            _ = try NPY.decode(npyBytes(header: "{'shape': (), 'descr': '<f4', 'fortran_order': False, 'shape': ()}"))
        }
    }

    @Test func badValues() {
        let data = littleEndianBytes([1, 2, 3, 4, 5, 6])
        func decode(_ header: String) throws { _ = try NPY.decode(npyBytes(header: header, data: data), label: "v.npy") }
        expectFormatError(.corrupt, "v.npy", "field 'shape'", "negative dimension -2") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }")
        }
        expectFormatError(.corrupt, "field 'shape'", "more elements than fit") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")
        }
        expectFormatError(.corrupt, "field 'shape'", "too large for float32") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }")
        }
        expectFormatError(.corrupt, "does not fit in 64 bits") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }")
        }
        expectFormatError(.corrupt, "field 'shape'", "tuple of integers") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }")
        }
        expectFormatError(.corrupt, "field 'shape'", "tuple of integers") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }")  // Python: the integer 6
        }
        expectFormatError(.corrupt, "field 'shape'", "tuple of integers") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': ('2', 3), }")
        }
        expectFormatError(.corrupt, "only integers") {
            try decode("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }")
        }
        expectFormatError(.corrupt, "field 'fortran_order'", "True or False") {
            try decode("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }")
        }
        expectFormatError(.corrupt, "field 'descr'", "dtype string") {
            try decode("{'descr': 4, 'fortran_order': False, 'shape': (2, 3), }")
        }
    }

    @Test func headerSyntaxNumpyAccepts() throws {
        let data = littleEndianBytes([1, 2, 3, 4, 5, 6])
        // Keys in any order, double quotes, Python 2 long suffixes, no trailing comma, extra whitespace.
        for header in ["{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
                       "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L, 3L)}",
                       "{ 'descr' : '<f4' ,\t'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }"] {
            let a = try NPY.decode(npyBytes(header: header, data: data))
            #expect(a.shape == [2, 3])
            #expect(try a.floatTensor().array == [1, 2, 3, 4, 5, 6])
        }
        let v2 = try NPY.decode(npyBytes(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", data: data, version: 2))
        #expect(v2.shape == [6])
    }

    @Test func truncatedAndTrailingData() throws {
        let full = try fixtureBytes("float32_2x3.npy")
        expectFormatError(.truncated, "t.npy", "data is truncated", "needs 24 bytes", "has 23") {
            _ = try NPY.decode(Array(full.dropLast()), label: "t.npy")
        }
        expectFormatError(.corrupt, "1 unexpected bytes after the array data") { _ = try NPY.decode(full + [0]) }
        // Every proper prefix must be refused with an error, never a crash.
        for n in 0..<full.count {
            #expect(throws: FormatError.self) { _ = try NPY.decode(Array(full.prefix(n))) }
        }
    }

    @Test func invalidBoolBytes() {
        let bytes = npyBytes(header: "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", data: [1, 2, 0])
        expectFormatError(.corrupt, "bool element 1 has byte value 2") { _ = try NPY.decode(bytes) }
    }

    /// Every single-byte corruption of every fixture either decodes or throws; none traps.
    @Test func singleByteCorruptionsNeverTrap() throws {
        for name in ["float32_2x3.npy", "int64_3x2.npy", "scalar_float32.npy", "version2_float32.npy", "bool_2x2.npy"] {
            let original = try fixtureBytes(name)
            for i in 0..<original.count {
                for value: UInt8 in [0x00, 0x20, 0x28, 0x29, 0x2C, 0x2D, 0x39, 0x7F, 0xFF] where value != original[i] {
                    var bytes = original
                    bytes[i] = value
                    _ = try? NPY.decode(bytes)
                }
            }
        }
    }
}

// MARK: - Writing

@Suite struct NPYWriteTests {
    @Test func roundTripEveryElementType() throws {
        let dir = try TemporaryDirectory()
        let arrays: [NumericArray] = [
            NumericArray(Tensor(shape: [2, 2], data: [1.5, -0, .infinity, -3e-38])),
            NumericArray(Tensor.scalar(7)),
            try NumericArray(shape: [3, 1], storage: .float64([0.1, -1e300, .greatestFiniteMagnitude])),
            try NumericArray(shape: [2], storage: .int64([Int64.min, Int64.max])),
            try NumericArray(shape: [1, 3], storage: .int32([Int32.min, 0, Int32.max])),
            try NumericArray(shape: [4], storage: .uint8([0, 1, 128, 255])),
            try NumericArray(shape: [2, 1], storage: .bool([true, false])),
            try NumericArray(shape: [0, 3], storage: .float64([])),
        ]
        for (i, a) in arrays.enumerated() {
            let path = dir.file("a\(i).npy")
            try NPY.write(a, to: path)
            let b = try NPY.read(path: path)
            #expect(b.shape == a.shape)
            #expect(b.elementType == a.elementType)
            switch (a.storage, b.storage) {
            case (.float32(let x), .float32(let y)): #expect(x.array.map(\.bitPattern) == y.array.map(\.bitPattern))
            case (.float64(let x), .float64(let y)): #expect(x == y)
            case (.int64(let x), .int64(let y)): #expect(x == y)
            case (.int32(let x), .int32(let y)): #expect(x == y)
            case (.uint8(let x), .uint8(let y)): #expect(x == y)
            case (.bool(let x), .bool(let y)): #expect(x == y)
            default: Issue.record("element type changed: \(a.elementType) → \(b.elementType)")
            }
            #expect(NPY.encode(b) == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        #expect(dir.contents == (0..<arrays.count).map { "a\($0).npy" }.sorted())
    }

    @Test func convenienceWriters() throws {
        let dir = try TemporaryDirectory()
        try NPY.write(Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), to: dir.file("t.npy"))
        #expect(try NPY.read(path: dir.file("t.npy")).floatTensor().array == [1, 2, 3, 4, 5, 6])
        try NPY.write([1.5, 2.5], shape: [2, 1], to: dir.file("d.npy"))
        #expect(try NPY.read(path: dir.file("d.npy")).shape == [2, 1])
        try NPY.write([Int64(-1), 5, 9], shape: [3], to: dir.file("i.npy"))
        #expect(try NPY.read(path: dir.file("i.npy")).int64Array() == [-1, 5, 9])
        expectFormatError(.mismatch, "bad.npy", "3 elements given for shape [2, 2]") {
            try NPY.write([Int64(1), 2, 3], shape: [2, 2], to: dir.file("bad.npy"))
        }
        expectFormatError(.mismatch, "invalid shape [-1]") { try NPY.write([1.0], shape: [-1], to: dir.file("bad.npy")) }
        #expect(!FileManager.default.fileExists(atPath: dir.file("bad.npy")))
    }

    @Test func headersTooLongForVersion1UseVersion2() throws {
        let a = try NumericArray(shape: [Int](repeating: 1, count: 30_000), storage: .uint8([42]))
        let bytes = NPY.encode(a)
        #expect(bytes[6] == 2)
        #expect((bytes.count - 1) % 64 == 0)
        let b = try NPY.decode(bytes)
        #expect(b.shape == a.shape)
        #expect(try b.int64Array() == [42])
    }
}

// MARK: - Mapped files

@Suite struct MappedFileTests {
    @Test func emptyFile() throws {
        let dir = try TemporaryDirectory()
        try writeAtomically([UInt8](), to: dir.file("empty"))
        let file = try MappedFile(path: dir.file("empty"))
        #expect(file.count == 0)
        #expect(file.bytes.isEmpty)
        expectFormatError(.truncated, "empty", "too short (0 bytes)") { _ = try NPY.decode(file) }
    }

    @Test func missingFileAndDirectory() throws {
        let dir = try TemporaryDirectory()
        expectFormatError(.io, dir.file("nope.npy"), "cannot open", "No such file or directory") {
            _ = try MappedFile(path: dir.file("nope.npy"))
        }
        expectFormatError(.io, dir.path, "a directory") { _ = try MappedFile(path: dir.path) }
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        expectFormatError(.io, dir.file("fifo"), "not a regular file") { _ = try MappedFile(path: dir.file("fifo")) }
    }

    @Test func borrowedTensorOutlivesTheReaderObjects() throws {
        let dir = try TemporaryDirectory()
        try NPY.write(Tensor(shape: [3], data: [4, 5, 6]), to: dir.file("x.npy"))
        let t = try NPY.read(path: dir.file("x.npy")).floatTensor()
        // Replace the file: the old mapping stays valid, the tensor keeps the old values.
        try NPY.write(Tensor(shape: [3], data: [7, 8, 9]), to: dir.file("x.npy"))
        #expect(t.array == [4, 5, 6])
        #expect(try NPY.read(path: dir.file("x.npy")).floatTensor().array == [7, 8, 9])
    }
}
