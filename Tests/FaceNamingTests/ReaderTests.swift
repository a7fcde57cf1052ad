import FaceNaming
import Foundation
import NumericCore
import Testing

/// The real augmented-LFW dictionaries, when present next to the project (`<root>/../shared/data/augmented-lfw`).
enum LFWData {
    static let folder: String = {
        // This file is <root>/Tests/FaceNamingTests/ReaderTests.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.deletingLastPathComponent().appendingPathComponent("shared/data/augmented-lfw").path
    }()

    static let available: Bool = {
        let ok = FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(LFWReader.restFile))
        if !ok { print("note: skipping the augmented-LFW tests: \(folder) does not hold the official dictionaries") }
        return ok
    }()

    static let faithful: Corpus? = try? LFWReader.read(folder: folder)
    static let clean: Corpus? = try? LFWReader.read(folder: folder, candidates: .clean)
}

/// A temporary folder removed at deinit.
final class TempFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("secla-readers-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ text: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The error a throwing call raised, as text ("" when it did not throw a DataError).
func dataErrorMessage(_ body: () throws -> Void) -> String {
    do { try body() } catch let error as DataError { return error.description } catch { return "not a DataError: \(error)" }
    return ""
}

@Suite struct LFWRealDataTests {
    @Test(.enabled(if: LFWData.available)) func countsMatchThePublishedStatistics() throws {
        let corpus = try #require(LFWData.faithful)
        let s = CorpusStats.compute(corpus)
        #expect(s.samples == 10_976)
        #expect(s.faces == 14_674)
        #expect(s.slots == 23_928)
        #expect(s.nonameFaces == 1_761)
        #expect(s.nonamewrongFaces == 267)
        #expect(s.nofaces == 7_230)
        #expect(s.nofacewrong == 2_024)
        #expect(s.easySamples == 3_142)
        #expect(s.distinctNames == 9_689)
        // §2.3 gives 5,642: it counts the `ner` ids of all slots, including 13 box-less slots with an LFW id, 5 of
        // whose ids occur on no face. Identities carried by faces (boxes) number 5,637.
        #expect(s.identities == 5_637)
        #expect(s.facesPerSample == [1: 7_947, 2: 2_485, 3: 450, 4: 74, 5: 14, 6: 2, 7: 3, 8: 1])
        #expect(s.candidatesPerSample == [2: 3_787, 3: 4_363, 4: 1_968, 5: 595, 6: 196, 7: 44, 8: 18, 9: 4, 10: 1])
        // Faithful lists have one entry per slot, plus the appended NONAME.
        #expect(corpus.samples.filter { $0.names.count == ($0.slots?.count ?? 0) + 1 }.count == 9_256)
        #expect(corpus.samples.allSatisfy { s in s.slots?.filter { $0.face != nil }.count == s.faces.count })
    }

    @Test(.enabled(if: LFWData.available)) func recordOrderAndOneRecord() throws {
        let corpus = try #require(LFWData.faithful)
        // File order, not sorted order: `one` first, then `rest`.
        #expect(corpus.samples.prefix(3).map(\.id) == ["100001", "100004", "100008"])
        #expect(corpus.samples[3_142].id == "100002")
        let s = try #require(corpus.samples.first { $0.id == "100006" })
        #expect(s.image == "2002/07/19/big/img_269.jpg")
        #expect(s.faces.count == 3)
        #expect(s.faces[0].box == Box(x1: 220, y1: 60, x2: 270, y2: 110))
        #expect(s.faces.map(\.label) == ["Diego Espinoza", "Janela Jara", "NONAME"])
        #expect(s.faces.map(\.identity) == ["Diego_Espinoza", "Janela_Jara", "NONAME"])
        #expect(s.slots == [Slot(face: nil, gold: "NOFACE"), Slot(face: 0, gold: "Diego Espinoza"), Slot(face: 1, gold: "Janela Jara"),
                            Slot(face: 2, gold: "NONAME")])
        // ner_list strings, repeats dropped: Humberto Espinoza 0, Diego Espinoza 1, Janela Jara 2, Ismael Jara 3, Chordeleg 4.
        // Mention counts: every ner_list entry, repeats included ("Ismael Jara" twice).
        #expect(s.names == [CandidateName("Ismael Jara", mention: 3, mentions: 2), CandidateName("Diego Espinoza", mention: 1, mentions: 1),
                            CandidateName("Janela Jara", mention: 2, mentions: 1), CandidateName("NONAME")])
        let wrong = try #require(corpus.samples.first { $0.id == "100002" })
        #expect(wrong.faces.map(\.wrong) == [true, false])
        #expect(wrong.faces[0].label == "NONAMEWRONG")
        #expect(wrong.slots?.map(\.gold) == ["WRONGNAME", "Ana Guevara"])
        #expect(wrong.names.map(\.text) == ["NONAMEWRONG", "Ana Guevara"])
    }

    @Test(.enabled(if: LFWData.available)) func easyRuleSelectsExactlyTheOneFile() throws {
        let corpus = try #require(LFWData.faithful)
        let one = try LFWReader.read(folder: LFWData.folder, subset: .one)
        #expect(one.samples.count == 3_142)
        let easy = EasySubset.select(corpus, rule: .lfw)
        #expect(easy.samples.map(\.id) == one.samples.map(\.id))
    }

    @Test(.enabled(if: LFWData.available)) func cleanCandidates() throws {
        let corpus = try #require(LFWData.clean)
        for s in corpus.samples {
            let texts = s.names.map(\.text)
            #expect(Set(texts).count == texts.count, "duplicate candidates in \(s.id)")
            #expect(texts.filter { $0 == noName }.count == 1 && texts.last == noName, "\(s.id)")
            #expect(!texts.contains("NONAMEWRONG"), "\(s.id)")
        }
        let stats = CorpusStats.compute(corpus)
        #expect(stats.distinctNames == 9_689)
        #expect(stats.easySamples == 3_142)
        // Distinct real names per image (§2.3 counts 3,907 images with one before deduplication; 18 images repeat a name).
        #expect(corpus.samples.filter { $0.names.count == 2 }.count == 3_911)
    }
}

