// NumPy `.npy` files, and the typed array value shared with the safetensors reader.
//
// `.npy` is how embeddings, labels and reference outputs travel between the Python reference code and this project.
// The reader takes any file numpy writes for the supported element types (format versions 1.0, 2.0, 3.0) and turns
// everything else into a `FormatError` that says what is wrong and how to re-save the file; it never traps, whatever
// the bytes. The writer produces byte-for-byte what `numpy.save` produces (version 1.0 unless the header is too long,
// header padded so the data starts at a multiple of 64 bytes), written atomically.
//
// Supported element types (descr in the header):
//   '<f4' float32 (zero-copy from the mapping when aligned), '<f8' float64, '<i4' int32, '<i8' int64,
//   '|u1' uint8, '|b1' bool (bytes must be 0 or 1).
// Not supported: big-endian data, Fortran order (except rank ≤ 1, whose layout is the same), structured or object
// arrays, and every other type (float16, complex, unsigned wider than 8 bits, strings, datetimes, …).
// A file must hold exactly one array: bytes after the data are an error (numpy ignores them silently).

import Foundation

// MARK: - Element types and arrays

/// The element types the readers and writers handle.
public enum ElementType: String, Sendable, Equatable, CaseIterable {
    case float32, float64, int32, int64, uint8, bool

    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .uint8, .bool: 1
        }
    }

    /// The numpy descriptor written in `.npy` headers.
    public var npyDescriptor: String {
        switch self {
        case .float32: "<f4"
        case .float64: "<f8"
        case .int32: "<i4"
        case .int64: "<i8"
        case .uint8: "|u1"
        case .bool: "|b1"
        }
    }
}

/// A dense row-major array read from (or to be written to) a file: a shape plus typed elements.
/// Float32 data is a `Tensor`, so it can borrow a memory map; the other types are Swift arrays.
public struct NumericArray: Sendable {
    public enum Storage: Sendable {
        case float32(Tensor)
        case float64([Double])
        case int32([Int32])
        case int64([Int64])
        case uint8([UInt8])
        case bool([Bool])
    }

    public let shape: [Int]
    public let storage: Storage
    /// Where the array came from (file path), used in error messages of the accessors.
    public let origin: String
    /// The record inside `origin` (a safetensors tensor name), if any.
    public let record: String?

    /// Checks that the element count matches `shape`; a float32 tensor is viewed under `shape`.
    public init(shape: [Int], storage: Storage, origin: String = "<memory>", record: String? = nil) throws {
        guard let n = Tensor.checkedElementCount(shape) else {
            throw FormatError(.mismatch, path: origin, record: record, field: "shape", "invalid shape \(describe(shape))")
        }
        let have = storage.count
        guard have == n else {
            throw FormatError(.mismatch, path: origin, record: record, field: "shape",
                              "\(have) elements given for shape \(describe(shape)) (\(n) elements)")
        }
        if case .float32(let t) = storage, t.shape != shape {
            self.init(unchecked: shape, .float32(t.reshaped(shape)), origin: origin, record: record)
        } else {
            self.init(unchecked: shape, storage, origin: origin, record: record)
        }
    }

    /// For readers that have already validated the count.
    init(unchecked shape: [Int], _ storage: Storage, origin: String, record: String?) {
        self.shape = shape
        self.storage = storage
        self.origin = origin
        self.record = record
    }

    /// A float32 array with the tensor's shape (shares the tensor's buffer).
    public init(_ tensor: Tensor) {
        self.init(unchecked: tensor.shape, .float32(tensor), origin: "<memory>", record: nil)
    }

    public var elementType: ElementType { storage.elementType }
    public var count: Int { storage.count }

