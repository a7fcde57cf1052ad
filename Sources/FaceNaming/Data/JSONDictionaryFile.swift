// Reading the official `{key: record}` JSON dictionaries (augmented LFW, Celebrity Together) in file order.
//
// The official code iterates Python dicts, which keep the file's key order, and face-feature files are written in that
// order. `JSONDecoder` and `JSONSerialization` hand back unordered dictionaries, so the records are decoded with
// `JSONDecoder` (fast, and its errors name the field) and the key order is recovered by a separate scan of the raw
// bytes that only looks at the top-level object.

import Foundation

enum JSONDictionaryFile {
    /// The records of a `{key: record}` file, in file order. Errors name the file, the record key and the field.
    static func read<Record: Decodable>(_ type: Record.Type, path: String) throws -> [(key: String, record: Record)] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)")
        }
        let records: [String: Record]
        do { records = try JSONDecoder().decode([String: Record].self, from: data) } catch let error as DecodingError {
            throw dataError(path: path, error)
        }
        // The decoder accepted the bytes, so the scan below may assume well-formed JSON with an object at the top.
        let keys = try topLevelKeys(data, path: path)
        var out = [(key: String, record: Record)]()
        out.reserveCapacity(keys.count)
        var seen = Set<String>()
        for key in keys {
            guard seen.insert(key).inserted else {
                throw DataError(path: path, record: "record '\(key)'", "duplicate record key", hint: "every key of the dictionary must be unique")
            }
            guard let record = records[key] else {
                throw DataError(path: path, record: "record '\(key)'", "key found in the file but not by the JSON decoder")
            }
            out.append((key, record))
        }
        guard out.count == records.count else {
            throw DataError(path: path, "found \(out.count) top-level keys but the JSON decoder read \(records.count) records")
        }
        return out
    }

    /// Re-expresses a decoding error of `[String: Record]`: the first coding-path element is the record key.
    static func dataError(path: String, _ error: DecodingError) -> DataError {
        func split(_ context: DecodingError.Context) -> (String, DecodingError.Context) {
            guard let first = context.codingPath.first else { return ("top level", context) }
            return ("record '\(first.stringValue)'",
                    DecodingError.Context(codingPath: Array(context.codingPath.dropFirst()), debugDescription: context.debugDescription,
                                          underlyingError: context.underlyingError))
        }
        switch error {
        case let .keyNotFound(key, context):
            let (record, c) = split(context)
            return DataError(path: path, record: record, decoding: .keyNotFound(key, c))
        case let .typeMismatch(type, context):
            let (record, c) = split(context)
            return DataError(path: path, record: record, decoding: .typeMismatch(type, c))
        case let .valueNotFound(type, context):
            let (record, c) = split(context)
            return DataError(path: path, record: record, decoding: .valueNotFound(type, c))
        case let .dataCorrupted(context):
            if context.codingPath.isEmpty { return DataError(path: path, record: "top level", decoding: error) }
            let (record, c) = split(context)
            return DataError(path: path, record: record, decoding: .dataCorrupted(c))
        @unknown default:
            return DataError(path: path, "\(error)")
        }
    }

    /// The keys of the top-level object in file order. Assumes well-formed JSON (checked by the decoder first).
    static func topLevelKeys(_ data: Data, path: String) throws -> [String] {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [String] in
            let b = raw.bindMemory(to: UInt8.self)
            let n = b.count
            let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
            var i = 0
            func skipSpace() { while i < n, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 } }
            /// Skips a string starting at its opening quote; returns the range of its contents and whether it has escapes.
            func skipString() -> (Range<Int>, Bool) {
                i += 1
                let start = i
                var escaped = false
                while i < n, b[i] != quote {
                    if b[i] == backslash { escaped = true; i += 1 }
                    i += 1
                }
                let range = start..<min(i, n)
                i += 1
                return (range, escaped)
            }
            func malformed() -> DataError { DataError(path: path, record: "top level", "malformed JSON at byte \(i)") }

            skipSpace()
            guard i < n, b[i] == UInt8(ascii: "{") else { throw malformed() }
            i += 1
            var keys = [String]()
            while true {
                skipSpace()
                guard i < n else { throw malformed() }
                if b[i] == UInt8(ascii: "}") { break }
                if b[i] == UInt8(ascii: ",") { i += 1; skipSpace() }
                guard i < n, b[i] == quote else { throw malformed() }
                let (range, escaped) = skipString()
                let keyBytes = UnsafeBufferPointer(rebasing: b[range])
                if escaped {
                    // Rare: let the decoder resolve the escapes of the quoted key.
                    let quoted = Data([quote]) + Data(keyBytes) + Data([quote])
                    guard let key = try? JSONDecoder().decode(String.self, from: quoted) else { throw malformed() }
                    keys.append(key)
                } else {
                    keys.append(String(decoding: keyBytes, as: UTF8.self))
                }
                skipSpace()
                guard i < n, b[i] == UInt8(ascii: ":") else { throw malformed() }
                i += 1
                skipSpace()
                // Skip the value: strings, or nested containers tracked by depth, or a scalar up to , or }.
                var depth = 0
                while i < n {
                    let c = b[i]
                    if c == quote { _ = skipString(); if depth == 0 { break }; continue }
                    if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
                    else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                        if depth == 0 { break }
                        depth -= 1
                        if depth == 0 { i += 1; break }
                    } else if c == UInt8(ascii: ","), depth == 0 { break }
                    i += 1
                }
            }
            return keys
        }
    }
}
