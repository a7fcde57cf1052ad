// The labels file (`secla align --out`, `secla baseline … --layout learned --out`, a run's alignment.json) and the
// review report built from it: one self-contained HTML page listing every face by rising confidence, so a person
// checks the likeliest mistakes first.

import Foundation
import NumericCore

/// `{sample id: {"image": …, "faces": [FaceLabel]}}`, faces in the sample's face order.
public enum LabelsFile {
    public struct Entry: Codable, Equatable, Sendable {
        public var image: String?
        public var faces: [FaceLabel]
        public init(image: String?, faces: [FaceLabel]) { self.image = image; self.faces = faces }
    }

    /// The entries in file order. Errors name the file, the sample id and the field.
    public static func read(path: String) throws -> [(key: String, entry: Entry)] {
        try JSONDictionaryFile.read(Entry.self, path: path).map { ($0.key, $0.record) }
    }
}

public enum ReviewReport {
    /// One face to review.
    public struct Row: Sendable {
        public var sampleID: String
        public var image: String?
        public var caption: String?
        /// The sample's candidate names, NONAME excluded: what the reviewer may choose from.
        public var candidates: [String]
        public var face: Int
        public var label: FaceLabel
        /// The gold label when the corpus has one.
        public var gold: String?
        /// An image of just this face (the corpus face's `crop`, e.g. its LFW crop), shown instead of the photo's box.
        public var faceCrop: String? = nil
    }

