// The research path: augmented LFW with real face descriptors computed from public LFW crops.
//
// Augmented LFW annotates faces in Berg et al.'s news photos (centre and half side per face); LFW's images are
// 250×250 crops of the same photos, and LFW's mapping.txt says where each crop came from:
//     name<TAB>index<TAB>source photo<TAB>x<TAB>y<TAB>w<TAB>h     (crop LFW/name/name_%04d.jpg = square x, y, w, h)
// An annotated face is matched to the crop of its source photo whose centre is nearest the face centre, accepted
// when that distance is below max(10 px, half side / 2); each crop serves one face (the nearest). The descriptor is
// that of the face in the crop: HOG detection in the crop (no upsampling; once upsampled when nothing is found),
// the detection nearest the crop centre, then landmarks and the ResNet descriptor. When no face is detected at all,
// the central box of side 250 / 2.2 (LFW crops are about 2.2× the detected face) is described and the crop is
// listed in the summary.
//
// LFW holds only faces that carried a name when it was built, so most gold NONAME faces have no crop. Records are
// kept only when every face has a crop (a corpus format face must have a descriptor; dropping a face would change
// the official metric's slots); the summary counts what was left out and why.

import FaceNaming
import Foundation
import NumericCore

public struct LFWCropEntry: Equatable, Sendable {
    public var identity: String
    public var index: Int
    public var source: String
    public var x: Double, y: Double, w: Double, h: Double

    public var centerX: Double { x + w / 2 }
    public var centerY: Double { y + h / 2 }
    /// LFW's file layout: identity/identity_%04d.jpg.
    public var relativePath: String { "\(identity)/\(identity)_\(String(format: "%04d", index)).jpg" }
}

public struct LFWIngestSummary: Codable, Sendable {
    public var lfw: String
    public var lfwImages: String
    public var mapping: String
    public var candidates: String
    public var records: Int
    public var recordsKept: Int
    public var faces: Int
    public var facesKept: Int
    public var facesKeptNoName: Int
    /// Faces of dropped records with no crop, and how many of them are gold NONAME.
    public var facesWithoutCrop: Int
    public var facesWithoutCropNoName: Int
    /// Annotated faces whose nearest crop is not among the images given (e.g. the held-back odd half).
    public var facesWithCropNotGiven: Int
    public var recordsWithoutFaces: Int
    public var crops: Int
    public var cropsProcessed: Int
    public var cropsReused: Int
    /// Crops where no face was detected and the central box was described.
    public var cropsWithoutDetection: [String]
    public var failed: [IngestFailure]
    public var medianMatchDistance: Double
    public var sameIdentity: Int
    public var modelLoadSeconds: Double
    public var seconds: Double
    public var cropsPerSecond: Double
    public var blasCore: String
}

