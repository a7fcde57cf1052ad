// The face engine on real photos (../shared/data/photos): faces found where they are, dlib's same/different-person
// distances, descriptors equal to those of an independent implementation, and clear errors for bad files.

import FaceIngest
import FaceNaming
import Foundation
import XCTest

/// The shared real data beside the repository, and the dlib models; tests skip with a message when either is absent.
enum RealData {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")
    static var photos: String { root.appendingPathComponent("photos").path }
    static var lfwReal: String { root.appendingPathComponent("lfw-real").path }
    static var augmentedLFW: String { root.appendingPathComponent("augmented-lfw").path }

    static func photo(_ name: String) -> String { (photos as NSString).appendingPathComponent(name) }

    static func requirePhotos() throws {
        guard FileManager.default.fileExists(atPath: photo("obama.jpg")) else {
            throw XCTSkip("the shared photos are not at \(photos)")
        }
    }

    static func models() throws -> FaceModels {
        let models = FaceModels(folder: FaceModels.defaultFolder)
        do { try models.check(cnn: false) } catch {
            throw XCTSkip("dlib's face models are not installed (\(error)); run `bash scripts/fetch-face-models.sh`")
        }
        return models
    }

    static func temporaryFolder(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("secla-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

final class FaceEngineTests: XCTestCase {
    // One engine for the suite (loading costs ~0.7 s); XCTest runs these tests one at a time.
    nonisolated(unsafe) static let shared: FaceEngine? = try? FaceEngine(models: FaceModels(folder: FaceModels.defaultFolder))

    func engine() throws -> FaceEngine {
        try RealData.requirePhotos()
        _ = try RealData.models()
        guard let e = Self.shared else { throw XCTSkip("the face engine could not load its models") }
        return e
    }

    func faces(_ name: String) throws -> [DetectedFace] {
        try engine().faces(in: try DecodedImage(path: RealData.photo(name)), settings: .standard)
    }

    func centreX(_ f: DetectedFace) -> Double { (f.box.x1 + f.box.x2) / 2 }

    func testFacesAreFoundWhereThePeopleAre() throws {
        let one = try faces("obama.jpg")
        XCTAssertEqual(one.count, 1)
        // two_people.jpg (1126×661): Obama on the left half, Biden on the right half, faces in the top half.
        let two = try faces("two_people.jpg")
        XCTAssertEqual(two.count, 2)
        let byX = two.sorted { centreX($0) < centreX($1) }
        XCTAssertLessThan(centreX(byX[0]), 563)
        XCTAssertGreaterThan(centreX(byX[1]), 563)
        for f in two {
            XCTAssertLessThan((f.box.y1 + f.box.y2) / 2, 330)
            XCTAssertGreaterThan(f.box.width, 100)
            XCTAssertGreaterThan(f.score, 0.5, "real faces score well above the threshold")
        }
        // obama_and_biden.jpg: Biden (left) and Obama (right) near the middle, plus the girl at the right edge.
        let stage = try faces("obama_and_biden.jpg").sorted { centreX($0) < centreX($1) }
        XCTAssertGreaterThanOrEqual(stage.count, 2)
        XCTAssertTrue((600...1000).contains(centreX(stage[0])), "Biden near x ≈ 830, found \(centreX(stage[0]))")
        XCTAssertTrue((1000...1400).contains(centreX(stage[1])), "Obama near x ≈ 1245, found \(centreX(stage[1]))")
    }

    func testSamePersonIsCloseAndDifferentPeopleAreFar() throws {
        let obama = try ["obama.jpg", "obama2.jpg", "obama3.jpg"].map { try faces($0)[0].descriptor }
        let biden = try ["biden.jpg", "biden2.jpg"].map { try faces($0)[0].descriptor }
        for (a, b) in [(obama[0], obama[1]), (obama[0], obama[2]), (obama[1], obama[2]), (biden[0], biden[1])] {
            XCTAssertLessThan(descriptorDistance(a, b), 0.6, "same person")
        }
        for o in obama {
            for b in biden { XCTAssertGreaterThan(descriptorDistance(o, b), 0.6, "different people") }
        }
        // And within one photo: the two portraits of two_people.jpg are different people.
        let two = try faces("two_people.jpg")
        XCTAssertGreaterThan(descriptorDistance(two[0].descriptor, two[1].descriptor), 0.6)
    }

    /// The optional CNN detector finds the same two people (boxes overlapping HOG's; the same persons by descriptor).
    func testCNNDetectorFindsTheSamePeople() throws {
        try RealData.requirePhotos()
        let models = try RealData.models()
        do { try models.check(cnn: true) } catch { throw XCTSkip("the CNN detector model is not installed") }
        let cnn = try FaceEngine(models: models, cnn: true)
        let image = try DecodedImage(path: RealData.photo("two_people.jpg"))
        let settings = DetectionSettings(detector: .cnn, upsample: 0, threshold: 0, maxSide: 0)
        let found = try cnn.faces(in: image, settings: settings).sorted { centreX($0) < centreX($1) }
        let hog = try engine().faces(in: image, settings: .standard).sorted { centreX($0) < centreX($1) }
        XCTAssertEqual(found.count, 2)
        for (c, h) in zip(found, hog) {
            XCTAssertLessThan(descriptorDistance(c.descriptor, h.descriptor), 0.6, "same person, whichever detector found the box")
            XCTAssertLessThan(abs(centreX(c) - centreX(h)), 60)
        }
        // The HOG-only engine refuses the CNN detector with a message, not a trap.
        XCTAssertThrowsError(try engine().detect(image, settings: settings)) { error in
            XCTAssertTrue("\(error)".contains("CNN detector"), "\(error)")
        }
    }

    /// Boxes and descriptors equal those of the Python face_recognition package (Fixtures/README.md).
    func testDescriptorsMatchAnIndependentImplementation() throws {
        struct Reference: Decodable {
            struct Face: Decodable { var box: [Double]; var descriptor: [Float] }
            var images: [String: [Face]]
        }
        let url = try XCTUnwrap(Bundle.module.url(forResource: "face_recognition_reference", withExtension: "json", subdirectory: "Fixtures"))
        let reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        XCTAssertEqual(Set(reference.images.keys), ["obama.jpg", "two_people.jpg", "obama2.jpg"])
        var settings = DetectionSettings.standard
        settings.maxSide = 0  // face_recognition detects at full size
        for (name, expected) in reference.images {
            let found = try engine().faces(in: try DecodedImage(path: RealData.photo(name)), settings: settings)
            XCTAssertEqual(found.count, expected.count, name)
            for (f, e) in zip(found, expected) {
                XCTAssertEqual([f.box.x1, f.box.y1, f.box.x2, f.box.y2], e.box, name)
                var worst: Float = 0
                for j in 0..<128 { worst = max(worst, abs(f.descriptor[j] - e.descriptor[j])) }
                XCTAssertLessThan(worst, 1e-5, "\(name): worst descriptor difference \(worst)")
            }
        }
    }

    func testEXIFOrientationTurnsThePixelsUpright() throws {
        try RealData.requirePhotos()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: RealData.photo("two_people.jpg"))))
        let plain = try DecodedImage(bytes: bytes, path: "plain")
        XCTAssertEqual(plain.exifOrientation, 1)
        let w = plain.width, h = plain.height
        // For each tag: where the displayed pixel (x, y) comes from in the stored image (the EXIF definitions).
        let source: [Int: (Int, Int) -> (Int, Int)] = [
            3: { x, y in (w - 1 - x, h - 1 - y) },  // rotated 180°
            6: { x, y in (y, h - 1 - x) },          // stored turned left: displayed turned 90° clockwise
            8: { x, y in (w - 1 - y, x) },          // stored turned right: displayed turned 90° anticlockwise
            2: { x, y in (w - 1 - x, y) },          // mirrored
        ]
        for (tag, from) in source {
            let turned = try DecodedImage(bytes: withEXIFOrientation(bytes, UInt8(tag)), path: "tag \(tag)")
            XCTAssertEqual(turned.exifOrientation, tag)
            XCTAssertEqual([turned.width, turned.height], tag >= 5 ? [h, w] : [w, h], "tag \(tag)")
            for (x, y) in [(0, 0), (turned.width - 1, 0), (17, turned.height - 1), (turned.width / 2, turned.height / 3)] {
                let (sx, sy) = from(x, y)
                let a = turned.pixel(x: x, y: y), b = plain.pixel(x: sx, y: sy)
                XCTAssertEqual([a.0, a.1, a.2], [b.0, b.1, b.2], "tag \(tag) at (\(x), \(y))")
            }
        }
    }

