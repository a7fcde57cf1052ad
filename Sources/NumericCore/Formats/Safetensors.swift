// The safetensors format: `[u64 little-endian N][N bytes of JSON header][raw little-endian tensor data]`.
//
// Checkpoints are exchanged with the PyTorch reference code in this format because, unlike pickle, reading it
// cannot run code, and it can be memory-mapped. The header maps each tensor name to
// `{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}` (offsets relative to the data section) and may hold
// `"__metadata__": {string: string}`.
//
// Reading validates what the reference implementation (the Rust `safetensors` crate) validates, so that a file
// accepted here also loads in Python: the tensors must tile the data section exactly (no gaps, no overlaps, no
// trailing bytes), each tensor's byte span must equal its element count times its element size, and the header must
// be a JSON object. Supported dtypes: F32 (zero-copy from the mapping when aligned), F64, I64, I32, U8, BOOL, and
// F16 / BF16, which are converted to float32 tensors on reading (exactly: both are subsets of float32).
//
// Writing is deterministic: tensors are stable-sorted by element size, largest first, and otherwise kept in the order
// given (a `ParameterStore` is written in table order). Sorting by size keeps every tensor aligned to its element
// size, since the format forbids padding between tensors; the Python library sorts by alignment and then by name,
// but readers accept any order. Metadata keys are written sorted; the header is padded with spaces to a multiple of
// 8 bytes, as the Python library does.

import Foundation

/// Element types of safetensors files that this module reads.
public enum SafetensorsDType: String, Sendable, Equatable, CaseIterable {
    case F32, F64, I64, I32, U8, BOOL, F16, BF16

    public var byteSize: Int {
        switch self {
        case .F64, .I64: 8
        case .F32, .I32: 4
        case .F16, .BF16: 2
        case .U8, .BOOL: 1
        }
    }

    /// The type of the array this dtype is read into.
    public var elementType: ElementType {
        switch self {
        case .F32, .F16, .BF16: .float32
        case .F64: .float64
        case .I64: .int64
        case .I32: .int32
        case .U8: .uint8
        case .BOOL: .bool
        }
    }

    /// The dtype written for an array of `type`.
    public init(_ type: ElementType) {
        switch type {
        case .float32: self = .F32
        case .float64: self = .F64
        case .int64: self = .I64
        case .int32: self = .I32
        case .uint8: self = .U8
        case .bool: self = .BOOL
        }
    }
}

/// One tensor of a safetensors file.
public struct SafetensorsEntry: Sendable {
    public let name: String
    /// The dtype stored in the file (F16 and BF16 arrive as float32 arrays).
    public let dtype: SafetensorsDType
    public let array: NumericArray
    public var shape: [Int] { array.shape }
}

/// The contents of a safetensors file.
public struct SafetensorsFile: Sendable {
    public let path: String
    public let metadata: [String: String]
    /// In the order of their data in the file.
    public let entries: [SafetensorsEntry]
    private let indexByName: [String: Int]

    init(path: String, metadata: [String: String], entries: [SafetensorsEntry]) {
        self.path = path
        self.metadata = metadata
        self.entries = entries
        var index = [String: Int]()
        for (i, e) in entries.enumerated() { index[e.name] = i }
        indexByName = index
    }

    public var names: [String] { entries.map(\.name) }

    public subscript(name: String) -> SafetensorsEntry? { indexByName[name].map { entries[$0] } }

    /// The named tensor as float32 (F64 rounded, F16/BF16 widened); throws naming the file and tensor when it is
    /// absent or not of a float type.
    public func floatTensor(_ name: String) throws -> Tensor {
        guard let entry = self[name] else {
            throw FormatError(.mismatch, path: path, record: name, "no such tensor in the file")
        }
        return try entry.array.floatTensor()
    }
}

public enum Safetensors {
    /// The reference implementation refuses larger headers; so do we, so that a damaged length field is reported as such.
    static let maxHeaderSize = 100_000_000
    static let metadataKey = "__metadata__"

    // MARK: Reading

    /// Reads the file at `path`, mapping it; F32 tensors borrow the mapping when aligned (which keeps the whole file
    /// mapped while any of them lives; `copy()` a small tensor taken from a large file).
    public static func read(path: String) throws -> SafetensorsFile {
        try decode(MappedFile(path: path))
    }

    public static func decode(_ bytes: [UInt8], label: String = "<memory>") throws -> SafetensorsFile {
        try decode(MappedFile(copying: bytes, label: label))
    }

