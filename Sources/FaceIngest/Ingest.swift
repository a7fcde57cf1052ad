// `secla ingest`: a folder of photos (and a caption sidecar) → a native corpus with dlib face descriptors.
//
//     OUT/samples.jsonl   one sample per captioned photo: image path, caption, detected faces (box, score, row,
//                         gold label when the sidecar gives one), candidate names (+ NONAME)
//     OUT/faces.npy       float32 [rows, 128]: every descriptor the journal holds, in journal order
//     OUT/ingest.json     the run: photos folder, settings, counts, every photo that failed and why
//     OUT/.ingest/        the journal (IngestJournal.swift): what makes re-runs incremental and kills harmless
//
// faces.npy may hold rows no sample uses (photos that changed or left the folder): rows never move, which is what
// keeps a corpus readable at every instant of an update.

import FaceNaming
import Foundation
import NumericCore

public struct IngestOptions: Sendable {
    public var detection: DetectionSettings = .standard
    public var threads: Int = 2
    public var models = FaceModels(folder: FaceModels.defaultFolder)
    /// How names are found in caption text (nil: `NameFinder.load()`, the installed tagger or the placeholder).
    public var nameFinder: NameFinder?
    public init() {}

    /// What a journaled result must match to be reused (threads do not change results).
    var fingerprint: String {
        "photo/\(detection.detector.rawValue)/up\(detection.upsample)/th\(detection.threshold)/max\(detection.maxSide)/resnet-v1"
    }
}

public struct IngestFailure: Codable, Equatable, Sendable {
    public var image: String
    public var problem: String
}

public struct IngestSummary: Codable, Sendable {
    public var photosFolder: String
    public var captions: String?
    public var settings: DetectionSettings
    public var threads: Int
    /// Photos the run covers (captioned photos, or every photo without a sidecar).
    public var photos: Int
    public var processed: Int
    public var reused: Int
    public var failed: [IngestFailure]
    public var samples: Int
    public var faces: Int
    public var photosWithoutFaces: Int
    /// Photos in the folder that the sidecar does not caption (not ingested).
    public var uncaptioned: Int
    public var warnings: [IngestFailure]
    /// Loading the models (once per worker thread), then processing the photos.
    public var modelLoadSeconds: Double
    public var seconds: Double
    public var photosPerSecond: Double
    public var facesPerSecond: Double
    public var blasCore: String
    /// Which finder gave the names of captions without `names`.
    public var nameFinder: String
}