    func testBadFilesGiveClearErrors() throws {
        try RealData.requirePhotos()
        let dir = try RealData.temporaryFolder("bad-images")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: RealData.photo("obama.jpg")))
        let cases: [(String, Data, String)] = [
            ("truncated.jpg", bytes.prefix(bytes.count / 2), "truncated JPEG"),
            ("text.jpg", Data("this is not an image\n".utf8), "not a JPEG or PNG"),
            ("empty.png", Data(), "empty file"),
            ("broken.png", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]), "not a readable PNG"),
            ("garbage.jpg", Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0]), "not a readable JPEG"),
        ]
        for (name, data, expected) in cases {
            let path = (dir as NSString).appendingPathComponent(name)
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try DecodedImage(path: path), name) { error in
                let e = error as? FaceEngineError
                XCTAssertEqual(e?.path, path)
                XCTAssertTrue(e?.problem.contains(expected) == true, "\(name): \(String(describing: e))")
            }
        }
        XCTAssertThrowsError(try DecodedImage(path: (dir as NSString).appendingPathComponent("absent.jpg"))) { error in
            XCTAssertEqual((error as? FaceEngineError)?.problem, "cannot be opened")
        }
        XCTAssertThrowsError(try FaceEngine(models: FaceModels(folder: dir))) { error in
            XCTAssertTrue("\(error)".contains("face model not found"), "\(error)")
            XCTAssertTrue("\(error)".contains("fetch-face-models.sh"), "\(error)")
        }
    }

    /// Inserts an APP1 Exif segment holding only the orientation tag right after the JPEG's SOI marker.
    func withEXIFOrientation(_ jpeg: [UInt8], _ orientation: UInt8) -> [UInt8] {
        // "Exif\0\0", big-endian TIFF header, IFD0 at 8 with one entry: tag 0x0112, type SHORT, count 1, value.
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg.dropFirst(2)
    }
}
