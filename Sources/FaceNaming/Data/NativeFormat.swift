// The native on-disk corpus format (documented with a worked example in docs/corpus-format.md):
//
//     samples.jsonl   one sample per line: {"id", "image"?, "caption"?, "faces": [...], "names": [...], "slots"?}
//     faces.npy       float32 (or float64) [faces, D]: face descriptors; each face's "row" indexes it (optional file)
//     names.json      ["George W. Bush", ...]: strings with precomputed features (optional, with names.npy)
//     names.npy       float32 [names, D'], row i = names.json[i]
//
// Reading validates everything and throws a `DataError` naming file, line and field; nothing is half-read.
// Writing goes through temporary files renamed into place, so an existing corpus is never left half-written.

import Foundation
import NumericCore

public enum NativeFormat {
    public static let samplesFile = "samples.jsonl"
    public static let facesFile = "faces.npy"
    public static let namesFile = "names.json"
    public static let nameFeaturesFile = "names.npy"

    /// Whether `folder` looks like a native corpus (has samples.jsonl).
    public static func isCorpus(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(samplesFile))
    }

    // MARK: - Reading

    public static func read(folder: String) throws -> Corpus {
        let samplesPath = (folder as NSString).appendingPathComponent(samplesFile)
        guard FileManager.default.fileExists(atPath: samplesPath) else {
            throw DataError(path: samplesPath, "not found", hint: "a native corpus folder holds samples.jsonl (and usually faces.npy); see docs/corpus-format.md")
        }
        let samples = try readSamples(path: samplesPath)

        let facesPath = (folder as NSString).appendingPathComponent(facesFile)
        var faceFeatures: Tensor?
        if FileManager.default.fileExists(atPath: facesPath) {
            faceFeatures = try readFeatureMatrix(path: facesPath, what: "face")
        }
        try checkFaceRows(samples, faces: faceFeatures, samplesPath: samplesPath, facesPath: facesPath)

        let namesPath = (folder as NSString).appendingPathComponent(namesFile)
        let nameFeaturesPath = (folder as NSString).appendingPathComponent(nameFeaturesFile)
        var nameFeatures: NameFeatures?
        switch (FileManager.default.fileExists(atPath: namesPath), FileManager.default.fileExists(atPath: nameFeaturesPath)) {
        case (true, true): nameFeatures = try readNameFeatures(namesPath: namesPath, featuresPath: nameFeaturesPath)
        case (true, false): throw DataError(path: nameFeaturesPath, "not found, but \(namesFile) is present", hint: "give both names.json and names.npy, or neither")
        case (false, true): throw DataError(path: namesPath, "not found, but \(nameFeaturesFile) is present", hint: "give both names.json and names.npy, or neither")
        case (false, false): break
        }
        return Corpus(samples: samples, faceFeatures: faceFeatures, nameFeatures: nameFeatures, source: folder)
    }

    /// Parses samples.jsonl: one JSON object per line, blank lines ignored, ids unique.
    public static func readSamples(path: String) throws -> [Sample] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        var samples = [Sample](), lineOfId = [String: Int]()
        var lineNumber = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var start = 0
            let bytes = raw.bindMemory(to: UInt8.self)
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                lineNumber += 1
                let line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                start = end + 1
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
                let record = "line \(lineNumber)"
                let sample: Sample
                do { sample = try decoder.decode(Sample.self, from: Data(line)) } catch let error as DecodingError {
                    throw DataError(path: path, record: record, decoding: error)
                }
                try validate(sample, path: path, record: record)
                if let previous = lineOfId[sample.id] {
                    throw DataError(path: path, record: record, field: "id", "duplicate id \"\(sample.id)\" (first on line \(previous))")
                }
                lineOfId[sample.id] = lineNumber
                samples.append(sample)
            }
        }
        guard !samples.isEmpty else { throw DataError(path: path, "holds no samples", hint: "one JSON object per line; see docs/corpus-format.md") }
        return samples
    }

    /// Checks of one sample that need no other file.
    static func validate(_ s: Sample, path: String, record: String) throws {
        guard !s.id.isEmpty else { throw DataError(path: path, record: record, field: "id", "empty id") }
        guard !s.names.isEmpty else {
            throw DataError(path: path, record: record, field: "names", "no candidate names", hint: "every caption needs at least the NONAME candidate")
        }
        for (k, n) in s.names.enumerated() where n.text.isEmpty {
            throw DataError(path: path, record: record, field: "names[\(k)].text", "empty name")
        }
        for (k, n) in s.names.enumerated() {
            if let m = n.mention, m < 0 { throw DataError(path: path, record: record, field: "names[\(k)].mention", "negative mention rank \(m)") }
        }
        for (k, f) in s.faces.enumerated() {
            if let r = f.row, r < 0 { throw DataError(path: path, record: record, field: "faces[\(k)].row", "negative row \(r)") }
            if let b = f.box, b.x2 < b.x1 || b.y2 < b.y1 {
                throw DataError(path: path, record: record, field: "faces[\(k)].box", "x2 < x1 or y2 < y1 in \([b.x1, b.y1, b.x2, b.y2])")
            }
        }
        for (k, slot) in (s.slots ?? []).enumerated() {
            if let f = slot.face, f < 0 || f >= s.faces.count {
                throw DataError(path: path, record: record, field: "slots[\(k)].face", "face \(f) does not exist (the sample has \(s.faces.count) faces)")
            }
        }
    }

    /// Every face has a row inside the feature matrix, and no two faces share one.
    static func checkFaceRows(_ samples: [Sample], faces: Tensor?, samplesPath: String, facesPath: String) throws {
        guard let faces else { return }
        let rows = faces.shape[0]
        var owner = [Int32](repeating: -1, count: rows)
        for (i, s) in samples.enumerated() {
            for (k, f) in s.faces.enumerated() {
                guard let r = f.row else {
                    throw DataError(path: samplesPath, record: "sample \"\(s.id)\"", field: "faces[\(k)].row", "missing, but \(facesFile) is present",
                                    hint: "give every face the row of its descriptor in faces.npy")
                }
                guard r < rows else {
                    throw DataError(path: samplesPath, record: "sample \"\(s.id)\"", field: "faces[\(k)].row",
                                    "row \(r) is out of range: \(facesPath) has \(rows) rows")
                }
                if owner[r] >= 0 {
                    throw DataError(path: samplesPath, record: "sample \"\(s.id)\"", field: "faces[\(k)].row",
                                    "row \(r) is already used by sample \"\(samples[Int(owner[r])].id)\"")
                }
                owner[r] = Int32(i)
            }
        }
    }

    /// A 2-D float32 matrix of finite values (float64 files are converted).
    public static func readFeatureMatrix(path: String, what: String) throws -> Tensor {
        let tensor: Tensor
        do {
            let array = try NPY.read(path: path)
            guard array.shape.count == 2 else {
                throw DataError(path: path, field: "shape", "\(what) features must be a 2-D array [\(what)s, dim], found shape \(describe(array.shape))")
            }
            tensor = try array.floatTensor()
        } catch let error as FormatError { throw DataError(error) }
        guard tensor.shape[1] > 0 else { throw DataError(path: path, field: "shape", "\(what) features have dimension 0") }
        let d = tensor.shape[1], p = tensor.pointer
        for r in 0..<tensor.shape[0] {
            let row = p + r * d
            for j in 0..<d where !row[j].isFinite {
                throw DataError(path: path, record: "row \(r)", "\(what) feature \(j) is \(row[j])", hint: "features must be finite numbers")
            }
        }
        return tensor
    }

    public static func readNameFeatures(namesPath: String, featuresPath: String) throws -> NameFeatures {
        let names: [String]
        do {
            names = try JSONDecoder().decode([String].self, from: Data(contentsOf: URL(fileURLWithPath: namesPath)))
        } catch let error as DecodingError {
            throw DataError(path: namesPath, record: "top level", decoding: error)
        } catch {
            throw DataError(path: namesPath, "cannot be read: \(error.localizedDescription)")
        }
        var seen = [String: Int]()
        for (i, n) in names.enumerated() {
            if let j = seen[n] { throw DataError(path: namesPath, record: "entry \(i)", "duplicate name \"\(n)\" (also entry \(j))") }
            seen[n] = i
        }
        let features = try readFeatureMatrix(path: featuresPath, what: "name")
        guard features.shape[0] == names.count else {
            throw DataError(path: featuresPath, field: "shape", "\(features.shape[0]) rows for the \(names.count) names of \(namesPath)")
        }
        return NameFeatures(names: names, features: features)
    }

    // MARK: - Writing

    /// Writes `corpus` into `folder` (created if needed). Each file is written to a temporary name and renamed.
    public static func write(_ corpus: Corpus, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = Data()
        for s in corpus.samples {
            out.append(try encoder.encode(s))
            out.append(UInt8(ascii: "\n"))
        }
        if let faces = corpus.faceFeatures {
            try NPY.write(faces, to: (folder as NSString).appendingPathComponent(facesFile))
        }
        if let names = corpus.nameFeatures {
            try writeAtomically(try JSONEncoder().encode(names.names), to: (folder as NSString).appendingPathComponent(namesFile))
            try NPY.write(names.features, to: (folder as NSString).appendingPathComponent(nameFeaturesFile))
        }
        // samples.jsonl last: a folder is a corpus once it exists, and by then its features are complete.
        try writeAtomically(out, to: (folder as NSString).appendingPathComponent(samplesFile))
    }
}