    public static func decode(_ file: MappedFile) throws -> SafetensorsFile {
        let path = file.path
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw FormatError(.truncated, path: path, "file too short (\(bytes.count) bytes) to hold the 8-byte header length")
        }
        let announced = bytes.littleEndian(UInt64.self, at: 0)
        guard announced <= UInt64(bytes.count - 8) else {
            throw FormatError(.truncated, path: path, "the header length field announces \(announced) bytes but only "
                              + "\(bytes.count - 8) follow (truncated, or not a safetensors file)")
        }
        let headerLength = Int(announced)
        guard headerLength <= maxHeaderSize else {
            throw FormatError(.corrupt, path: path, "header of \(headerLength) bytes exceeds the limit of \(maxHeaderSize)")
        }
        let dataStart = 8 + headerLength
        let dataSize = bytes.count - dataStart
        let headerBytes = Data(bytes[8..<dataStart])

        let json: JSONValue
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw FormatError(.corrupt, path: path, "header does not start with '{' (not a safetensors file?)")
        }
        do {
            json = try JSONDecoder().decode(JSONValue.self, from: headerBytes)
        } catch {
            throw FormatError(.corrupt, path: path, "header is not valid JSON: \(jsonErrorSummary(headerBytes, error))")
        }
        guard case .object(let header) = json else {
            throw FormatError(.corrupt, path: path, "header is not a JSON object")
        }

        var metadata = [String: String]()
        if let m = header[metadataKey] {
            switch m {
            case .null: break
            case .object(let fields):
                for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                    guard case .string(let s) = value else {
                        throw FormatError(.corrupt, path: path, field: metadataKey,
                                          "value of '\(key)' must be a string, found \(value.kind)")
                    }
                    metadata[key] = s
                }
            default:
                throw FormatError(.corrupt, path: path, field: metadataKey, "must be an object of strings, found \(m.kind)")
            }
        }

        struct Pending { let name: String; let dtype: SafetensorsDType; let shape: [Int]; let count: Int; let begin: Int; let end: Int }
        var pending = [Pending]()
        // In name order, so that a file with several problems always reports the same one.
        for (name, value) in header.sorted(by: { $0.key < $1.key }) where name != metadataKey {
            func fail(_ field: String?, _ problem: String, kind: FormatError.Kind = .corrupt, hint: String? = nil) -> FormatError {
                FormatError(kind, path: path, record: name, field: field, problem, hint: hint)
            }
            guard case .object(let fields) = value else { throw fail(nil, "must be an object, found \(value.kind)") }

            guard let dtypeValue = fields["dtype"] else { throw fail("dtype", "missing") }
            guard case .string(let dtypeName) = dtypeValue else { throw fail("dtype", "must be a string, found \(dtypeValue.kind)") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw fail("dtype", "'\(dtypeName)' is not supported; supported: "
                           + SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", "),
                           kind: .unsupported, hint: "convert the tensor to float32 before saving, e.g. tensor.float()")
            }

            let shape = try nonNegativeIntegers(fields["shape"], field: "shape", path: path, record: name)
            guard let count = Tensor.checkedElementCount(shape) else {
                throw fail("shape", "\(describe(shape)) has more elements than fit in memory")
            }
            let offsets = try nonNegativeIntegers(fields["data_offsets"], field: "data_offsets", path: path, record: name)
            guard offsets.count == 2 else {
                throw fail("data_offsets", "must be [begin, end], found \(offsets.count) numbers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin <= end else { throw fail("data_offsets", "begin \(begin) is after end \(end)") }
            let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow else { throw fail("shape", "\(describe(shape)) is too large for \(dtype.rawValue) data") }
            guard end - begin == needed else {
                throw fail("data_offsets", "[\(begin), \(end)] span \(end - begin) bytes but shape \(describe(shape)) "
                           + "of \(dtype.rawValue) needs \(needed)")
            }
            guard end <= dataSize else {
                throw fail("data_offsets", "[\(begin), \(end)] reach beyond the data section "
                           + "(\(dataSize) bytes; the file is truncated)", kind: .truncated)
            }
            pending.append(Pending(name: name, dtype: dtype, shape: shape, count: count, begin: begin, end: end))
        }

        // The tensors must tile the data section: sorted by offset, each starts where the previous one ends.
        pending.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var position = 0
        var previous: String?
        for p in pending {
            if p.begin < position, let previous {
                throw FormatError(.corrupt, path: path, record: p.name, field: "data_offsets",
                                  "[\(p.begin), \(p.end)] overlaps tensor '\(previous)' (which ends at \(position))")
            }
            if p.begin > position {
                throw FormatError(.corrupt, path: path, record: p.name, field: "data_offsets",
                                  "[\(p.begin), \(p.end)] leaves a gap of \(p.begin - position) bytes before it "
                                  + "(after \(previous.map { "tensor '\($0)'" } ?? "the start of the data section"))")
            }
            position = p.end
            previous = p.name
        }
        guard position == dataSize else {
            throw FormatError(.corrupt, path: path, "\(dataSize - position) bytes after the last tensor's data "
                              + "(the data section has \(dataSize) bytes, the tensors cover \(position))")
        }

        var entries = [SafetensorsEntry]()
        entries.reserveCapacity(pending.count)
        for p in pending {
            let offset = dataStart + p.begin
            let storage: NumericArray.Storage
            switch p.dtype {
            case .F16, .BF16:
                let t = Tensor(uninitialized: p.shape)
                let out = t.pointer
                for i in 0..<p.count {
                    let bits = bytes.littleEndian(UInt16.self, at: offset + 2 * i)
                    out[i] = p.dtype == .F16 ? floatFromHalf(bits) : Float(bitPattern: UInt32(bits) << 16)
                }
                storage = .float32(t)
            default:
                storage = try decodeElements(p.dtype.elementType, shape: p.shape, count: p.count, in: file, at: offset,
                                             record: p.name)
            }
            entries.append(SafetensorsEntry(name: p.name, dtype: p.dtype,
                                            array: NumericArray(unchecked: p.shape, storage, origin: path, record: p.name)))
        }
        return SafetensorsFile(path: path, metadata: metadata, entries: entries)
    }

    private static func nonNegativeIntegers(_ value: JSONValue?, field: String, path: String, record: String) throws -> [Int] {
        guard let value else { throw FormatError(.corrupt, path: path, record: record, field: field, "missing") }
        guard case .array(let items) = value else {
            throw FormatError(.corrupt, path: path, record: record, field: field,
                              "must be an array of non-negative integers, found \(value.kind)")
        }
        return try items.map { item in
            guard case .integer(let n) = item, n >= 0 else {
                throw FormatError(.corrupt, path: path, record: record, field: field,
                                  "must be an array of non-negative integers, found \(item.jsonText)")
            }
            return n
        }
    }

    /// IEEE binary16 to binary32; exact for every input, including subnormals, infinities and NaN payloads.
    static func floatFromHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return Float(bitPattern: sign | magnitude.bitPattern)
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
        }
    }

    /// Where the JSON goes wrong. JSONDecoder's own error on Linux says only "not valid JSON"; JSONSerialization
    /// names the position, so it is asked for the message.
    private static func jsonErrorSummary(_ header: Data, _ error: Error) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: header, options: [.fragmentsAllowed])
        } catch {
            if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        }
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        return String(describing: error)
    }

    // MARK: Writing

    /// Writes float32 tensors under the given names (see the file comment for the order).
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             to path: String) throws {
        try write(arrays: tensors.map { (name: $0.name, array: NumericArray($0.tensor)) }, metadata: metadata, to: path)
    }

    /// Writes every parameter of `store` under its name, in table order.
    public static func write(_ store: ParameterStore, metadata: [String: String] = [:], to path: String) throws {
        try write(arrays: store.specs.indices.map { (name: store.specs[$0].name, array: NumericArray(store.value(at: $0))) },
                  metadata: metadata, to: path)
    }

    /// Writes arrays of any supported element type.
    public static func write(arrays: [(name: String, array: NumericArray)], metadata: [String: String] = [:],
                             to path: String) throws {
        let (header, ordered) = try layout(arrays, metadata: metadata, path: path)
        try writeAtomically(to: path) { sink in
            try sink.write(header)
            for (_, array) in ordered { try array.storage.withLittleEndianBytes { try sink.write($0) } }
        }
    }

    /// The complete file contents, for callers that want bytes rather than a file.
    public static func encode(_ arrays: [(name: String, array: NumericArray)], metadata: [String: String] = [:]) throws -> [UInt8] {
        var (out, ordered) = try layout(arrays, metadata: metadata, path: "<memory>")
        for (_, array) in ordered { array.storage.withLittleEndianBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// The length prefix and padded JSON header, and the arrays in data order.
    static func layout(_ arrays: [(name: String, array: NumericArray)], metadata: [String: String],
                       path: String) throws -> ([UInt8], [(name: String, array: NumericArray)]) {
        var seen = Set<String>()
        for (name, _) in arrays {
            guard name != metadataKey else {
                throw FormatError(.mismatch, path: path, record: name, "'\(metadataKey)' is reserved and cannot name a tensor")
            }
            guard seen.insert(name).inserted else {
                throw FormatError(.mismatch, path: path, record: name, "the name is given twice")
            }
        }
        let ordered = arrays.enumerated()
            .sorted { ($1.element.array.elementType.byteSize, $0.offset) < ($0.element.array.elementType.byteSize, $1.offset) }
            .map(\.element)

        var json = "{"
        if !metadata.isEmpty {
            json += jsonString(metadataKey) + ":{"
            json += metadata.sorted { $0.key < $1.key }.map { jsonString($0.key) + ":" + jsonString($0.value) }
                .joined(separator: ",")
            json += "},"
        }
        var offset = 0
        var fields = [String]()
        for (name, array) in ordered {
            let size = array.count * array.elementType.byteSize
            fields.append(jsonString(name) + ":{\"dtype\":\"\(SafetensorsDType(array.elementType).rawValue)\",\"shape\":["
                          + array.shape.map(String.init).joined(separator: ",") + "],\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        if !metadata.isEmpty && fields.isEmpty { json.removeLast() }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        let length = UInt64(header.count)
        return ((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + header, ordered)
    }

    /// A JSON string literal. Swift strings are valid Unicode, so the UTF-8 output is valid JSON text; only quotes,
    /// backslashes and control characters need escaping.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: Parameter stores

    /// Copies the tensors of the file at `path` into `store` by name (see `ParameterStore.load(_:from:allowExtraTensors:)`).
    @discardableResult
    public static func load(into store: ParameterStore, from path: String, allowExtraTensors: Bool = false) throws -> SafetensorsFile {
        let file = try read(path: path)
        try store.load(file.entries.map { ($0.name, $0.array) }, from: path, allowExtraTensors: allowExtraTensors)
        return file
    }
}

extension ParameterStore {
    /// Copies named arrays (read from `path`) into the store. Every parameter must be present with exactly its shape
    /// and a float type; arrays the store does not know are an error unless `allowExtraTensors`. Everything is
    /// checked before the first value is written, so on error the store is unchanged.
    public func load(_ arrays: [(name: String, array: NumericArray)], from path: String, allowExtraTensors: Bool = false) throws {
        var byName = [String: NumericArray]()
        for (name, array) in arrays where byName[name] == nil { byName[name] = array }
        let missing = names.filter { byName[$0] == nil }
        if !missing.isEmpty {
            throw FormatError(.mismatch, path: path, record: missing.count == 1 ? missing[0] : nil,
                              "\(missing.count) parameter(s) missing from the file: "
                              + missing.map { "'\($0)'" }.joined(separator: ", "))
        }
        if !allowExtraTensors {
            let extra = arrays.map(\.name).filter { index(of: $0) == nil }
            if !extra.isEmpty {
                throw FormatError(.mismatch, path: path, record: extra.count == 1 ? extra[0] : nil,
                                  "\(extra.count) tensor(s) in the file are not parameters of the model: "
                                  + extra.map { "'\($0)'" }.joined(separator: ", "),
                                  hint: "pass allowExtraTensors: true to ignore them")
            }
        }
        var sources = [(index: Int, tensor: Tensor)]()
        for (i, spec) in specs.enumerated() {
            guard let array = byName[spec.name] else { continue }  // reported above
            guard array.shape == spec.shape else {
                throw FormatError(.mismatch, path: path, record: spec.name, field: "shape",
                                  "expected \(describe(spec.shape)), found \(describe(array.shape))")
            }
            sources.append((i, try array.floatTensor()))
        }
        for (i, source) in sources {
            value(at: i).pointer.update(from: source.pointer, count: source.count)
        }
    }
}

// MARK: - JSON values

/// A JSON value decoded with Foundation, keeping integers apart from fractions so shapes and offsets can be checked.
enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Int.self) { self = .integer(n) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Short JSON-like text for messages.
    var jsonText: String {
        switch self {
        case .null: "null"
        case .bool(let b): String(b)
        case .integer(let n): String(n)
        case .number(let d): String(d)
        case .string(let s): Safetensors.jsonString(s)
        case .array: "an array"
        case .object: "an object"
        }
    }
}
