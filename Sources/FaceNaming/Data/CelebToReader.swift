// Reader of the Celebrity Together dictionaries as the official code expects them (secla-method.md §2.4):
//
//     {key: {"img_dir": "...", "bbox": [[x1, y1, x2, y2], ...], "name_list": ["Abigail Breslin", "NONAME", ...],
//            "gt_link": [[gold, ...], ...], "name_id": ..., "face_id": [...]}}
//
// There is no caption: `name_list` holds one string per face (same order as `bbox`), "NONAME" for an unlabelled
// face, and the candidate list is made from it. No real CelebTo dictionary is available here, so the structure follows
// the code that consumes it; the reader is lenient where that code is ambiguous (see `Gold`).

import Foundation
import NumericCore

public enum CelebToReader {
    struct Record: Decodable {
        var img_dir: String
        var bbox: [[Double]]
        var name_list: [String]
        var gt_link: [Gold]?
    }

    /// One `gt_link` entry. The code reads the gold string as `gt_link[j][0]` in one place and `gt_link[j][0][0]` in
    /// another (§9.3), so the entry may be a string or nested lists; the gold is the first string found by taking
    /// element 0 repeatedly.
    struct Gold: Decodable {
        var text: String?

        init(from decoder: Decoder) throws {
            if let s = try? decoder.singleValueContainer().decode(String.self) { text = s; return }
            var c = try decoder.unkeyedContainer()
            text = c.isAtEnd ? nil : try c.decode(Gold.self).text
        }
    }

    /// Reads one dictionary file. `faces`, when given, is a `.npy` matrix [faces, D] whose rows follow the records in
    /// file order and, within a record, the faces in `bbox` order.
    public static func read(path: String, faces: String? = nil, candidates: CandidateMode = .faithful) throws -> Corpus {
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(path: path, "not found", hint: "a Celebrity Together dictionary such as celeb_dict.json")
        }
        var samples = [Sample]()
        for (key, record) in try JSONDictionaryFile.read(Record.self, path: path) {
            samples.append(try sample(key: key, record: record, path: path, candidates: candidates))
        }
        var features: Tensor?
        if let faces { features = try LFWReader.attachFeatures(&samples, path: faces) }
        return Corpus(samples: samples, faceFeatures: features, source: path)
    }

    static func sample(key: String, record r: Record, path: String, candidates mode: CandidateMode) throws -> Sample {
        let rec = "record '\(key)'"
        func fail(_ field: String, _ problem: String) -> DataError { DataError(path: path, record: rec, field: field, problem) }

        let count = r.bbox.count
        guard r.name_list.count == count else {
            throw fail("name_list", "has \(r.name_list.count) entries but bbox has \(count); there is one name per face")
        }
        if let gold = r.gt_link, gold.count != count {
            throw fail("gt_link", "has \(gold.count) entries but bbox has \(count); there is one gold entry per face")
        }
        var faces = [Face]()
        faces.reserveCapacity(count)
        for k in 0..<count {
            let b = r.bbox[k]
            guard b.count == 4 else { throw fail("bbox[\(k)]", "expected [x1, y1, x2, y2], found \(b.count) numbers") }
            guard b[2] >= b[0], b[3] >= b[1] else { throw fail("bbox[\(k)]", "x2 < x1 or y2 < y1 in \(b)") }
            guard !r.name_list[k].isEmpty else { throw fail("name_list[\(k)]", "empty name") }
            var label = r.name_list[k]
            if let gold = r.gt_link {
                guard let text = gold[k].text, !text.isEmpty else { throw fail("gt_link[\(k)]", "expected a gold name string at element 0") }
                label = text
            }
            faces.append(Face(box: Box(x1: b[0], y1: b[1], x2: b[2], y2: b[3]), label: label,
                              identity: LFWReader.isNoNameString(label) ? nil : label))
        }
        let names: [CandidateName]
        switch mode {
        case .faithful:
            // As `gen_ner_emb_by_layer` (§2.4): every entry, then NONAME if neither NONAME nor NONAMEWRONG is present.
            var list = r.name_list.map { CandidateName($0) }
            if !r.name_list.contains(where: LFWReader.isNoNameString) { list.append(CandidateName(noName)) }
            names = list
        case .clean:
            names = LFWReader.cleanCandidates(r.name_list, rank: [:])
        }
        return Sample(id: key, image: r.img_dir, faces: faces, names: names)
    }
}
