// Captions for a folder of photos: a sidecar file in JSONL or CSV, one record per photo.
//
// JSONL (one object per line; blank lines ignored):
//     {"image": "2024/rally.jpg", "caption": "Vice President Joe Biden (L) and President Barack Obama wave.",
//      "id": "rally-1", "names": ["Joe Biden", "Barack Obama"],
//      "labels": [{"name": "Joe Biden", "box": [737, 449, 923, 634]}, {"name": "NONAME", "box": [1594, 1062, 1749, 1216]}]}
// CSV (RFC 4180, header row): columns image, caption, and optionally id, names (separated by ";"), labels (the
// JSON array above, as one quoted field).
//
// `image` is relative to the photos folder (or absolute); `id` defaults to the image path. `names`, when given, is
// the caption's candidate list as is; otherwise the names come from the caption text (`CaptionNameFinder`).
// `labels` are optional gold faces: each is matched to the detected face with the highest box overlap (IoU ≥ 0.3);
// a detected face that matches no label is taken to be NONAME, so list every face you know.
// The whole file is validated before any photo is processed; errors name the file, the line and the field.

import CSV
import FaceNaming
import Foundation

public struct CaptionRecord: Equatable, Sendable {
    public struct GoldFace: Codable, Equatable, Sendable {
        public var name: String
        public var box: Box
    }

    public var image: String
    public var id: String
    public var caption: String?
    /// Explicit candidate names (without NONAME), nil when they come from the caption text.
    public var names: [String]?
    public var labels: [GoldFace]?
    /// "line 3" — where the record is, for messages.
    public var record: String
}

public enum CaptionSidecar {
    private struct JSONRecord: Decodable {
        var image: String
        var caption: String?
        var id: String?
        var names: [String]?
        var labels: [CaptionRecord.GoldFace]?
    }