public enum Ingest {
    public static let manifestFile = "ingest.json"
    static let photoExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// Every JPEG and PNG under `folder` (recursively, hidden folders skipped), as sorted relative paths.
    public static func listPhotos(in folder: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(path: folder, "is not a folder", hint: "--photos names the folder that holds the photos")
        }
        guard let walker = FileManager.default.enumerator(atPath: folder) else { throw DataError(path: folder, "cannot be listed") }
        var out = [String]()
        while let rel = walker.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") { walker.skipDescendants(); continue }
            if photoExtensions.contains((name as NSString).pathExtension.lowercased()) { out.append(rel) }
        }
        return out.sorted()
    }

    /// Runs the ingest; `progress` is called after every photo (from a worker thread, one call at a time).
    public static func run(photos: String, captions: String?, out: String, options: IngestOptions,
                           progress: ((IngestProgress) -> Void)? = nil) throws -> IngestSummary {
        let records: [CaptionRecord]? = try captions.map { try CaptionSidecar.read(path: $0) }
        // Names from caption text: the trained tagger when installed (`secla names train`), else the placeholder rule.
        let nameFinder = try options.nameFinder ?? NameFinder.load()
        let inFolder = try listPhotos(in: photos)
        let items: [(key: String, record: CaptionRecord?)]
        var uncaptioned = 0
        if let records {
            items = records.map { ($0.image, $0) }
            let named = Set(records.map(\.image))
            uncaptioned = inFolder.filter { !named.contains($0) }.count
        } else {
            guard !inFolder.isEmpty else {
                throw DataError(path: photos, "holds no JPEG or PNG photos", hint: "photos are found by extension: .jpg, .jpeg, .png (any case), in sub-folders too")
            }
            items = inFolder.map { ($0, nil) }
        }
        try options.models.check(cnn: options.detection.detector == .cnn)
        try refuseForeignCorpus(out)
        let journal = try IngestJournal(corpusFolder: out)
        let settings = options.fingerprint

        var failures = [String: String]()
        var jobs = [PhotoWork](), reused = 0
        for item in items {
            let path = item.key.hasPrefix("/") ? item.key : (photos as NSString).appendingPathComponent(item.key)
            guard let fp = FileFingerprint(path: path) else {
                failures[item.key] = FileManager.default.fileExists(atPath: path) ? "not a regular file" : "photo not found"
                continue
            }
            if journal.reusable(key: item.key, fingerprint: fp, settings: settings) != nil { reused += 1; continue }
            jobs.append(PhotoWork(key: item.key, path: path, fingerprint: fp))
        }

        let detection = options.detection
        let started = Date()
        var processedFaces = 0, failedJobs = 0
        let loadSeconds = try PhotoProcessor.run(jobs: jobs, threads: options.threads, models: options.models, cnn: detection.detector == .cnn,
                               work: { engine, job in
                                   PhotoOutcome.catching {
                                       let image = try DecodedImage(path: job.path)
                                       return .done(image, faces: try engine.faces(in: image, settings: detection))
                                   }
                               },
                               commit: { i, outcome in
                                   let job = jobs[i]
                                   switch outcome {
                                   case let .done(width, height, orientation, warning, faces):
                                       try journal.append(key: job.key, fingerprint: job.fingerprint, settings: settings, width: width,
                                                          height: height, orientation: orientation, warning: warning, faces: faces)
                                       processedFaces += faces.count
                                   case let .failed(problem):
                                       failures[job.key] = problem
                                       failedJobs += 1
                                   }
                               },
                               progress: progress)
        let seconds = Date().timeIntervalSince(started) - loadSeconds
        journal.sync()

        // The corpus: one sample per item whose photo has a current journal entry.
        var samples = [Sample](), warnings = [IngestFailure](), withoutFaces = 0
        for item in items where failures[item.key] == nil {
            guard let fp = FileFingerprint(path: item.key.hasPrefix("/") ? item.key : (photos as NSString).appendingPathComponent(item.key)),
                  let entry = journal.reusable(key: item.key, fingerprint: fp, settings: settings) else {
                failures[item.key] = "the photo changed while it was being ingested; run again"
                continue
            }
            if let w = entry.warning { warnings.append(IngestFailure(image: item.key, problem: "decoded with a warning: \(w)")) }
            if entry.faces.isEmpty { withoutFaces += 1 }
            let record = item.record
            var goldLabels: [String]?
            if let gold = record?.labels {
                let matched = matchGoldLabels(gold, detections: entry.faces.map(\.box))
                goldLabels = matched.labels
                for g in matched.unmatched {
                    warnings.append(IngestFailure(image: item.key, problem: "gold face \"\(g.name)\" at \([g.box.x1, g.box.y1, g.box.x2, g.box.y2]) matches no detected face"))
                }
            }
            let names = record?.names ?? record?.caption.map(nameFinder.names(in:)) ?? []
            // Names listed beside a caption carry no order of their own: the caption's order of mentions decides
            // (LayoutFeatures reads it from the text), so they get no ranks here.
            let explicitWithCaption = record?.names != nil && record?.caption != nil
            let candidates = explicitWithCaption ? names.map { CandidateName($0) } + [CandidateName(noName)]
                                                 : CaptionNameFinder.candidates(names: names, caption: record?.caption)
            for label in goldLabels ?? [] where label != noName && !names.contains(label) {
                warnings.append(IngestFailure(image: item.key, problem: "gold name \"\(label)\" is not among the candidate names \(names)"))
            }
            let faces = entry.faces.enumerated().map { k, f in
                Face(row: entry.row + k, box: f.box, label: goldLabels?[k], score: f.score)
            }
            samples.append(Sample(id: record?.id ?? item.key, image: item.key, caption: record?.caption, faces: faces,
                                  names: candidates))
        }
        guard !samples.isEmpty else {
            throw DataError(path: photos, "no photo could be ingested (\(failures.count) failed; first: \(failures.sorted { $0.key < $1.key }.first.map { "\($0.key): \($0.value)" } ?? "none"))")
        }

        let descriptors = try journal.descriptors()
        try NativeFormat.write(Corpus(samples: samples, faceFeatures: descriptors, source: out), to: out)

        let failedList = failures.map { IngestFailure(image: $0.key, problem: $0.value) }.sorted { $0.image < $1.image }
        let summary = IngestSummary(
            photosFolder: absolutePath(photos), captions: captions, settings: detection, threads: options.threads,
            photos: items.count, processed: jobs.count - failedJobs, reused: reused,
            failed: failedList, samples: samples.count, faces: samples.reduce(0) { $0 + $1.faces.count }, photosWithoutFaces: withoutFaces,
            uncaptioned: uncaptioned, warnings: warnings, modelLoadSeconds: loadSeconds, seconds: seconds,
            photosPerSecond: seconds > 0 ? Double(jobs.count) / seconds : 0, facesPerSecond: seconds > 0 ? Double(processedFaces) / seconds : 0,
            blasCore: BLAS.coreName, nameFinder: nameFinder.description)
        try writeManifest(summary, to: out)
        return summary
    }

    /// A folder holding a corpus that no ingest journal describes is someone else's: refuse to replace it.
    static func refuseForeignCorpus(_ out: String) throws {
        let journal = ((out as NSString).appendingPathComponent(IngestJournal.folderName) as NSString).appendingPathComponent("journal.jsonl")
        if NativeFormat.isCorpus(out) && !FileManager.default.fileExists(atPath: journal) {
            throw DataError(path: out, "holds a corpus that `secla ingest` did not make (no \(IngestJournal.folderName)/journal.jsonl)",
                            hint: "choose a new --out folder; ingest never overwrites another corpus")
        }
    }

    static func writeManifest<T: Encodable>(_ value: T, to out: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try writeAtomically(try encoder.encode(value), to: (out as NSString).appendingPathComponent(manifestFile))
    }

    /// The photos folder recorded by the ingest that made `corpus` (for `secla review`'s image paths), if any.
    public static func photosFolder(ofCorpus corpus: String) -> String? {
        struct Manifest: Decodable { var photosFolder: String }
        let path = (corpus as NSString).appendingPathComponent(manifestFile)
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        return (try? JSONDecoder().decode(Manifest.self, from: data))?.photosFolder
    }
}

/// `path` made absolute against the current directory, with `.` and `..` resolved.
func absolutePath(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