    /// The elements as a float32 tensor of this shape: float32 data as is (possibly a view into a memory map; call
    /// `copy()` to detach it), float64 rounded to nearest. Integer and bool arrays are refused rather than silently
    /// converted, because asking for floats from labels is usually a mistake.
    public func floatTensor() throws -> Tensor {
        switch storage {
        case .float32(let t):
            return t
        case .float64(let values):
            let t = Tensor(uninitialized: shape)
            let p = t.pointer
            for (i, v) in values.enumerated() {
                let f = Float(v)
                if v.isFinite && !f.isFinite {
                    throw FormatError(.mismatch, path: origin, record: record,
                                      "element \(i) (\(v)) of a float64 array is outside the float32 range")
                }
                p[i] = f
            }
            return t
        default:
            throw typeError(wanted: "float32 or float64")
        }
    }

    /// The elements as Double: float64 as is, float32 widened exactly.
    public func doubleArray() throws -> [Double] {
        switch storage {
        case .float64(let values): return values
        case .float32(let t): return t.withUnsafeBufferPointer { $0.map(Double.init) }
        default: throw typeError(wanted: "float32 or float64")
        }
    }

    /// The elements as Int64: int64 as is, int32 and uint8 widened.
    public func int64Array() throws -> [Int64] {
        switch storage {
        case .int64(let values): return values
        case .int32(let values): return values.map(Int64.init)
        case .uint8(let values): return values.map(Int64.init)
        default: throw typeError(wanted: "int64, int32 or uint8")
        }
    }

    public func boolArray() throws -> [Bool] {
        guard case .bool(let values) = storage else { throw typeError(wanted: "bool") }
        return values
    }

    private func typeError(wanted: String) -> FormatError {
        FormatError(.mismatch, path: origin, record: record, field: "dtype",
                    "holds \(elementType.rawValue) elements, expected \(wanted)",
                    hint: "convert in Python, e.g. numpy.asarray(x, dtype=numpy.float32)")
    }
}

/// The name under which the brief and the Python side know this type.
public typealias NPYArray = NumericArray

extension NumericArray.Storage {
    public var elementType: ElementType {
        switch self {
        case .float32: .float32
        case .float64: .float64
        case .int32: .int32
        case .int64: .int64
        case .uint8: .uint8
        case .bool: .bool
        }
    }

    public var count: Int {
        switch self {
        case .float32(let t): t.count
        case .float64(let v): v.count
        case .int32(let v): v.count
        case .int64(let v): v.count
        case .uint8(let v): v.count
        case .bool(let v): v.count
        }
    }

    /// Passes the elements to `body` as little-endian bytes (the layout of every supported file format).
    func withLittleEndianBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        #if _endian(little)
        switch self {
        case .float32(let t): return try body(UnsafeRawBufferPointer(start: t.pointer, count: t.count * 4))
        case .float64(let v): return try v.withUnsafeBytes(body)
        case .int32(let v): return try v.withUnsafeBytes(body)
        case .int64(let v): return try v.withUnsafeBytes(body)
        case .uint8(let v): return try v.withUnsafeBytes(body)
        case .bool(let v): return try v.map { $0 ? UInt8(1) : 0 }.withUnsafeBytes(body)
        }
        #else
        switch self {
        case .float32(let t): return try t.array.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        case .float64(let v): return try v.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        case .int32(let v): return try v.map { $0.littleEndian }.withUnsafeBytes(body)
        case .int64(let v): return try v.map { $0.littleEndian }.withUnsafeBytes(body)
        case .uint8(let v): return try v.withUnsafeBytes(body)
        case .bool(let v): return try v.map { $0 ? UInt8(1) : 0 }.withUnsafeBytes(body)
        }
        #endif
    }
}

// MARK: - Decoding raw little-endian element data (shared with the safetensors reader)