    /// Reads and validates a sidecar (.jsonl / .json lines, or .csv).
    public static func read(path: String) throws -> [CaptionRecord] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)")
        }
        let ext = (path as NSString).pathExtension.lowercased()
        let records: [CaptionRecord]
        switch ext {
        case "jsonl", "json", "ndjson": records = try readJSONL(data, path: path)
        case "csv": records = try readCSV(data, path: path)
        default:
            throw DataError(path: path, "unknown caption file type '.\(ext)'", hint: "name it .jsonl (one JSON object per line) or .csv (with a header row)")
        }
        guard !records.isEmpty else { throw DataError(path: path, "holds no caption records") }
        var firstLine = [String: String](), firstId = [String: String]()
        for r in records {
            if let previous = firstLine[r.image] {
                throw DataError(path: path, record: r.record, field: "image", "\"\(r.image)\" is captioned twice (also \(previous))")
            }
            firstLine[r.image] = r.record
            if let previous = firstId[r.id] { throw DataError(path: path, record: r.record, field: "id", "duplicate id \"\(r.id)\" (also \(previous))") }
            firstId[r.id] = r.record
        }
        return records
    }

    static func readJSONL(_ data: Data, path: String) throws -> [CaptionRecord] {
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(path: path, "is not UTF-8 text") }
        var out = [CaptionRecord]()
        let decoder = JSONDecoder()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let record = "line \(i + 1)"
            let r: JSONRecord
            do { r = try decoder.decode(JSONRecord.self, from: Data(trimmed.utf8)) } catch let error as DecodingError {
                throw DataError(path: path, record: record, decoding: error)
            }
            out.append(try validated(image: r.image, caption: r.caption, id: r.id, names: r.names, labels: r.labels, path: path, record: record))
        }
        return out
    }

    static func readCSV(_ data: Data, path: String) throws -> [CaptionRecord] {
        guard let text = String(data: data, encoding: .utf8) else { throw DataError(path: path, "is not UTF-8 text") }
        let csv: CSVReader
        do { csv = try CSVReader(string: text, hasHeaderRow: true) } catch {
            throw DataError(path: path, record: "line 1", "not a readable CSV header: \(error)")
        }
        let header = (csv.headerRow ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let imageColumn = header.firstIndex(of: "image") else {
            throw DataError(path: path, record: "line 1", field: "image", "no 'image' column", hint: "the header row names the columns: image,caption[,id,names,labels]")
        }
        let known: Set = ["image", "caption", "id", "names", "labels"]
        if let unknown = header.first(where: { !known.contains($0) }) {
            throw DataError(path: path, record: "line 1", field: unknown, "unknown column", hint: "columns are image, caption, id, names, labels")
        }
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        var out = [CaptionRecord]()
        var row = 1
        while let fields = csv.next() {
            row += 1
            let record = "row \(row)"
            if fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard fields.count == header.count else {
                throw DataError(path: path, record: record, "\(fields.count) fields for the \(header.count) columns of the header")
            }
            func value(_ name: String) -> String? {
                guard let c = column(name) else { return nil }
                let v = fields[c].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            let names = value("names").map { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            var labels: [CaptionRecord.GoldFace]?
            if let json = value("labels") {
                do { labels = try JSONDecoder().decode([CaptionRecord.GoldFace].self, from: Data(json.utf8)) } catch let error as DecodingError {
                    let inner = DataError(path: path, record: record, decoding: error)
                    throw DataError(path: path, record: record, field: "labels" + (inner.field.map { "." + $0 } ?? ""),
                                    inner.problem, hint: "a JSON array of {\"name\": …, \"box\": [x1, y1, x2, y2]}")
                }
            }
            out.append(try validated(image: fields[imageColumn].trimmingCharacters(in: .whitespaces), caption: value("caption"), id: value("id"),
                                     names: names, labels: labels, path: path, record: record))
        }
        if let error = csv.error { throw DataError(path: path, record: "row \(row + 1)", "malformed CSV: \(error)") }
        return out
    }

    static func validated(image: String, caption: String?, id: String?, names: [String]?, labels: [CaptionRecord.GoldFace]?,
                          path: String, record: String) throws -> CaptionRecord {
        guard !image.isEmpty else { throw DataError(path: path, record: record, field: "image", "empty image path") }
        if let id, id.isEmpty { throw DataError(path: path, record: record, field: "id", "empty id") }
        if let names {
            for (k, n) in names.enumerated() where n.trimmingCharacters(in: .whitespaces).isEmpty {
                throw DataError(path: path, record: record, field: "names[\(k)]", "empty name")
            }
            if let k = names.firstIndex(where: { $0 == noName }) {
                throw DataError(path: path, record: record, field: "names[\(k)]", "NONAME is added by ingest; list only real names")
            }
        }
        for (k, label) in (labels ?? []).enumerated() {
            guard label.box.x2 > label.box.x1, label.box.y2 > label.box.y1 else {
                throw DataError(path: path, record: record, field: "labels[\(k)].box", "x2 ≤ x1 or y2 ≤ y1")
            }
            guard !label.name.isEmpty else { throw DataError(path: path, record: record, field: "labels[\(k)].name", "empty name") }
        }
        return CaptionRecord(image: image, id: id ?? image, caption: caption, names: names, labels: labels, record: record)
    }
}

/// Intersection over union of two boxes.
func intersectionOverUnion(_ a: Box, _ b: Box) -> Double {
    let w = min(a.x2, b.x2) - max(a.x1, b.x1), h = min(a.y2, b.y2) - max(a.y1, b.y1)
    guard w > 0, h > 0 else { return 0 }
    let inter = w * h
    return inter / (a.area + b.area - inter)
}

/// Gold labels for detected faces: each gold face goes to the free detection it overlaps most (IoU ≥ `minimumIoU`),
/// best pairs first; every other detection is NONAME. Returns the labels and the gold faces no detection matched.
func matchGoldLabels(_ gold: [CaptionRecord.GoldFace], detections: [Box], minimumIoU: Double = 0.3) -> (labels: [String], unmatched: [CaptionRecord.GoldFace]) {
    var pairs = [(iou: Double, g: Int, d: Int)]()
    for (g, face) in gold.enumerated() {
        for (d, box) in detections.enumerated() {
            let iou = intersectionOverUnion(face.box, box)
            if iou >= minimumIoU { pairs.append((iou, g, d)) }
        }
    }
    pairs.sort { $0.iou != $1.iou ? $0.iou > $1.iou : ($0.g, $0.d) < ($1.g, $1.d) }
    var labels = [String](repeating: noName, count: detections.count)
    var usedGold = Set<Int>(), usedDetection = Set<Int>()
    for p in pairs where !usedGold.contains(p.g) && !usedDetection.contains(p.d) {
        labels[p.d] = gold[p.g].name
        usedGold.insert(p.g); usedDetection.insert(p.d)
    }
    return (labels, gold.indices.filter { !usedGold.contains($0) }.map { gold[$0] })
}
