// Corrections a person made on the review page, taken back by `secla name --fixed FILE` as fixed labels:
//
//     {"format": "secla-corrections", "version": 1,
//      "corrections": [{"sample": "<sample id>", "face": 0, "name": "Joe Biden"}, …]}
//
// `face` is the face's index in its sample (the labels file's face order); `name` is a candidate of the caption,
// "NONAME", or any other name (someone the caption does not name). Extra fields (`image`, `was`, …) are ignored. The
// same face twice with the same name is allowed (a page saved twice); with different names it is an error, since
// the file would not say which one the person meant.

import Foundation

public struct Corrections: Equatable, Sendable {
    /// Sample index (in corpus order) → face index → the fixed name ("NONAME" for nobody in the caption).
    public var fixed: [Int: [Int: String]]

    public init(fixed: [Int: [Int: String]] = [:]) { self.fixed = fixed }

    public var count: Int { fixed.values.reduce(0) { $0 + $1.count } }

    /// The fixed name of face `face` of sample `sample`, if any.
    public func name(sample: Int, face: Int) -> String? { fixed[sample]?[face] }

    /// Per sample, per face: the fixed name or nil (the shape the methods take).
    public func perFace(_ corpus: Corpus) -> [[String?]] {
        corpus.samples.enumerated().map { s, sample in sample.faces.indices.map { fixed[s]?[$0] } }
    }

    struct File: Decodable {
        var format: String?
        var version: Int?
        var corrections: [Entry]
    }

    struct Entry: Decodable {
        var sample: String
        var face: Int
        var name: String
    }

    /// Reads `path` against `corpus`. Errors name the file, the correction (by position and sample id) and the field.
    public static func read(path: String, corpus: Corpus) throws -> Corrections {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch let error as DecodingError {
            throw DataError(path: path, record: "top level", decoding: error)
        } catch {
            throw DataError(path: path, record: "top level", "malformed JSON: \(error.localizedDescription)")
        }
        if let format = file.format, format != "secla-corrections" {
            throw DataError(path: path, record: "top level", field: "format", "expected \"secla-corrections\", found \"\(format)\"",
                            hint: "save corrections from the page `secla review` writes")
        }
        if let version = file.version, version != 1 {
            throw DataError(path: path, record: "top level", field: "version", "this secla reads version 1, found \(version)")
        }
        var index = [String: Int]()
        for (i, sample) in corpus.samples.enumerated() where index[sample.id] == nil { index[sample.id] = i }
        var fixed = [Int: [Int: String]]()
        for (k, entry) in file.corrections.enumerated() {
            let record = "corrections[\(k)] (sample '\(entry.sample)')"
            guard let s = index[entry.sample] else {
                throw DataError(path: path, record: record, field: "sample", "not a sample id of the corpus \(corpus.source)",
                                hint: "apply corrections to the corpus they were made on")
            }
            let faces = corpus.samples[s].faces.count
            guard (0..<faces).contains(entry.face) else {
                throw DataError(path: path, record: record, field: "face", "face \(entry.face) does not exist: the sample has \(faces) face\(faces == 1 ? "" : "s") (0-based)")
            }
            let name = entry.name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw DataError(path: path, record: record, field: "name", "empty name (use \"NONAME\" for nobody in the caption)") }
            let canonical = name == "NONAMEWRONG" ? noName : name
            if let earlier = fixed[s]?[entry.face], earlier != canonical {
                throw DataError(path: path, record: record, field: "name",
                                "face \(entry.face) was already corrected to \"\(earlier)\" in this file; now \"\(canonical)\"",
                                hint: "keep one correction per face")
            }
            fixed[s, default: [:]][entry.face] = canonical
        }
        return Corrections(fixed: fixed)
    }
}
