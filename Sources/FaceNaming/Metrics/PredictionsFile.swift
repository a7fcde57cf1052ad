// A system's predicted name for every face, read from JSON so that any system (ours, the official code, another
// paper's) can be scored by the same metric:
//
//     {"<sample id>": ["name of face 0", "name of face 1", …], …}
//     {"<sample id>": {"image": …, "faces": [{"box": […], "name": "…", "score": …, …}, …]}, …}   (`secla align`)
//
// Faces are in the sample's face order (slot order for augmented LFW); fields other than "name" are ignored. Like the
// official script, which scores only the images of its result file, samples absent from the file are not scored
// unless `requireAll` asks for all of them. A name that is not one of the sample's candidates is allowed, since
// another system may predict anything, but counted (NONAME and NONAMEWRONG count as the same candidate).

import Foundation

public struct PredictionsFile: Sendable {
    public let path: String
    /// One entry per corpus sample, in corpus order: the predicted string of each face, nil when the file has none.
    public let predictions: [[String]?]
    /// Ids of the corpus samples the file does not hold, in corpus order.
    public let missing: [String]
    /// Faces whose predicted string is not one of their sample's candidate texts (either NONAME string stands for both).
    public let unknownNames: Int

    public var samplesScored: Int { predictions.count - missing.count }

    /// Reads `path` against `corpus`. Errors name the file, the sample id and the field.
    public static func read(path: String, corpus: Corpus, requireAll: Bool = false) throws -> PredictionsFile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)")
        }
        let top: Any
        do { top = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw DataError(path: path, record: "top level", "malformed JSON" + (detail.map { ": \($0)" } ?? ""))
        }
        guard let entries = top as? [String: Any] else {
            throw DataError(path: path, record: "top level", "expected an object {sample id: predicted names}, found \(jsonKind(top))")
        }
        var index = [String: Int]()
        for (i, sample) in corpus.samples.enumerated() where index[sample.id] == nil { index[sample.id] = i }

        var predictions = [[String]?](repeating: nil, count: corpus.samples.count)
        var unknown = 0
        // File order, so that of several bad records the first one is reported, and duplicates are caught (the
        // parser silently keeps one of them).
        var seen = Set<String>()
        for key in try JSONDictionaryFile.topLevelKeys(data, path: path) {
            let record = "record '\(key)'"
            guard seen.insert(key).inserted else {
                throw DataError(path: path, record: record, "duplicate sample id", hint: "give each sample's predictions once")
            }
            guard let i = index[key] else {
                throw DataError(path: path, record: record, "not a sample id of the corpus \(corpus.source)",
                                hint: "keys are the corpus's sample ids\(corpus.samples.first.map { ", e.g. '\($0.id)'" } ?? "")")
            }
            guard let value = entries[key] else {
                throw DataError(path: path, record: record, "key found in the file but not by the JSON parser")
            }
            let sample = corpus.samples[i]
            let names = try faceNames(value, sample: sample, path: path, record: record)
            // NONAME and NONAMEWRONG both mean "not in the caption" (`CandidateName.isNoName`); faithful LFW lists hold
            // only NONAMEWRONG in 239 images, where an all-NONAME predictor is not naming an unknown person.
            var known = Set(sample.names.map(\.text))
            if sample.names.contains(where: \.isNoName) { known.formUnion([noName, "NONAMEWRONG"]) }
            unknown += names.reduce(0) { $0 + (known.contains($1) ? 0 : 1) }
            predictions[i] = names
        }
        let missing = corpus.samples.indices.filter { predictions[$0] == nil }.map { corpus.samples[$0].id }
        if requireAll, let first = missing.first {
            throw DataError(path: path, record: "record '\(first)'",
                            "missing: the corpus has this sample but the file does not (\(missing.count) of \(corpus.samples.count) samples missing)",
                            hint: "without requiring all samples, only those present are scored, as the official script does")
        }
        return PredictionsFile(path: path, predictions: predictions, missing: missing, unknownNames: unknown)
    }

    /// The names of one value: an array of strings, or an object whose "faces" array holds objects with a "name".
    static func faceNames(_ value: Any, sample: Sample, path: String, record: String) throws -> [String] {
        func fail(_ field: String?, _ problem: String) -> DataError { DataError(path: path, record: record, field: field, problem) }
        func countCheck(_ n: Int, field: String?) throws {
            guard n == sample.faces.count else {
                let expected = sample.faces.count
                throw fail(field, "expected \(expected) name\(expected == 1 ? "" : "s") (one per face of the sample, in face order), found \(n)")
            }
        }
        if let list = value as? [Any] {
            try countCheck(list.count, field: nil)
            return try list.enumerated().map { j, item in
                guard let name = item as? String else { throw fail("[\(j)]", "expected a name string, found \(jsonKind(item))") }
                return name
            }
        }
        guard let object = value as? [String: Any] else {
            throw fail(nil, "expected an array of names or an object with a \"faces\" array, found \(jsonKind(value))")
        }
        guard let facesValue = object["faces"] else { throw fail("faces", "missing required field") }
        guard let faces = facesValue as? [Any] else { throw fail("faces", "expected an array, found \(jsonKind(facesValue))") }
        try countCheck(faces.count, field: "faces")
        return try faces.enumerated().map { j, item in
            guard let face = item as? [String: Any] else { throw fail("faces[\(j)]", "expected an object, found \(jsonKind(item))") }
            guard let nameValue = face["name"] else { throw fail("faces[\(j)].name", "missing required field") }
            guard let name = nameValue as? String else { throw fail("faces[\(j)].name", "expected a string, found \(jsonKind(nameValue))") }
            return name
        }
    }

    static func jsonKind(_ value: Any) -> String {
        switch value {
        case is String: "a string"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        case is NSNull: "null"
        // The parser gives booleans and numbers the same type on Linux.
        default: "a number or boolean"
        }
    }

    /// Scores the samples present in the file. `samples` are the samples of the corpus the file was read against.
    public func evaluate(_ samples: [Sample], placement: SlotPlacement = .official) -> Evaluation {
        precondition(samples.count == predictions.count, "PredictionsFile: read against \(predictions.count) samples, evaluated on \(samples.count)")
        var scored = [Sample](), names = [[String]]()
        scored.reserveCapacity(samplesScored)
        names.reserveCapacity(samplesScored)
        for (sample, faceNames) in zip(samples, predictions) {
            if let faceNames { scored.append(sample); names.append(faceNames) }
        }
        return Evaluation(metric: OfficialMetric.evaluate(scored, predictions: names, placement: placement), placement: placement,
                          samplesScored: scored.count, samplesMissing: missing.count, unknownNames: unknownNames)
    }
}

