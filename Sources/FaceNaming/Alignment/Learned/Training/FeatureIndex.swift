// What training and labelling read from a corpus: the face-feature matrix, one feature row per distinct candidate
// string, and for every sample the rows of its faces and of its candidates.
//
// Every NONAME-like candidate (NONAME, NONAMEWRONG) maps to the one row of "NONAME" (`CandidateName.featureText`).

import NumericCore

public struct FeatureIndex: Sendable {
    /// (faces, faceDim), the corpus matrix (memory-mapped when it came from a file).
    public let faces: Tensor
    /// (distinct candidate strings, nameDim)
    public let names: Tensor
    /// The string of each row of `names`.
    public let nameTexts: [String]
    /// Per sample: rows of `faces`, in face order.
    public let faceRows: [[Int]]
    /// Per sample: rows of `names`, in candidate order.
    public let nameRows: [[Int]]
    /// Per sample: the layout of each face and each candidate (`LayoutFeatures`), for models with the layout term.
    public let faceLayouts: [[FaceLayout]]
    public let nameLayouts: [[NameLayout]]

    public var faceDim: Int { faces.shape[1] }
    public var nameDim: Int { names.shape[1] }
    public var sampleCount: Int { faceRows.count }

    /// Encodes every distinct candidate string of `corpus` with `encoder`. Throws `DataError` when the corpus has no
    /// face features or a face has no row.
    public static func build(_ corpus: Corpus, encoder: any NameEncoder) throws -> FeatureIndex {
        guard let faces = corpus.faceFeatures else {
            throw DataError(path: corpus.source, "this corpus has no face features",
                            hint: "training and labelling need face descriptors: give --faces FILE.npy with --lfw/--celebto, or faces.npy in a native corpus")
        }
        let texts = corpus.candidateFeatureTexts
        var rowOf = [String: Int](), faceRows = [[Int]](), nameRows = [[Int]]()
        for (i, text) in texts.enumerated() { rowOf[text] = i }
        faceRows.reserveCapacity(corpus.samples.count)
        nameRows.reserveCapacity(corpus.samples.count)
        for sample in corpus.samples {
            var rows = [Int]()
            for (f, face) in sample.faces.enumerated() {
                guard let row = face.row, row >= 0, row < faces.shape[0] else {
                    throw DataError(path: corpus.source, record: "sample \(sample.id)", field: "faces[\(f)].row",
                                    face.row == nil ? "the face has no feature row" : "row \(face.row!) is outside faces.npy (\(faces.shape[0]) rows)")
                }
                rows.append(row)
            }
            faceRows.append(rows)
            nameRows.append(sample.names.map { rowOf[$0.featureText]! })  // every text is in the table by construction
        }
        let names = try encoder.encode(texts)
        return FeatureIndex(faces: faces, names: names, nameTexts: texts, faceRows: faceRows, nameRows: nameRows,
                            faceLayouts: corpus.samples.map(LayoutFeatures.faces(of:)),
                            nameLayouts: corpus.samples.map(LayoutFeatures.names(of:)))
    }

    /// The packed features of `samples` (indices into the corpus).
    public func batch(_ samples: [Int]) -> PackedBatch {
        pack(faceRows: samples.flatMap { faceRows[$0] }, nameRows: samples.flatMap { nameRows[$0] },
             faceSets: SetLayout(sizes: samples.map { faceRows[$0].count }),
             nameSets: SetLayout(sizes: samples.map { nameRows[$0].count }),
             faceLayouts: samples.flatMap { faceLayouts[$0] }, nameLayouts: samples.flatMap { nameLayouts[$0] })
    }

    /// A batch whose slots read the given rows of `faces` / `names`; each distinct row is gathered once.
    public func pack(faceRows: [Int], nameRows: [Int], faceSets: SetLayout, nameSets: SetLayout,
                     faceLayouts: [FaceLayout]? = nil, nameLayouts: [NameLayout]? = nil) -> PackedBatch {
        let (faceDistinct, faceSlots) = Self.distinct(faceRows), (nameDistinct, nameSlots) = Self.distinct(nameRows)
        return PackedBatch(faces: Self.gather(faces, faceDistinct), names: Self.gather(names, nameDistinct),
                           faceSets: faceSets, nameSets: nameSets,
                           faceRowOfSlot: faceSlots, nameRowOfSlot: nameSlots, faceLayouts: faceLayouts, nameLayouts: nameLayouts)
    }

    /// The distinct values of `rows` in order of first appearance, and each element's position among them
    /// (nil when all are distinct).
    static func distinct(_ rows: [Int]) -> (rows: [Int], slots: [Int]?) {
        var position = [Int: Int](minimumCapacity: rows.count), unique = [Int](), slots = [Int]()
        slots.reserveCapacity(rows.count)
        for r in rows {
            if let p = position[r] { slots.append(p) } else { position[r] = unique.count; slots.append(unique.count); unique.append(r) }
        }
        return (unique, unique.count == rows.count ? nil : slots)
    }

    static func gather(_ x: Tensor, _ rows: [Int]) -> Tensor {
        let d = x.shape[1]
        let out = Tensor(uninitialized: [rows.count, d])
        for (i, r) in rows.enumerated() { (out.pointer + i * d).update(from: x.pointer + r * d, count: d) }
        return out
    }
}