/// Decodes `count` elements of `type` stored little-endian at `offset` in `file`. The caller has checked that the
/// byte range lies inside the file. Float32 data borrows the mapping when it is aligned; everything else is copied.
func decodeElements(_ type: ElementType, shape: [Int], count: Int, in file: MappedFile, at offset: Int,
                    record: String?) throws -> NumericArray.Storage {
    let bytes = file.bytes
    switch type {
    case .float32:
        if count == 0 { return .float32(Tensor(zeros: shape)) }
        #if _endian(little)
        if let p = file.pointer(to: Float.self, at: offset, count: count) {
            return .float32(Tensor(shape: shape, storage: TensorStorage(borrowing: p, count: count, owner: file)))
        }
        #endif
        let t = Tensor(uninitialized: shape)
        let p = t.pointer
        for i in 0..<count { p[i] = Float(bitPattern: bytes.littleEndian(UInt32.self, at: offset + 4 * i)) }
        return .float32(t)
    case .float64:
        #if _endian(little)
        return .float64(copyElements(bytes, at: offset, count: count))
        #else
        return .float64((0..<count).map { Double(bitPattern: bytes.littleEndian(UInt64.self, at: offset + 8 * $0)) })
        #endif
    case .int32:
        #if _endian(little)
        return .int32(copyElements(bytes, at: offset, count: count))
        #else
        return .int32((0..<count).map { bytes.littleEndian(Int32.self, at: offset + 4 * $0) })
        #endif
    case .int64:
        #if _endian(little)
        return .int64(copyElements(bytes, at: offset, count: count))
        #else
        return .int64((0..<count).map { bytes.littleEndian(Int64.self, at: offset + 8 * $0) })
        #endif
    case .uint8:
        return .uint8(Array(bytes[offset..<(offset + count)]))
    case .bool:
        var values = [Bool]()
        values.reserveCapacity(count)
        for i in 0..<count {
            let b = bytes[offset + i]
            guard b <= 1 else {
                throw FormatError(.corrupt, path: file.path, record: record,
                                  "bool element \(i) has byte value \(b); only 0 and 1 are valid")
            }
            values.append(b == 1)
        }
        return .bool(values)
    }
}

/// A byte copy of `count` host-order elements (any alignment); the caller has checked the range.
private func copyElements<T: BitwiseCopyable>(_ bytes: UnsafeRawBufferPointer, at offset: Int, count: Int) -> [T] {
    guard count > 0, let base = bytes.baseAddress else { return [] }
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        guard let destination = buffer.baseAddress else { return }
        UnsafeMutableRawPointer(destination).copyMemory(from: base + offset, byteCount: count * MemoryLayout<T>.stride)
        initialized = count
    }
}

// MARK: - NPY