    /// Every face of `labels`, joined with its sample in `corpus`, by rising confidence (ties: file order). Throws a
    /// `DataError` naming `labelsPath` when a sample id is not in the corpus or a sample's face count differs.
    public static func rows(labels: [(key: String, entry: LabelsFile.Entry)], labelsPath: String, corpus: Corpus) throws -> [Row] {
        let index = Dictionary(corpus.samples.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var rows = [Row]()
        for (key, entry) in labels {
            guard let s = index[key] else {
                throw DataError(path: labelsPath, record: "record '\(key)'", "no sample with this id in \(corpus.source)",
                                hint: "review a labels file with the corpus it was made from")
            }
            let sample = corpus.samples[s]
            guard entry.faces.count == sample.faces.count else {
                throw DataError(path: labelsPath, record: "record '\(key)'", field: "faces",
                                "has \(entry.faces.count) faces, the corpus sample has \(sample.faces.count)")
            }
            var seen = Set<String>()
            let candidates = sample.realNames.map(\.text).filter { seen.insert($0).inserted }
            for (f, label) in entry.faces.enumerated() {
                let face = sample.faces[f]
                rows.append(Row(sampleID: key, image: entry.image ?? sample.image, caption: sample.caption, candidates: candidates,
                                face: f, label: label, gold: face.wrong ? nil : face.label, faceCrop: face.crop))
            }
        }
        // A stable sort: equal confidences keep file order, so the page is the same for the same inputs.
        return rows.enumerated().sorted { a, b in
            a.element.label.confidence != b.element.label.confidence ? a.element.label.confidence < b.element.label.confidence : a.offset < b.offset
        }.map(\.element)
    }

    /// The page. `imagesRoot` is prefixed to each image path (as written, e.g. relative to the page); `limit` keeps
    /// the first rows (nil: all). Face crops are SVG views of the image's box, so no image is read here.
    public static func html(rows: [Row], title: String, imagesRoot: String? = nil, limit: Int? = nil) -> String {
        let hasGold = rows.contains { $0.gold != nil }
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: middle; }
            th { background: #f4f4f4; position: sticky; top: 0; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.low td.conf { color: #b00; font-weight: bold; }
            .wrong { color: #b00; } .right { color: #070; }
            svg { background: #eee; display: block; }
            .caption { max-width: 36em; color: #555; }
            </style></head><body>

            """
        out += "<h1>\(escape(title))</h1>\n"
        let images = Set(rows.map(\.sampleID)).count
        out += "<p>\(rows.count) faces in \(images) images, by rising confidence: the first rows are the likeliest to be wrong.</p>\n"

        // Confidence buckets: faces, and accuracy against the gold labels when there are any.
        let edges = Reliability.edges
        var counts = [Int](repeating: 0, count: edges.count - 1), correct = counts, labelled = counts
        for row in rows {
            let b = Reliability.bucket(of: row.label.confidence)
            counts[b] += 1
            if let gold = row.gold { labelled[b] += 1; correct[b] += row.label.name == gold ? 1 : 0 }
        }
        out += "<table><tr><th>confidence</th><th>faces</th><th>share</th>" + (hasGold ? "<th>accuracy (gold)</th>" : "") + "</tr>\n"
        for b in counts.indices {
            let range = String(format: "[%.2f, %.2f%@", edges[b], edges[b + 1], b == counts.count - 1 ? "]" : ")")
            out += "<tr><td>\(range)</td><td class=\"num\">\(counts[b])</td><td class=\"num\">"
                + String(format: "%.1f%%", rows.isEmpty ? 0 : 100 * Double(counts[b]) / Double(rows.count)) + "</td>"
            if hasGold {
                out += "<td class=\"num\">" + (labelled[b] > 0 ? String(format: "%.3f", Double(correct[b]) / Double(labelled[b])) : "—") + "</td>"
            }
            out += "</tr>\n"
        }
        out += "</table>\n"

        let shown = limit.map { Array(rows.prefix($0)) } ?? rows
        if shown.count < rows.count { out += "<p>The \(shown.count) least confident faces of \(rows.count).</p>\n" }
        out += "<table><tr><th>#</th><th>face</th><th>image</th><th>name</th><th>confidence</th><th>runner-up</th><th>caption names</th>"
            + (hasGold ? "<th>gold</th>" : "") + "</tr>\n"
        for (k, row) in shown.enumerated() {
            let l = row.label
            out += "<tr class=\"\(l.confidence < 0.9 ? "low" : "high")\"><td class=\"num\">\(k + 1)</td><td>\(crop(row, imagesRoot: imagesRoot))</td>"
            out += "<td>\(escape(row.sampleID)) · face \(row.face + 1)" + (row.image.map { "<br><small>\(escape($0))</small>" } ?? "") + "</td>"
            out += "<td><b>\(escape(l.name))</b></td><td class=\"num conf\">" + String(format: "%.3f", l.confidence) + "</td>"
            out += "<td>" + (l.runnerUp.map { escape($0) + (l.runnerUpScore.map { String(format: " <small>(score %.3f; chosen %.3f)</small>", $0, l.score) } ?? "") } ?? "—") + "</td>"
            out += "<td class=\"caption\">" + escape(row.candidates.joined(separator: ", "))
                + (row.caption.map { "<br><small>\(escape($0))</small>" } ?? "") + "</td>"
            if hasGold {
                out += row.gold.map { g in g == l.name ? "<td class=\"right\">✓</td>" : "<td class=\"wrong\">✗ \(escape(g))</td>" } ?? "<td>—</td>"
            }
            out += "</tr>\n"
        }
        out += "</table>\n</body></html>\n"
        return out
    }

    /// An SVG whose view box is the face's box with a 15 % margin, showing that part of the image at 80 px width.
    /// A face with its own crop image shows that image whole at 80 px.
    static func crop(_ row: Row, imagesRoot: String?) -> String {
        if let faceCrop = row.faceCrop {
            let path = imagesRoot.map { ($0 as NSString).appendingPathComponent(faceCrop) } ?? faceCrop
            return "<img src=\"\(escape(path))\" width=\"80\" alt=\"face crop\">"
        }
        guard let box = row.label.box, let image = row.image, box.x2 > box.x1, box.y2 > box.y1 else { return "—" }
        let w = box.x2 - box.x1, h = box.y2 - box.y1, m = 0.15 * max(w, h)
        let path = imagesRoot.map { ($0 as NSString).appendingPathComponent(image) } ?? image
        let height = Int((80 * (h + 2 * m) / (w + 2 * m)).rounded())
        return String(format: "<svg width=\"80\" height=\"%d\" viewBox=\"%.1f %.1f %.1f %.1f\" preserveAspectRatio=\"xMidYMid slice\">",
                      height, box.x1 - m, box.y1 - m, w + 2 * m, h + 2 * m)
            + "<image href=\"\(escape(path))\"/></svg>"
    }

    /// Text safe inside HTML elements and double- or single-quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
