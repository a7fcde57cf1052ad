import FaceNaming
import Foundation
import NumericCore
import Testing

/// One scratch folder per test process, removed when the process exits (tests that fail leave nothing behind either).
let testScratch: String = {
    let path = NSTemporaryDirectory() + "secla-tests-\(getpid())"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "secla-tests-\(getpid())") }
    return path
}()

/// A fresh temporary folder per test, inside `testScratch`.
func temporaryFolder(_ name: String = #function) -> String {
    let path = testScratch + "/\(name.prefix { $0 != "(" })-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, _ folder: String, _ file: String) {
    try! text.write(toFile: (folder as NSString).appendingPathComponent(file), atomically: true, encoding: .utf8)
}

let twoSamples = """
    {"id": "a", "image": "img/a.jpg", "caption": "George W. Bush meets Colin Powell.", "faces": [{"row": 0, "box": [10, 10, 50, 50], "label": "George W. Bush", "identity": "George_W_Bush"}, {"row": 1, "label": "NONAME"}], "names": [{"text": "George W. Bush", "mention": 0}, {"text": "Colin Powell", "mention": 1}, {"text": "NONAME"}]}
    {"id": "b", "faces": [{"row": 2}], "names": [{"text": "Ana Guevara", "mention": 0}, {"text": "NONAME"}]}
    """

/// Reading `folder` must fail with a DataError whose message contains every fragment.
func expectReadError(_ folder: String, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try NativeFormat.read(folder: folder)
        Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
    } catch {
        let message = "\(error)"
        for f in fragments { #expect(message.contains(f), "message \"\(message)\" lacks \"\(f)\"", sourceLocation: sourceLocation) }
    }
}

@Suite struct NativeFormatTests {
    @Test func roundTrip() throws {
        let folder = temporaryFolder()
        write(twoSamples, folder, "samples.jsonl")
        try NPY.write(Tensor(shape: [3, 2], data: [1, 0, 0, 1, 0.6, 0.8]), to: folder + "/faces.npy")
        let corpus = try NativeFormat.read(folder: folder)
        #expect(corpus.samples.count == 2 && corpus.faceCount == 3)
        #expect(corpus.samples[0].faces[0].box == Box(x1: 10, y1: 10, x2: 50, y2: 50))
        #expect(corpus.samples[0].names.map(\.text) == ["George W. Bush", "Colin Powell", "NONAME"])
        #expect(corpus.samples[0].names[2].isNoName && corpus.samples[0].names[1].mention == 1)
        let copy = temporaryFolder("roundTripCopy")
        try NativeFormat.write(corpus, to: copy)
        let again = try NativeFormat.read(folder: copy)
        #expect(again.samples == corpus.samples)
        #expect(again.faceFeatures!.array == corpus.faceFeatures!.array)
    }

    @Test func malformedJSON() {
        let folder = temporaryFolder()
        write(twoSamples.replacingOccurrences(of: "{\"id\": \"b\"", with: "{\"id\": \"b\",,"), folder, "samples.jsonl")
        expectReadError(folder, ["samples.jsonl", "line 2", "malformed JSON"])
    }

    @Test func missingAndMistypedFields() {
        let folder = temporaryFolder()
        write(#"{"id": "a", "faces": []}"#, folder, "samples.jsonl")
        expectReadError(folder, ["line 1", "field 'names'", "missing required field"])
        write(#"{"id": "a", "faces": [{"row": "zero"}], "names": [{"text": "NONAME"}]}"#, folder, "samples.jsonl")
        expectReadError(folder, ["line 1", "field 'faces[0].row'", "expected an integer"])
        write(#"{"id": "a", "faces": [{"box": [1, 2, 3]}], "names": [{"text": "NONAME"}]}"#, folder, "samples.jsonl")
        expectReadError(folder, ["line 1", "faces[0].box"])
        write(#"{"id": "a", "faces": [], "names": []}"#, folder, "samples.jsonl")
        expectReadError(folder, ["line 1", "field 'names'", "no candidate names"])
    }

    @Test func duplicateIdsAndEmptyFiles() {
        let folder = temporaryFolder()
        write(twoSamples + "\n" + twoSamples.split(separator: "\n")[1], folder, "samples.jsonl")
        expectReadError(folder, ["line 3", "duplicate id \"b\"", "first on line 2"])
        write("\n  \n", folder, "samples.jsonl")
        expectReadError(folder, ["samples.jsonl", "no samples"])
        expectReadError(temporaryFolder("empty"), ["samples.jsonl", "not found"])
    }

    @Test func faceRowsOutOfRangeOrShared() throws {
        let folder = temporaryFolder()
        write(twoSamples, folder, "samples.jsonl")
        try NPY.write(Tensor(shape: [2, 2], data: [1, 0, 0, 1]), to: folder + "/faces.npy")
        expectReadError(folder, ["sample \"b\"", "faces[0].row", "row 2 is out of range", "2 rows"])
        write(twoSamples.replacingOccurrences(of: "{\"row\": 2}", with: "{\"row\": 1}"), folder, "samples.jsonl")
        expectReadError(folder, ["sample \"b\"", "row 1 is already used by sample \"a\""])
    }

    @Test func nonFiniteFeaturesAndDimensionMismatch() throws {
        let folder = temporaryFolder()
        write(twoSamples, folder, "samples.jsonl")
        try NPY.write(Tensor(shape: [3, 2], data: [1, 0, .nan, 1, 0, 1]), to: folder + "/faces.npy")
        expectReadError(folder, ["faces.npy", "row 1", "nan"])
        try NPY.write(Tensor(shape: [6], data: [1, 0, 0, 1, 0, 1]), to: folder + "/faces.npy")
        expectReadError(folder, ["faces.npy", "2-D"])
        try NPY.write(Tensor(shape: [3, 2], data: [1, 0, 0, 1, 0, 1]), to: folder + "/faces.npy")
        write(#"["George W. Bush", "Colin Powell"]"#, folder, "names.json")
        try NPY.write(Tensor(shape: [3, 4], repeating: 0.5), to: folder + "/names.npy")
        expectReadError(folder, ["names.npy", "3 rows for the 2 names"])
        try NPY.write(Tensor(shape: [2, 4], data: [0, 1, 2, .infinity, 0, 0, 0, 0]), to: folder + "/names.npy")
        expectReadError(folder, ["names.npy", "row 0", "inf"])
        write(#"["George W. Bush", "George W. Bush"]"#, folder, "names.json")
        expectReadError(folder, ["names.json", "duplicate name"])
    }

    @Test func unsupportedNpyLayout() throws {
        let folder = temporaryFolder()
        write(twoSamples, folder, "samples.jsonl")
        // A float32 array in Fortran order: same header as numpy writes, fortran_order True.
        var header = "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count + 1), 0] + Array(header.utf8) + [10]
        for v: Float in [1, 0, 0, 1, 0, 1] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/faces.npy"))
        expectReadError(folder, ["faces.npy", "ortran"])
    }

    @Test func writingNeverLeavesHalfFiles() throws {
        let folder = temporaryFolder()
        write(twoSamples, folder, "samples.jsonl")
        try NPY.write(Tensor(shape: [3, 2], data: [1, 0, 0, 1, 0.6, 0.8]), to: folder + "/faces.npy")
        let corpus = try NativeFormat.read(folder: folder)
        try NativeFormat.write(corpus, to: folder)  // over itself
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["faces.npy", "samples.jsonl"], "no temporary files left: \(names)")
        #expect(try NativeFormat.read(folder: folder).samples == corpus.samples)
    }
}

@Suite struct CorpusFormatDocumentation {
    /// The worked example in docs/corpus-format.md must stay a valid corpus.
    @Test func workedExampleReads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/corpus-format.md"), encoding: .utf8)
        let lines = doc.split(separator: "\n").filter { $0.hasPrefix("{\"id\"") }
        #expect(lines.count == 2)
        let folder = temporaryFolder()
        write(lines.joined(separator: "\n"), folder, "samples.jsonl")
        try NPY.write(Tensor(shape: [3, 4], data: [0.1, 0.9, 0.3, 0.3, 0.7, 0.1, 0.7, 0.1, 0.5, 0.5, 0.5, 0.5]), to: folder + "/faces.npy")
        let corpus = try NativeFormat.read(folder: folder)
        #expect(corpus.samples.map(\.id) == ["a", "b"] && corpus.faceCount == 3)
    }
}