public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    static let alignment = 64
    /// numpy ≥ 2 pads the header so the first dimension can grow in place to this many digits; copied for identical files.
    static let growthAxisMaxDigits = 21
    static let saveHint = "save with numpy.save(path, numpy.ascontiguousarray(x, dtype=numpy.float32)) "
        + "(or dtype float64, int64, int32, uint8, bool)"

    // MARK: Reading

    /// Reads the array in the `.npy` file at `path`, mapping the file rather than reading it.
    public static func read(path: String) throws -> NumericArray {
        try decode(MappedFile(path: path))
    }

    /// Decodes `.npy` bytes held in memory; `label` stands for the file name in error messages.
    public static func decode(_ bytes: [UInt8], label: String = "<memory>") throws -> NumericArray {
        try decode(MappedFile(copying: bytes, label: label))
    }

    /// Decodes a whole mapped `.npy` file; a float32 result may borrow `file`.
    public static func decode(_ file: MappedFile) throws -> NumericArray {
        let path = file.path
        let bytes = file.bytes
        func fail(_ kind: FormatError.Kind, field: String? = nil, _ problem: String, hint: String? = nil) -> FormatError {
            FormatError(kind, path: path, field: field, problem, hint: hint)
        }

        // Magic and version.
        let head = Array(bytes.prefix(magic.count))
        guard head == magic else {
            if head.count < magic.count && head == Array(magic.prefix(head.count)) {
                throw fail(.truncated, "file too short (\(bytes.count) bytes) to be a .npy file")
            }
            throw fail(.corrupt, "not a .npy file: the first bytes are not \\x93NUMPY",
                       hint: "write the file with numpy.save, not tofile or pickle")
        }
        guard bytes.count >= 8 else { throw fail(.truncated, "file too short (\(bytes.count) bytes) to be a .npy file") }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0), (3, 0): lengthSize = 4
        default:
            throw fail(.unsupported, "format version \(major).\(minor) is not supported (only 1.0, 2.0 and 3.0)",
                       hint: "save with numpy.save, which writes version 1.0 unless the header needs more")
        }
        let prefixSize = 8 + lengthSize
        guard bytes.count >= prefixSize else {
            throw fail(.truncated, "file too short (\(bytes.count) bytes) to hold the header length")
        }
        let headerLength = lengthSize == 2 ? Int(bytes.littleEndian(UInt16.self, at: 8))
                                           : Int(bytes.littleEndian(UInt32.self, at: 8))
        guard headerLength <= bytes.count - prefixSize else {
            throw fail(.truncated, "the header length field announces \(headerLength) bytes but only "
                       + "\(bytes.count - prefixSize) follow")
        }
        let dataOffset = prefixSize + headerLength

        // Header dictionary.
        let headerBytes = Array(bytes[prefixSize..<dataOffset])
        var parser = PythonLiteralParser(bytes: headerBytes, utf8: major == 3)
        let value: PythonLiteral
        do {
            value = try parser.parseHeader()
        } catch let error as PythonLiteralParser.ParseError {
            throw fail(.corrupt, "header is not a Python literal (\(error.message)): \(quoteHeader(headerBytes))",
                       hint: "write the file with numpy.save")
        }
        guard case .dict(let entries) = value else {
            throw fail(.corrupt, "header is not a dictionary: \(quoteHeader(headerBytes))")
        }
        var dict = [String: PythonLiteral]()
        for (key, v) in entries {
            guard dict.updateValue(v, forKey: key) == nil else { throw fail(.corrupt, field: key, "key appears twice in the header") }
        }
        let expected: Set = ["descr", "fortran_order", "shape"]
        guard Set(dict.keys) == expected else {
            let missing = expected.subtracting(dict.keys).sorted(), extra = Set(dict.keys).subtracting(expected).sorted()
            var parts = [String]()
            if !missing.isEmpty { parts.append("missing " + missing.map { "'\($0)'" }.joined(separator: ", ")) }
            if !extra.isEmpty { parts.append("unexpected " + extra.map { "'\($0)'" }.joined(separator: ", ")) }
            throw fail(.corrupt, "header keys must be 'descr', 'fortran_order' and 'shape': " + parts.joined(separator: "; "))
        }

        // shape
        guard case .tuple(let dims)? = dict["shape"] else {
            throw fail(.corrupt, field: "shape", "must be a tuple of integers, found \(dict["shape"].map(repr) ?? "nothing")")
        }
        var shape = [Int]()
        for d in dims {
            guard case .int(let n) = d else {
                throw fail(.corrupt, field: "shape", "must be a tuple of integers, found \(repr(.tuple(dims)))")
            }
            guard n >= 0 else { throw fail(.corrupt, field: "shape", "negative dimension \(n) in \(repr(.tuple(dims)))") }
            shape.append(n)
        }
        guard let count = Tensor.checkedElementCount(shape) else {
            throw fail(.corrupt, field: "shape", "\(repr(.tuple(dims))) has more elements than fit in memory")
        }

        // fortran_order
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw fail(.corrupt, field: "fortran_order", "must be True or False, found \(dict["fortran_order"].map(repr) ?? "nothing")")
        }
        if fortran && shape.count > 1 {
            throw fail(.unsupported, field: "fortran_order", "Fortran (column-major) order is not supported",
                       hint: "save numpy.ascontiguousarray(x) instead of x")
        }

        // descr
        let type = try elementType(dict["descr"], path: path)

        // data
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow else { throw fail(.corrupt, field: "shape", "\(repr(.tuple(dims))) is too large for \(type.rawValue) data") }
        let available = bytes.count - dataOffset
        guard byteCount <= available else {
            throw fail(.truncated, "the data is truncated: shape \(describe(shape)) of \(type.rawValue) needs \(byteCount) "
                       + "bytes after the header, the file has \(available)")
        }
        guard byteCount == available else {
            throw fail(.corrupt, "\(available - byteCount) unexpected bytes after the array data",
                       hint: "the file may hold several arrays written one after another; save each to its own file")
        }
        let storage = try decodeElements(type, shape: shape, count: count, in: file, at: dataOffset, record: nil)
        return NumericArray(unchecked: shape, storage, origin: path, record: nil)
    }

    private static func elementType(_ descr: PythonLiteral?, path: String) throws -> ElementType {
        guard case .string(let d)? = descr else {
            if case .list? = descr {
                throw FormatError(.unsupported, path: path, field: "descr", "structured (record) arrays are not supported",
                                  hint: "save each field as its own array")
            }
            throw FormatError(.corrupt, path: path, field: "descr",
                              "must be a dtype string such as '<f4', found \(descr.map(repr) ?? "nothing")")
        }
        if let t = ElementType.allCases.first(where: { $0.npyDescriptor == d }) { return t }
        // Single-byte types have no byte order; numpy writes '|' but accept any order character.
        if d.count == 3, let order = d.first, "<>=|".contains(order) {
            let body = d.dropFirst()
            if body == "u1" { return .uint8 }
            if body == "b1" { return .bool }
        }
        let supported = ElementType.allCases.map { "'\($0.npyDescriptor)'" }.joined(separator: ", ")
        if d.hasPrefix(">") {
            throw FormatError(.unsupported, path: path, field: "descr",
                              "big-endian data ('\(d)') is not supported; supported dtypes: \(supported)",
                              hint: "convert with x.astype(x.dtype.newbyteorder('<')) before saving")
        }
        if d == "|O" || d.hasSuffix("O") || d.hasSuffix("O8") {
            throw FormatError(.unsupported, path: path, field: "descr",
                              "object arrays ('\(d)', pickled Python objects) cannot be read; supported dtypes: \(supported)",
                              hint: saveHint)
        }
        throw FormatError(.unsupported, path: path, field: "descr",
                          "dtype '\(d)' is not supported; supported dtypes: \(supported)", hint: saveHint)
    }

    /// The header text for messages: printable ASCII kept, the rest escaped, long headers shortened.
    private static func quoteHeader(_ bytes: [UInt8]) -> String {
        var s = ""
        for b in bytes.prefix(200) {
            switch b {
            case 0x20...0x7E: s.unicodeScalars.append(Unicode.Scalar(b))
            case 0x0A: s += "\\n"
            default: s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
            }
        }
        return "'" + s + (bytes.count > 200 ? "…" : "") + "'"
    }

    private static func repr(_ v: PythonLiteral) -> String { v.pythonRepr }

    // MARK: Writing

    /// The file contents `numpy.save` would produce for `array`.
    public static func encode(_ array: NumericArray) -> [UInt8] {
        var out = header(for: array)
        array.storage.withLittleEndianBytes { out.append(contentsOf: $0) }
        return out
    }

    /// Writes `array` to `path` atomically (see `writeAtomically`).
    public static func write(_ array: NumericArray, to path: String) throws {
        let header = header(for: array)
        try writeAtomically(to: path) { sink in
            try sink.write(header)
            try array.storage.withLittleEndianBytes { try sink.write($0) }
        }
    }

    public static func write(_ tensor: Tensor, to path: String) throws {
        try write(NumericArray(tensor), to: path)
    }

    /// Throws `FormatError` (kind `.mismatch`) when `values.count` does not match `shape`.
    public static func write(_ values: [Double], shape: [Int], to path: String) throws {
        try write(NumericArray(shape: shape, storage: .float64(values), origin: path), to: path)
    }

    public static func write(_ values: [Int64], shape: [Int], to path: String) throws {
        try write(NumericArray(shape: shape, storage: .int64(values), origin: path), to: path)
    }

    /// Magic, version, header length and the padded header dictionary, exactly as numpy ≥ 2 writes them.
    static func header(for array: NumericArray) -> [UInt8] {
        let shape = array.shape
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(array.elementType.npyDescriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = shape.first {
            text += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count))
        }
        let dict = Array(text.utf8)
        let length = dict.count + 1  // with the final newline
        var version: UInt8 = 1, prefix = 10
        var pad = alignment - (prefix + length) % alignment
        if length + pad > Int(UInt16.max) {
            version = 2
            prefix = 12
            pad = alignment - (prefix + length) % alignment
        }
        var out = magic + [version, 0]
        let total = length + pad
        if version == 1 {
            out += [UInt8(total & 0xFF), UInt8(total >> 8)]
        } else {
            out += (0..<4).map { UInt8(truncatingIfNeeded: total >> (8 * $0)) }
        }
        out += dict
        out += [UInt8](repeating: 0x20, count: pad)
        out.append(0x0A)
        return out
    }
}