/// The metrics of one predictions file and what was scored. In JSON, one flat object: the `MetricResult` keys plus
/// `placement`, `samples_scored`, `samples_missing`, `unknown_names`.
public struct Evaluation: Codable, Equatable, Sendable {
    public var metric: MetricResult
    public var placement: SlotPlacement
    public var samplesScored: Int
    public var samplesMissing: Int
    public var unknownNames: Int

    public init(metric: MetricResult, placement: SlotPlacement, samplesScored: Int, samplesMissing: Int, unknownNames: Int) {
        self.metric = metric; self.placement = placement
        self.samplesScored = samplesScored; self.samplesMissing = samplesMissing; self.unknownNames = unknownNames
    }

    enum CodingKeys: String, CodingKey {
        case placement
        case samplesScored = "samples_scored"
        case samplesMissing = "samples_missing"
        case unknownNames = "unknown_names"
    }

    public init(from decoder: Decoder) throws {
        metric = try MetricResult(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        placement = try c.decode(SlotPlacement.self, forKey: .placement)
        samplesScored = try c.decode(Int.self, forKey: .samplesScored)
        samplesMissing = try c.decode(Int.self, forKey: .samplesMissing)
        unknownNames = try c.decode(Int.self, forKey: .unknownNames)
    }

    public func encode(to encoder: Encoder) throws {
        try metric.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(placement, forKey: .placement)
        try c.encode(samplesScored, forKey: .samplesScored)
        try c.encode(samplesMissing, forKey: .samplesMissing)
        try c.encode(unknownNames, forKey: .unknownNames)
    }
}