/// A small two-file augmented-LFW folder exercising every slot kind.
func writeLFWFixture(_ dir: TempFolder, one: String? = nil, rest: String? = nil) throws {
    _ = try dir.write(LFWReader.oneFile, one ?? """
        {"200009": {"img_name": ["a.jpg"], "face_x": [10], "face_y": [20], "face_size": [5], "name": ["Ann Lee"], "ner": ["Ann_Lee"],
                    "ner_list": [["Ann Lee", "0"]], "gt_link": [["Ann Lee", "Ann_Lee"]], "name_list": [["Ann Lee"]]},
         "200001": {"img_name": ["b.jpg"], "face_x": [30], "face_y": [40], "face_size": [6], "name": ["Bo Ma"], "ner": ["Bo_Ma"],
                    "ner_list": [["Bo Ma", "0"]], "name_list": [["Bo Ma"]]}}
        """)
    _ = try dir.write(LFWReader.restFile, rest ?? """
        {"200005": {"img_name": ["c.jpg"], "face_x": [-1, -1, 50, 60, 70], "face_y": [-1, -1, 51, 61, 71], "face_size": [-1, -1, 2, 3, 4],
                    "ner": ["NOFACEWRONG", "NOFACECy_Do", "NONAMEWRONG", "Ann_Lee", "NONAME"],
                    "ner_list": [["Paris", "0"], ["Lee", "1"], ["Ann Lee", "1"], ["Cy Do", "2"], ["Lee", "1"]],
                    "name_list": [["Paris"], ["Cy Do"], ["NONAMEWRONG"], ["Ann Lee"], ["NONAME"]]},
         "200002": {"img_name": ["d.jpg"], "face_x": [-1, 80], "face_y": [-1, 81], "face_size": [-1, 8],
                    "ner": ["NOFACEBo_Ma", "Cy_Do"], "ner_list": [["Cy Do", "0"], ["Bo Ma", "1"]],
                    "name_list": [["Bo Ma"], ["Cy Do"]]}}
        """)
}