// MARK: - Python literals (the .npy header)

/// The values a `.npy` header dictionary can hold.
indirect enum PythonLiteral {
    case dict([(String, PythonLiteral)])
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case string(String)
    case int(Int)
    case bool(Bool)
    case none

    var pythonRepr: String {
        switch self {
        case .dict(let e): "{" + e.map { "'\($0.0)': \($0.1.pythonRepr)" }.joined(separator: ", ") + "}"
        case .tuple(let v): v.count == 1 ? "(\(v[0].pythonRepr),)" : "(" + v.map(\.pythonRepr).joined(separator: ", ") + ")"
        case .list(let v): "[" + v.map(\.pythonRepr).joined(separator: ", ") + "]"
        case .string(let s): "'\(s)'"
        case .int(let n): String(n)
        case .bool(let b): b ? "True" : "False"
        case .none: "None"
        }
    }
}

/// A recursive-descent parser for the subset of Python literal syntax that `.npy` headers use (what numpy's
/// `ast.literal_eval` would accept there): dicts, tuples, lists, quoted strings, integers (with Python 2's `L`
/// suffix), True, False, None. Nesting depth is bounded so hostile headers cannot exhaust the stack.
struct PythonLiteralParser {
    struct ParseError: Error { let message: String }

    let bytes: [UInt8]
    /// Version 3.0 headers are UTF-8; earlier versions are Latin-1.
    let utf8: Bool
    var position = 0
    static let maxDepth = 32

