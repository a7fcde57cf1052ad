// Errors about user data: they name the file, the record (line or key) and the field, and say how to fix it.

import Foundation
import NumericCore

public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    /// "line 12", "record '100002'", "row 7", …
    public let record: String?
    /// Dotted path of the field: "faces[0].row".
    public let field: String?
    public let problem: String
    public let hint: String?

    public init(path: String, record: String? = nil, field: String? = nil, _ problem: String, hint: String? = nil) {
        self.path = path; self.record = record; self.field = field; self.problem = problem; self.hint = hint
    }

    public var description: String {
        var s = path
        if let record { s += ", \(record)" }
        if let field { s += ", field '\(field)'" }
        s += ": " + problem
        if let hint { s += " (hint: \(hint))" }
        return s
    }

    /// A file-format error from NumericCore, re-expressed for a data file.
    public init(_ error: FormatError) {
        self.init(path: error.path, record: error.record.map { "array '\($0)'" }, field: error.field, error.problem, hint: error.hint)
    }

    /// Turns a `DecodingError` from one JSON record into a message naming the field.
    public init(path: String, record: String, decoding error: DecodingError) {
        func fieldPath(_ keys: [CodingKey]) -> String? {
            var s = ""
            for key in keys {
                if let i = key.intValue { s += "[\(i)]" } else { s += s.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return s.isEmpty ? nil : s
        }
        switch error {
        case let .keyNotFound(key, context):
            self.init(path: path, record: record, field: fieldPath(context.codingPath + [key]), "missing required field")
        case let .typeMismatch(type, context):
            self.init(path: path, record: record, field: fieldPath(context.codingPath), "expected \(Self.jsonName(type))")
        case let .valueNotFound(type, context):
            self.init(path: path, record: record, field: fieldPath(context.codingPath), "expected \(Self.jsonName(type)), found null")
        case let .dataCorrupted(context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            self.init(path: path, record: record, field: fieldPath(context.codingPath),
                      context.codingPath.isEmpty ? "malformed JSON" + (underlying.map { ": \($0)" } ?? "") : context.debugDescription)
        @unknown default:
            self.init(path: path, record: record, "\(error)")
        }
    }

    static func jsonName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Double.Type, is Float.Type: return "a number"
        case is Bool.Type: return "true or false"
        default:
            let name = "\(type)"
            return name.hasPrefix("Array") ? "an array" : (name.hasPrefix("Dictionary") ? "an object" : "a \(name)")
        }
    }
}