@Suite struct LFWFixtureTests {
    @Test func readsInFileOrderWithSlotsAndCandidates() throws {
        let dir = try TempFolder()
        try writeLFWFixture(dir)
        let corpus = try LFWReader.read(folder: dir.path)
        #expect(corpus.samples.map(\.id) == ["200009", "200001", "200005", "200002"])
        let s = corpus.samples[2]
        #expect(s.slots?.map(\.gold) == ["WRONGFACE", "NOFACE", "WRONGNAME", "Ann Lee", "NONAME"])
        #expect(s.slots?.map(\.face) == [nil, nil, 0, 1, 2])
        #expect(s.faces.map(\.wrong) == [true, false, false])
        #expect(s.faces.map(\.label) == ["NONAMEWRONG", "Ann Lee", "NONAME"])
        #expect(s.names == [CandidateName("Paris", mention: 0, mentions: 1), CandidateName("Cy Do", mention: 3, mentions: 1), CandidateName("NONAMEWRONG"),
                            CandidateName("Ann Lee", mention: 1, mentions: 3), CandidateName("NONAME")])  // "Lee" (rank 1) is part of "Ann Lee"
        #expect(corpus.samples[3].names.map(\.text) == ["Bo Ma", "Cy Do", "NONAME"])  // appended
        let clean = try LFWReader.read(folder: dir.path, candidates: .clean)
        #expect(clean.samples[2].names.map(\.text) == ["Paris", "Cy Do", "Ann Lee", "NONAME"])
        #expect(try LFWReader.read(folder: dir.path, subset: .rest).samples.map(\.id) == ["200005", "200002"])
        let stats = CorpusStats.compute(corpus)
        #expect(stats.easySamples == 2)
        #expect(stats.nofaces == 2 && stats.nofacewrong == 1 && stats.nonamewrongFaces == 1 && stats.nonameFaces == 1)
        #expect(stats.identities == 3)  // Ann_Lee, Bo_Ma, Cy_Do
    }

    @Test func faceFeatureRowsFollowRecordsThenSlots() throws {
        let dir = try TempFolder()
        try writeLFWFixture(dir)
        let good = dir.file("faces.npy")
        try NPY.write(Tensor(shape: [6, 2], data: (0..<12).map(Float.init)), to: good)
        let corpus = try LFWReader.read(folder: dir.path, faces: good)
        #expect(corpus.samples.flatMap { $0.faces.map(\.row) } == [0, 1, 2, 3, 4, 5])
        #expect(corpus.faceFeatures?.shape == [6, 2])

        let bad = dir.file("bad.npy")
        try NPY.write(Tensor(zeros: [5, 2]), to: bad)
        let message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path, faces: bad) }
        #expect(message.contains("bad.npy") && message.contains("5 rows") && message.contains("6 faces"), "\(message)")
    }

    @Test func rejectsBrokenDictionaries() throws {
        let dir = try TempFolder()
        try writeLFWFixture(dir, rest: #"{"300001": {"img_name": ["x.jpg"], "face_x": [1, 2"#)
        var message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path) }
        #expect(message.contains(LFWReader.restFile) && message.contains("malformed JSON"), "\(message)")

        try writeLFWFixture(dir, rest: """
            {"300001": {"img_name": ["x.jpg"], "face_x": [1], "face_y": [1], "face_size": [1], "ner": ["A_B"], "ner_list": []}}
            """)
        message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path) }
        #expect(message.contains("record '300001'") && message.contains("'name_list'") && message.contains("missing"), "\(message)")

        try writeLFWFixture(dir, rest: """
            {"300001": {"img_name": ["x.jpg"], "face_x": [1, -1], "face_y": [1, -1], "face_size": [1], "ner": ["A_B", "NOFACEC_D"],
                        "ner_list": [], "name_list": [["A B"], ["C D"]]}}
            """)
        message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path) }
        #expect(message.contains("record '300001'") && message.contains("'face_size'") && message.contains("1 entries but face_x has 2"), "\(message)")

        try writeLFWFixture(dir, rest: """
            {"300001": {"img_name": ["x.jpg"], "face_x": ["1"], "face_y": [1], "face_size": [1], "ner": ["A_B"], "ner_list": [], "name_list": [["A B"]]}}
            """)
        message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path) }
        #expect(message.contains("record '300001'") && message.contains("'face_x[0]'") && message.contains("expected a number"), "\(message)")

        try writeLFWFixture(dir, rest: """
            {"300001": {"img_name": ["x.jpg"], "face_x": [1], "face_y": [1], "face_size": [1], "ner": ["A_B"], "ner_list": [], "name_list": [[]]}}
            """)
        message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path) }
        #expect(message.contains("record '300001'") && message.contains("'name_list[0]'"), "\(message)")

        try writeLFWFixture(dir, rest: "[]")
        message = dataErrorMessage { _ = try LFWReader.read(folder: dir.path) }
        #expect(message.contains("expected an object"), "\(message)")

        let empty = try TempFolder()
        message = dataErrorMessage { _ = try LFWReader.read(folder: empty.path) }
        #expect(message.contains(LFWReader.oneFile) && message.contains("not found"), "\(message)")
    }

    @Test func keysWithEscapesAndOddOrderKeepFileOrder() throws {
        let dir = try TempFolder()
        let record = #"{"img_name": ["x.jpg"], "face_x": [], "face_y": [], "face_size": [], "ner": [], "ner_list": [], "name_list": []}"#
        try writeLFWFixture(dir, one: "{ \"b\" : \(record) , \"a\\\"q\":\(record),\"10\":\(record), \"2\": \(record)}", rest: "{}")
        let corpus = try LFWReader.read(folder: dir.path)
        #expect(corpus.samples.map(\.id) == ["b", "a\"q", "10", "2"])
        #expect(corpus.samples[0].names == [CandidateName(noName)])
    }
}