public enum LFWCrops {
    /// Reads mapping.txt; errors name the line and the field.
    public static func readMapping(path: String) throws -> [LFWCropEntry] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DataError(path: path, "cannot be read: \(error.localizedDescription)", hint: "LFW's mapping.txt, from the LFW site")
        }
        var out = [LFWCropEntry]()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            let record = "line \(i + 1)"
            guard f.count == 7 else {
                throw DataError(path: path, record: record, "\(f.count) tab-separated fields (expected 7: name, index, source photo, x, y, w, h)")
            }
            let fields = ["index", "x", "y", "w", "h"]
            var numbers = [Double]()
            for (k, s) in [f[1], f[3], f[4], f[5], f[6]].enumerated() {
                guard let v = Double(s), v.isFinite else { throw DataError(path: path, record: record, field: fields[k], "not a number: \"\(s)\"") }
                numbers.append(v)
            }
            guard let index = Int(f[1]), index >= 0 else { throw DataError(path: path, record: record, field: "index", "not a non-negative integer: \"\(f[1])\"") }
            guard numbers[3] > 0, numbers[4] > 0 else { throw DataError(path: path, record: record, field: "w", "crop side must be positive") }
            guard !f[0].isEmpty, !f[0].contains("/") else { throw DataError(path: path, record: record, field: "name", "empty or contains '/'") }
            out.append(LFWCropEntry(identity: f[0], index: index, source: f[2], x: numbers[1], y: numbers[2], w: numbers[3], h: numbers[4]))
        }
        guard !out.isEmpty else { throw DataError(path: path, "holds no mapping lines") }
        return out
    }

    /// The crop of `face` (box centre ± half side) among `crops` of its source photo: the nearest centre, if it is
    /// within max(10, half side / 2). Returns the crop's index in `crops` and the distance.
    static func nearestCrop(to box: Box, among crops: [Int], entries: [LFWCropEntry]) -> (Int, Double)? {
        let cx = (box.x1 + box.x2) / 2, cy = (box.y1 + box.y2) / 2, half = box.width / 2
        var best: (Int, Double)?
        for c in crops {
            let e = entries[c]
            let d = ((e.centerX - cx) * (e.centerX - cx) + (e.centerY - cy) * (e.centerY - cy)).squareRoot()
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let best, best.1 < max(10, half / 2) else { return nil }
        return best
    }

    /// Builds the corpus in `out`. `options.detection` is used with upsample 0 first (LFW faces are ≈ 110 px).
    public static func run(lfw: String, images: String, mapping: String, out: String, candidates: CandidateMode,
                           options: IngestOptions, progress: ((IngestProgress) -> Void)? = nil) throws -> LFWIngestSummary {
        let source = try LFWReader.read(folder: lfw, faces: nil, candidates: candidates)
        let entries = try readMapping(path: mapping)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: images, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError(path: images, "is not a folder", hint: "--lfw-images names LFW's image folder (NAME/NAME_0001.jpg, …)")
        }
        try options.models.check(cnn: options.detection.detector == .cnn)
        try Ingest.refuseForeignCorpus(out)

        var bySource = [String: [Int]]()
        for (i, e) in entries.enumerated() { bySource[e.source, default: []].append(i) }

        // Match every face; a crop claimed by two faces goes to the nearer one.
        var match = source.samples.map { [Int?](repeating: nil, count: $0.faces.count) }
        var distances = source.samples.map { [Double](repeating: .nan, count: $0.faces.count) }
        var claimed = [Int: (sample: Int, face: Int, distance: Double)]()
        var notGiven = 0
        var exists = [Int: Bool]()
        func cropExists(_ c: Int) -> Bool {
            if let e = exists[c] { return e }
            let e = FileManager.default.fileExists(atPath: (images as NSString).appendingPathComponent(entries[c].relativePath))
            exists[c] = e
            return e
        }
        for (s, sample) in source.samples.enumerated() {
            for (k, face) in sample.faces.enumerated() {
                guard let box = face.box, let image = sample.image, let crops = bySource[image],
                      let (c, dist) = nearestCrop(to: box, among: crops, entries: entries) else { continue }
                guard cropExists(c) else { notGiven += 1; continue }
                if let previous = claimed[c] {
                    if previous.distance <= dist { continue }
                    match[previous.sample][previous.face] = nil
                }
                claimed[c] = (s, k, dist)
                match[s][k] = c; distances[s][k] = dist
            }
        }
        // Records whose every face has a crop.
        var keep = [Int](), withoutCrop = 0, withoutCropNoName = 0, withoutFaces = 0
        for (s, sample) in source.samples.enumerated() {
            if sample.faces.isEmpty { withoutFaces += 1; continue }
            let missing = sample.faces.indices.filter { match[s][$0] == nil }
            if missing.isEmpty { keep.append(s) } else {
                withoutCrop += missing.count
                withoutCropNoName += missing.filter { sample.faces[$0].label == noName }.count
            }
        }
        var cropSet = Set<Int>()
        for s in keep { for c in match[s] { cropSet.insert(c!) } }
        let cropList = cropSet.sorted { entries[$0].relativePath < entries[$1].relativePath }

        let journal = try IngestJournal(corpusFolder: out)
        let settings = "lfw-crop/\(options.detection.detector.rawValue)/th\(options.detection.threshold)/resnet-v1"
        var jobs = [PhotoWork](), failures = [String: String](), reused = 0
        for c in cropList {
            let rel = entries[c].relativePath
            let path = (images as NSString).appendingPathComponent(rel)
            guard let fp = FileFingerprint(path: path) else { failures[rel] = "crop not found"; continue }
            if journal.reusable(key: rel, fingerprint: fp, settings: settings) != nil { reused += 1; continue }
            jobs.append(PhotoWork(key: rel, path: path, fingerprint: fp))
        }
        let detection = DetectionSettings(detector: options.detection.detector, upsample: 0, threshold: options.detection.threshold, maxSide: 0)
        let started = Date()
        let loadSeconds = try PhotoProcessor.run(jobs: jobs, threads: options.threads, models: options.models, cnn: detection.detector == .cnn,
                               work: { engine, job in describeCentralFace(engine: engine, job: job, detection: detection) },
                               commit: { i, outcome in
                                   let job = jobs[i]
                                   switch outcome {
                                   case let .done(width, height, orientation, warning, faces):
                                       try journal.append(key: job.key, fingerprint: job.fingerprint, settings: settings, width: width, height: height,
                                                          orientation: orientation, warning: warning, faces: faces)
                                   case let .failed(problem): failures[job.key] = problem
                                   }
                               }, progress: progress)
        let seconds = Date().timeIntervalSince(started) - loadSeconds
        journal.sync()

        // Assemble: kept records whose crops all succeeded; each face points at its crop's row.
        var samples = [Sample](), kept = Set<String>(), noDetection = [String](), matchDistances = [Double](), same = 0
        for s in keep {
            var sample = source.samples[s]
            var ok = true
            for k in sample.faces.indices {
                let c = match[s][k]!, rel = entries[c].relativePath
                guard failures[rel] == nil, let i = journal.latest[rel], journal.entries[i].settings == settings else { ok = false; break }
                let entry = journal.entries[i]
                sample.faces[k].row = entry.row
                sample.faces[k].crop = rel
                sample.faces[k].score = entry.faces.first?.score
            }
            guard ok else { continue }
            for k in sample.faces.indices {
                let c = match[s][k]!
                matchDistances.append(distances[s][k])
                if sample.faces[k].identity == entries[c].identity { same += 1 }
                let rel = entries[c].relativePath
                if let i = journal.latest[rel], journal.entries[i].warning?.hasPrefix(noDetectionWarning) == true, kept.insert(rel).inserted {
                    noDetection.append(rel)
                }
            }
            samples.append(sample)
        }
        guard !samples.isEmpty else {
            throw DataError(path: images, "no augmented-LFW record has a crop for every face among these images",
                            hint: "--lfw-images is LFW's image folder (e.g. lfw-deepfunneled) and --lfw-mapping its mapping.txt")
        }
        try NativeFormat.write(Corpus(samples: samples, faceFeatures: try journal.descriptors(), source: out), to: out)
        matchDistances.sort()
        let facesKept = samples.reduce(0) { $0 + $1.faces.count }
        let summary = LFWIngestSummary(
            lfw: lfw, lfwImages: absolutePath(images), mapping: mapping, candidates: candidates.rawValue,
            records: source.samples.count, recordsKept: samples.count,
            faces: source.faceCount, facesKept: facesKept,
            facesKeptNoName: samples.reduce(0) { $0 + $1.faces.filter { $0.label == noName }.count },
            facesWithoutCrop: withoutCrop, facesWithoutCropNoName: withoutCropNoName, facesWithCropNotGiven: notGiven,
            recordsWithoutFaces: withoutFaces, crops: cropList.count, cropsProcessed: jobs.count, cropsReused: reused,
            cropsWithoutDetection: noDetection.sorted(),
            failed: failures.map { IngestFailure(image: $0.key, problem: $0.value) }.sorted { $0.image < $1.image },
            medianMatchDistance: matchDistances.isEmpty ? .nan : matchDistances[matchDistances.count / 2], sameIdentity: same,
            modelLoadSeconds: loadSeconds, seconds: seconds, cropsPerSecond: seconds > 0 ? Double(jobs.count) / seconds : 0, blasCore: BLAS.coreName)
        try Ingest.writeManifest(LFWManifest(photosFolder: summary.lfwImages, lfw: summary), to: out)
        return summary
    }

    struct LFWManifest: Encodable {
        var photosFolder: String
        var lfw: LFWIngestSummary
    }

    static let noDetectionWarning = "no face detected"

    /// The face nearest the crop centre (upsampling once if none is found; the central box if still none).
    static func describeCentralFace(engine: FaceEngine, job: PhotoWork, detection: DetectionSettings) -> PhotoOutcome {
        PhotoOutcome.catching {
            let image = try DecodedImage(path: job.path)
            let cx = Double(image.width) / 2, cy = Double(image.height) / 2
            var found = try engine.detect(image, settings: detection)
            if found.isEmpty {
                var more = detection
                more.upsample = 1
                found = try engine.detect(image, settings: more)
            }
            var warning = image.warning
            let chosen: (box: Box, score: Double)
            if let nearest = found.min(by: { distance($0.box, cx, cy) < distance($1.box, cx, cy) }) {
                chosen = nearest
            } else {
                let half = Double(min(image.width, image.height)) / 2.2 / 2
                chosen = (Box(x1: (cx - half).rounded(), y1: (cy - half).rounded(), x2: (cx + half).rounded(), y2: (cy + half).rounded()), 0)
                warning = noDetectionWarning + "; the central box was described"
            }
            let faces = try engine.describe(image, boxes: [chosen])
            return .done(image, faces: faces, warning: warning)
        }
    }

    static func distance(_ b: Box, _ x: Double, _ y: Double) -> Double {
        let dx = (b.x1 + b.x2) / 2 - x, dy = (b.y1 + b.y2) / 2 - y
        return (dx * dx + dy * dy).squareRoot()
    }
}
