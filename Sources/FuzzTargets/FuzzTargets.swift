// Every reader of outside data, as a function of raw bytes: the fuzz targets of `scripts/fuzz.sh` (libFuzzer through
// `secla-fuzz`) and of the crash-regression tests. A target may throw any error for bad input (that is the reader
// doing its job); it must never trap, hang or touch memory it does not own.
//
// Readers that take a path get the bytes through one scratch file per process, rewritten for every input.

import FaceIngest
import FaceNaming
import Foundation
import NumericCore

public enum FuzzTarget: String, CaseIterable, Sendable {
    case npy, npz, safetensors
    /// A native corpus's samples.jsonl.
    case corpusJSONL = "corpus-jsonl"
    /// An augmented-LFW dictionary (gt_dict_cleaned_phi_face_name_one.json).
    case lfwDictionary = "lfw-dict"
    /// A Celebrity Together dictionary.
    case celebtoDictionary = "celebto-dict"
    /// A predictions file read against a small corpus (`secla evaluate`).
    case predictions
    /// A labels file (`secla review`), joined with a small corpus.
    case labels
    /// A corrections file (`secla name --fixed`) read against a small corpus.
    case corrections
    /// Captions sidecars (`secla ingest --captions`).
    case sidecarJSONL = "sidecar-jsonl"
    case sidecarCSV = "sidecar-csv"
    /// Caption text (UTF-8) into both person-name finders.
    case captionText = "caption-text"
    /// A CoNLL-2003 file (`secla names train|eval`).
    case conll
    /// Image bytes into the project's JPEG/PNG decoder (`DecodedImage`, the C interface over libjpeg/libpng).
    case image

    /// Runs the reader on `bytes`. Errors are expected for bad input and returned as `false`; `true`: accepted.
    @discardableResult
    public func run(_ bytes: [UInt8]) -> Bool {
        do {
            try body(bytes)
            return true
        } catch {
            return false
        }
    }

    func body(_ bytes: [UInt8]) throws {
        switch self {
        case .npy:
            _ = try NPY.decode(bytes)
        case .npz:
            _ = try NPZ.decode(bytes)
        case .safetensors:
            _ = try Safetensors.decode(bytes)
        case .corpusJSONL:
            _ = try NativeFormat.readSamples(path: Scratch.file("samples.jsonl", bytes))
        case .lfwDictionary:
            let folder = Scratch.folder("lfw")
            _ = Scratch.file("lfw/gt_dict_cleaned_phi_face_name_one.json", bytes)
            _ = try LFWReader.read(folder: folder, subset: .one)
        case .celebtoDictionary:
            _ = try CelebToReader.read(path: Scratch.file("celebto.json", bytes))
        case .predictions:
            let file = try PredictionsFile.read(path: Scratch.file("predictions.json", bytes), corpus: Self.corpus)
            _ = file.evaluate(Self.corpus.samples)
        case .labels:
            let path = Scratch.file("labels.json", bytes)
            let rows = try ReviewReport.rows(labels: try LabelsFile.read(path: path), labelsPath: path, corpus: Self.corpus)
            _ = ReviewReport.html(rows: rows, title: "fuzz")
        case .corrections:
            let corrections = try Corrections.read(path: Scratch.file("corrections.json", bytes), corpus: Self.corpus)
            _ = Naming.labels(corpus: Self.corpus, predictions: Self.corpus.samples.map { $0.faces.map { _ in noName } },
                              options: [], calibration: ConfidenceCalibration(), fixed: corrections.perFace(Self.corpus))
        case .sidecarJSONL:
            _ = try CaptionSidecar.read(path: Scratch.file("captions.jsonl", bytes))
        case .sidecarCSV:
            _ = try CaptionSidecar.read(path: Scratch.file("captions.csv", bytes))
        case .captionText:
            let text = String(decoding: bytes, as: UTF8.self)
            for finder in [NameFinder.placeholder, .tagger(Self.tagger)] {
                _ = finder.names(in: text)
                _ = finder.captionMentions(in: text)
                _ = finder.mentions(in: text)
            }
        case .conll:
            _ = try CoNLL.read(path: Scratch.file("conll.txt", bytes))
        case .image:
            let image = try DecodedImage(bytes: bytes, path: "fuzz")
            _ = (image.width, image.height, image.warning)
        }
    }

    /// Three samples with faces, names and a NONAME candidate: what the predictions, labels and corrections files
    /// are read against (ids "a", "b", "c").
    static let corpus: Corpus = {
        let samples = [
            Sample(id: "a", image: "a.jpg", caption: "Ann and Bob", faces: [Face(row: 0, label: "Ann"), Face(row: 1, label: "Bob")],
                   names: [CandidateName("Ann"), CandidateName("Bob"), CandidateName(noName)]),
            Sample(id: "b", image: "b.jpg", faces: [Face(row: 2, label: noName)], names: [CandidateName("Cid"), CandidateName(noName)]),
            Sample(id: "c", faces: [], names: [CandidateName("Dee")]),
        ]
        return Corpus(samples: samples, faceFeatures: Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1]), source: "fuzz corpus")
    }()

    /// A tagger trained on a few sentences: the fuzz exercises its tokenizer, features and decoder, not its accuracy.
    static let tagger: PersonNameTagger = {
        let sentences = [
            (["President", "Barack", "Obama", "met", "Joe", "Biden", "in", "Washington", "."], ["O", "B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "O", "O"]),
            (["Havel", "said", "Klaus", "was", "wrong", "."], ["B-PER", "O", "B-PER", "O", "O", "O"]),
            (["The", "U.N.", "Security", "Council", "met", "on", "Monday", "."], ["O", "O", "O", "O", "O", "O", "O", "O"]),
        ]
        let document = sentences.enumerated().map { i, s in CoNLL.Sentence(tokens: s.0, tags: s.1, line: i + 1, document: 0) }
        return PersonNameTagger.train(documents: [document], epochs: 2)
    }()
}

/// One scratch folder per process for the readers that take a path.
enum Scratch {
    static let root: String = {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("secla-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    static func folder(_ name: String) -> String {
        let dir = (root as NSString).appendingPathComponent(name)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Writes `bytes` to `name` under the scratch folder (replacing it) and returns its path.
    static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = (root as NSString).appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}