@Suite struct CelebToTests {
    static let dictionary = """
        {"k2": {"img_dir": "p/2.jpg", "bbox": [[0, 0, 10, 10], [5, 5, 20, 30]], "name_list": ["Abigail Breslin", "NONAME"],
                "gt_link": [["Abigail Breslin", 3], ["NONAME"]], "name_id": 1, "face_id": [1, 2]},
         "k1": {"img_dir": "p/1.jpg", "bbox": [[1, 2, 3, 4], [2, 2, 4, 4]], "name_list": ["Tom Hanks", "Meg Ryan"],
                "gt_link": [["Tom Hanks"], [["Meg Ryan"]]]},
         "k3": {"img_dir": "p/3.jpg", "bbox": [[1, 1, 2, 2], [1, 1, 2, 2], [1, 1, 2, 2]], "name_list": ["A", "NONAME", "NONAME"]}}
        """

    @Test func readsFacesCandidatesAndEasySubset() throws {
        let dir = try TempFolder()
        let path = try dir.write("celeb_dict.json", Self.dictionary)
        let corpus = try CelebToReader.read(path: path)
        #expect(corpus.samples.map(\.id) == ["k2", "k1", "k3"])
        #expect(corpus.samples[0].faces.map(\.label) == ["Abigail Breslin", "NONAME"])
        #expect(corpus.samples[0].faces[1].box == Box(x1: 5, y1: 5, x2: 20, y2: 30))
        #expect(corpus.samples[1].faces.map(\.label) == ["Tom Hanks", "Meg Ryan"])
        #expect(corpus.samples.map { $0.names.map(\.text) } == [["Abigail Breslin", "NONAME"], ["Tom Hanks", "Meg Ryan", "NONAME"],
                                                               ["A", "NONAME", "NONAME"]])
        #expect(corpus.samples.allSatisfy { $0.slots == nil })
        #expect(EasySubset.rule(for: corpus) == .celebTo)
        #expect(EasySubset.select(corpus).samples.map(\.id) == ["k1"])
        let clean = try CelebToReader.read(path: path, candidates: .clean)
        #expect(clean.samples[2].names.map(\.text) == ["A", "NONAME"])
        let stats = CorpusStats.compute(corpus)
        #expect(stats.faces == 7 && stats.nonameFaces == 3 && stats.identities == 4 && stats.easySamples == 1 && stats.slots == 0)

        let npy = dir.file("f.npy")
        try NPY.write(Tensor(zeros: [7, 3]), to: npy)
        #expect(try CelebToReader.read(path: path, faces: npy).samples.flatMap { $0.faces.compactMap(\.row) } == Array(0..<7))
        try NPY.write(Tensor(zeros: [8, 3]), to: npy)
        let message = dataErrorMessage { _ = try CelebToReader.read(path: path, faces: npy) }
        #expect(message.contains("8 rows") && message.contains("7 faces"), "\(message)")
    }

    @Test func rejectsBrokenRecords() throws {
        let dir = try TempFolder()
        let cases: [(String, [String])] = [
            (#"{"k": {"img_dir": "x", "bbox": [[0, 0, 1, 1]], "name_list": ["A", "B"]}}"#, ["record 'k'", "'name_list'", "2 entries but bbox has 1"]),
            (#"{"k": {"img_dir": "x", "bbox": [[0, 0, 1]], "name_list": ["A"]}}"#, ["record 'k'", "'bbox[0]'", "found 3 numbers"]),
            (#"{"k": {"img_dir": "x", "bbox": [[0, 0, 1, 1]], "name_list": ["A"], "gt_link": []}}"#, ["record 'k'", "'gt_link'"]),
            (#"{"k": {"bbox": [[0, 0, 1, 1]], "name_list": ["A"]}}"#, ["record 'k'", "'img_dir'", "missing"]),
            (#"{"k": {"img_dir": "x", "bbox": [[0, 0, 1, 1]], "name_list": ["A"]}"#, ["malformed JSON"]),
        ]
        for (text, parts) in cases {
            let path = try dir.write("c.json", text)
            let message = dataErrorMessage { _ = try CelebToReader.read(path: path) }
            #expect(parts.allSatisfy(message.contains) && message.contains("c.json"), "\(message)")
        }
    }
}