    init(bytes: [UInt8], utf8: Bool) {
        self.bytes = bytes
        self.utf8 = utf8
    }

    /// One literal followed only by whitespace (numpy pads with spaces and a newline).
    mutating func parseHeader() throws -> PythonLiteral {
        let v = try parseValue(depth: 0)
        skipWhitespace()
        guard position == bytes.count else { throw error("unexpected \(current) after the literal") }
        return v
    }

    private var current: String {
        guard position < bytes.count else { return "end of header" }
        let b = bytes[position]
        let shown = (0x21...0x7E).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
        return "'\(shown)' at offset \(position)"
    }

    private func error(_ message: String) -> ParseError { ParseError(message: message) }

    private mutating func skipWhitespace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B].contains(bytes[position]) { position += 1 }
    }

    private mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    private mutating func parseValue(depth: Int) throws -> PythonLiteral {
        guard depth < Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        guard let c = peek() else { throw error("unexpected end of header") }
        switch c {
        case UInt8(ascii: "{"):
            position += 1
            var entries = [(String, PythonLiteral)]()
            while true {
                guard let c = peek() else { throw error("unterminated dictionary") }
                if c == UInt8(ascii: "}") { position += 1; return .dict(entries) }
                guard case .string(let key) = try parseValue(depth: depth + 1) else {
                    throw error("dictionary keys must be strings")
                }
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':' but found \(current)") }
                position += 1
                entries.append((key, try parseValue(depth: depth + 1)))
                guard let next = peek() else { throw error("unterminated dictionary") }
                if next == UInt8(ascii: ",") { position += 1 } else if next != UInt8(ascii: "}") {
                    throw error("expected ',' or '}' but found \(current)")
                }
            }
        case UInt8(ascii: "("), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
            position += 1
            var items = [PythonLiteral]()
            var sawComma = false
            while true {
                guard let c = peek() else { throw error("unterminated \(close == UInt8(ascii: ")") ? "tuple" : "list")") }
                if c == close { position += 1; break }
                items.append(try parseValue(depth: depth + 1))
                guard let next = peek() else { throw error("unterminated sequence") }
                if next == UInt8(ascii: ",") { position += 1; sawComma = true } else if next != close {
                    throw error("expected ',' or '\(UnicodeScalar(close))' but found \(current)")
                }
            }
            if close == UInt8(ascii: "]") { return .list(items) }
            // As in Python, "(5)" is the integer 5, not a tuple.
            if items.count == 1 && !sawComma { return items[0] }
            return .tuple(items)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .int(try parseInt())
        default:
            for (word, value) in [("True", PythonLiteral.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word.utf8)
                if bytes.count - position >= w.count && Array(bytes[position..<(position + w.count)]) == w {
                    let end = position + w.count
                    if end < bytes.count, isIdentifierByte(bytes[end]) { break }
                    position = end
                    return value
                }
            }
            throw error("unexpected \(current)")
        }
    }

    private func isIdentifierByte(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_")
    }

    private mutating func parseInt() throws -> Int {
        var negative = false
        if bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") {
            negative = bytes[position] == UInt8(ascii: "-")
            position += 1
        }
        let start = position
        var value = 0
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            let digit = Int(bytes[position] - UInt8(ascii: "0"))
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
            guard !o1 && !o2 else { throw error("integer at offset \(start) does not fit in 64 bits") }
            value = s
            position += 1
        }
        guard position > start else { throw error("expected digits at offset \(start)") }
        if position < bytes.count, bytes[position] == UInt8(ascii: "L") || bytes[position] == UInt8(ascii: "l") {
            position += 1  // Python 2 long suffix, written by numpy under Python 2
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") || isIdentifierByte(bytes[position]) {
            throw error("only integers are allowed, found \(current)")
        }
        return value
    }

    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        let start = position
        position += 1
        var raw = [UInt8]()
        while true {
            guard position < bytes.count else { throw error("unterminated string starting at offset \(start)") }
            let b = bytes[position]
            position += 1
            if b == quote { break }
            if b == 0x0A { throw error("line break inside the string starting at offset \(start)") }
            if b == UInt8(ascii: "\\") {
                guard position < bytes.count else { throw error("unterminated string starting at offset \(start)") }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "n"): raw.append(0x0A)
                case UInt8(ascii: "t"): raw.append(0x09)
                case UInt8(ascii: "r"): raw.append(0x0D)
                case UInt8(ascii: "0"): raw.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): raw.append(e)
                default: raw += [UInt8(ascii: "\\"), e]  // Python keeps unknown escapes verbatim
                }
            } else {
                raw.append(b)
            }
        }
        if utf8 {
            guard let s = String(bytes: raw, encoding: .utf8) else {
                throw error("string starting at offset \(start) is not valid UTF-8")
            }
            return s
        }
        var s = ""
        s.unicodeScalars.append(contentsOf: raw.map { Unicode.Scalar($0) })  // Latin-1
        return s
    }
}
