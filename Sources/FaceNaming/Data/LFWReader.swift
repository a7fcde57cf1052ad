// Reader of the official augmented-LFW dictionaries (secla-method.md §2.1–2.2, metric slots §9.1).
//
// The full benchmark is `one` ∪ `rest`: the records of gt_dict_cleaned_phi_face_name_one.json in file order, then
// those of gt_dict_cleaned_phi_face_name_one_rest.json in file order. That order matters: face-feature files are
// written in it, and the official code iterates the dictionaries in it.

import Foundation
import NumericCore

/// How a caption's candidate names are formed.
public enum CandidateMode: String, CaseIterable, Sendable {
    /// Exactly the official code (§2.2): one candidate per slot (`name_list[i][0]`, NOFACE names and every NONAME /
    /// NONAMEWRONG entry included, duplicates kept), plus a "NONAME" appended when neither NONAME nor NONAMEWRONG is
    /// present. It leaks the number of unnamed faces; use it to reproduce published numbers.
    case faithful
    /// The caption's distinct real names in first-occurrence order plus one NONAME: what a caption alone would give.
    case clean
}

public enum LFWReader {
    public static let oneFile = "gt_dict_cleaned_phi_face_name_one.json"
    public static let restFile = "gt_dict_cleaned_phi_face_name_one_rest.json"

    /// Which dictionaries to read.
    public enum Subset: String, CaseIterable, Sendable {
        /// one ∪ rest, the full benchmark (10,976 images).
        case all
        /// The easy subset (3,142 images, one face and one caption name each).
        case one
        /// Everything else (7,834 images).
        case rest
    }

    /// One record as stored. Only the fields the reader uses are required; `name` (raw mentions) is never used.
    struct Record: Decodable {
        var img_name: [String]
        var face_x: [Double]
        var face_y: [Double]
        var face_size: [Double]
        var ner: [String]
        var ner_list: [[String]]
        var name_list: [[String]]
        var gt_link: [[String]]?
    }

    /// Reads the dictionaries in `folder`. `faces`, when given, is a `.npy` matrix [faces, D] whose rows follow the
    /// records read (for `.all`: `one` in file order, then `rest`), and within a record the slots with a box in slot
    /// order; its row count must equal the number of faces.
    public static func read(folder: String, faces: String? = nil, candidates: CandidateMode = .faithful, subset: Subset = .all) throws -> Corpus {
        let files: [String] = switch subset {
        case .all: [oneFile, restFile]
        case .one: [oneFile]
        case .rest: [restFile]
        }
        var samples = [Sample]()
        for file in files {
            let path = (folder as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw DataError(path: path, "not found", hint: "the augmented-LFW folder holds \(oneFile) and \(restFile) (folder Berg/ of the official SECLA repository)")
            }
            for (key, record) in try JSONDictionaryFile.read(Record.self, path: path) {
                samples.append(try sample(key: key, record: record, path: path, candidates: candidates))
            }
        }
        var features: Tensor?
        if let faces {
            features = try attachFeatures(&samples, path: faces)
        }
        return Corpus(samples: samples, faceFeatures: features, source: folder)
    }

    /// Converts one validated record.
    static func sample(key: String, record r: Record, path: String, candidates mode: CandidateMode) throws -> Sample {
        let rec = "record '\(key)'"
        func fail(_ field: String, _ problem: String) -> DataError { DataError(path: path, record: rec, field: field, problem) }

        guard let image = r.img_name.first else { throw fail("img_name", "empty list (expected the image path)") }
        let count = r.face_x.count
        let parallel: [(String, Int)] = [("face_y", r.face_y.count), ("face_size", r.face_size.count), ("ner", r.ner.count),
                                         ("name_list", r.name_list.count)] + (r.gt_link.map { [("gt_link", $0.count)] } ?? [])
        for (field, n) in parallel where n != count {
            throw fail(field, "has \(n) entries but face_x has \(count); the per-slot lists must have equal length")
        }
        var slotNames = [String]()
        slotNames.reserveCapacity(count)
        for (i, entry) in r.name_list.enumerated() {
            guard let name = entry.first, !name.isEmpty else { throw fail("name_list[\(i)]", "expected a one-element list holding a non-empty name") }
            slotNames.append(name)
        }
        // Mention rank: the position, among the distinct ner_list strings in first-occurrence order, of the first
        // mention that contains the name or is contained in it ("Bush" is mentioned by "George W. Bush" and vice
        // versa). With exact matching 1,096 caption names have no mention; this rule reproduces the reference
        // "largest face gets the first-mentioned name" F1 of 0.7696 exactly (exact matching gives 0.7616).
        var mentions = [String](), seenMention = Set<String>()
        for (j, mention) in r.ner_list.enumerated() {
            guard let text = mention.first else { throw fail("ner_list[\(j)]", "expected [mention, cluster id], found an empty list") }
            if seenMention.insert(text).inserted { mentions.append(text) }
        }
        var rank = [String: Int](), mentionCount = [String: Int]()
        for name in slotNames where !isNoNameString(name) && rank[name] == nil {
            if let k = mentions.firstIndex(where: { $0 == name || $0.contains(name) || name.contains($0) }) { rank[name] = k }
            // Every mention (not only distinct ones) by the same containment rule.
            mentionCount[name] = r.ner_list.filter { m in m.first.map { $0 == name || $0.contains(name) || name.contains($0) } ?? false }.count
        }

        var faces = [Face](), slots = [Slot]()
        faces.reserveCapacity(count)
        slots.reserveCapacity(count)
        for i in 0..<count {
            let name = slotNames[i], ner = r.ner[i]
            if r.face_x[i] == -1 {
                slots.append(Slot(face: nil, gold: ner == "NOFACEWRONG" ? "WRONGFACE" : "NOFACE"))
                continue
            }
            guard r.face_size[i] >= 0 else { throw fail("face_size[\(i)]", "negative half side \(r.face_size[i])") }
            let wrong = ner == "NONAMEWRONG" || name == "NONAMEWRONG"
            slots.append(Slot(face: faces.count, gold: ner == "NONAMEWRONG" ? "WRONGNAME" : name))
            faces.append(Face(box: Box(centerX: r.face_x[i], centerY: r.face_y[i], halfSide: r.face_size[i]),
                              label: wrong ? "NONAMEWRONG" : name, identity: ner, wrong: wrong))
        }

        let names: [CandidateName]
        switch mode {
        case .faithful:
            var list = slotNames.map { CandidateName($0, mention: isNoNameString($0) ? nil : rank[$0], mentions: isNoNameString($0) ? nil : mentionCount[$0]) }
            if !slotNames.contains(where: isNoNameString) { list.append(CandidateName(noName)) }
            names = list
        case .clean:
            names = cleanCandidates(slotNames, rank: rank, count: mentionCount)
        }
        return Sample(id: key, image: image, faces: faces, names: names, slots: slots)
    }

    static func isNoNameString(_ s: String) -> Bool { s == noName || s == "NONAMEWRONG" }

    /// Distinct real names in first-occurrence order, then one NONAME.
    static func cleanCandidates(_ strings: [String], rank: [String: Int], count: [String: Int] = [:]) -> [CandidateName] {
        var seen = Set<String>(), out = [CandidateName]()
        for s in strings where !isNoNameString(s) && seen.insert(s).inserted {
            out.append(CandidateName(s, mention: rank[s], mentions: count[s]))
        }
        out.append(CandidateName(noName))
        return out
    }

    /// Reads a face-feature matrix whose rows follow the faces of `samples` in order, and points each face at its row.
    static func attachFeatures(_ samples: inout [Sample], path: String) throws -> Tensor {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError(path: path, "not found") }
        let features = try NativeFormat.readFeatureMatrix(path: path, what: "face")
        let faceCount = samples.reduce(0) { $0 + $1.faces.count }
        guard features.shape[0] == faceCount else {
            throw DataError(path: path, field: "shape", "has \(features.shape[0]) rows but the dictionary records hold \(faceCount) faces",
                            hint: "rows follow the records in file order and, within a record, the faces in slot order")
        }
        var row = 0
        for s in samples.indices {
            for f in samples[s].faces.indices {
                samples[s].faces[f].row = row
                row += 1
            }
        }
        return features
    }
}
