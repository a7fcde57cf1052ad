import FaceNaming
import Foundation
import Testing

@Suite struct PredictionsFileTests {
    /// Two faces, one face, one face; candidate texts as a caption would give them.
    let corpus = Corpus(samples: [
        Sample(id: "s1", faces: [Face(label: "Ann Lee"), Face(label: "NONAME")], names: ["Ann Lee", "Bo Ma", "NONAME"].map { CandidateName($0) },
               slots: [Slot(face: nil, gold: "NOFACE"), Slot(face: 0, gold: "Ann Lee"), Slot(face: 1, gold: "NONAME")]),
        Sample(id: "s2", faces: [Face(label: "Cy Do")], names: ["Cy Do", "NONAME"].map { CandidateName($0) },
               slots: [Slot(face: 0, gold: "Cy Do")]),
        Sample(id: "s3", faces: [Face(label: "Di Wu")], names: ["Di Wu", "NONAME"].map { CandidateName($0) },
               slots: [Slot(face: 0, gold: "Di Wu")]),
    ], source: "fixture")

    @Test func readsBothFormsAlignedWithTheCorpus() throws {
        let dir = try TempFolder()
        let arrays = try dir.write("a.json", #"{"s2": ["Zed"], "s1": ["Ann Lee", "NONAME"]}"#)
        let objects = try dir.write("o.json", """
            {"s1": {"image": "a.jpg", "faces": [{"box": [0, 0, 1, 1], "name": "Ann Lee", "score": 0.9, "runner_up": "Bo Ma",
                                                 "runner_up_score": 0.1},
                                                {"box": [2, 2, 3, 3], "name": "NONAME", "score": 0.5}]},
             "s2": {"faces": [{"name": "Zed"}]}}
            """)
        for path in [arrays, objects] {
            let file = try PredictionsFile.read(path: path, corpus: corpus)
            #expect(file.predictions == [["Ann Lee", "NONAME"], ["Zed"], nil])
            #expect(file.missing == ["s3"] && file.samplesScored == 2)
            #expect(file.unknownNames == 1)  // "Zed" is not a candidate of s2, and is allowed

            // Only s1 and s2 are scored: slots NOFACE ✓, Ann Lee ✓, NONAME ✓, Cy Do ✗.
            let e = file.evaluate(corpus.samples)
            #expect(e.samplesScored == 2 && e.samplesMissing == 1 && e.unknownNames == 1)
            #expect(e.metric.correct == 3 && e.metric.predicted == 4 && e.metric.gold == 4 && e.metric.faces == 3)
        }
    }

    @Test func requireAll() throws {
        let dir = try TempFolder()
        let partial = try dir.write("p.json", #"{"s1": ["Ann Lee", "NONAME"], "s2": ["Cy Do"]}"#)
        let message = dataErrorMessage { _ = try PredictionsFile.read(path: partial, corpus: corpus, requireAll: true) }
        #expect(message.contains("p.json") && message.contains("record 's3'") && message.contains("missing") && message.contains("1 of 3"), "\(message)")

        // NONAMEWRONG stands for NONAME, so it is not an unknown name either.
        let full = try dir.write("f.json", #"{"s1": ["Ann Lee", "NONAMEWRONG"], "s2": ["Cy Do"], "s3": ["Di Wu"]}"#)
        let file = try PredictionsFile.read(path: full, corpus: corpus, requireAll: true)
        #expect(file.missing.isEmpty && file.unknownNames == 0)
        // The NONAME face predicted NONAMEWRONG is wrong in the slot metric (string equality) but says NONAME.
        let e = file.evaluate(corpus.samples)
        #expect(e.metric.correct == 4 && e.metric.gold == 5 && e.metric.nonameCorrect == 1)
    }

    @Test func rejectsBadFilesNamingRecordAndField() throws {
        let dir = try TempFolder()
        let cases: [(String, [String])] = [
            (#"{"s1": ["Ann Lee""#, ["top level", "malformed JSON"]),
            (#"[["Ann Lee", "NONAME"]]"#, ["top level", "expected an object", "found an array"]),
            (#"{"s9": ["Ann Lee"]}"#, ["record 's9'", "not a sample id", "fixture"]),
            (#"{"s2": ["Cy Do"], "s2": ["Cy Do"]}"#, ["record 's2'", "duplicate"]),
            (#"{"s1": ["Ann Lee"]}"#, ["record 's1'", "expected 2 names", "found 1"]),
            (#"{"s1": {"faces": [{"name": "Ann Lee"}]}}"#, ["record 's1'", "field 'faces'", "expected 2 names", "found 1"]),
            (#"{"s1": ["Ann Lee", 3]}"#, ["record 's1'", "field '[1]'", "expected a name string", "number"]),
            (#"{"s1": {"faces": [{"name": "Ann Lee"}, {"name": null}]}}"#, ["record 's1'", "field 'faces[1].name'", "expected a string", "null"]),
            (#"{"s1": {"faces": [{"name": "Ann Lee"}, {"box": [1, 2, 3, 4]}]}}"#, ["record 's1'", "field 'faces[1].name'", "missing"]),
            (#"{"s1": {"faces": ["Ann Lee", "NONAME"]}}"#, ["record 's1'", "field 'faces[0]'", "expected an object", "a string"]),
            (#"{"s1": {"image": "a.jpg"}}"#, ["record 's1'", "field 'faces'", "missing"]),
            (#"{"s1": {"faces": "Ann Lee"}}"#, ["record 's1'", "field 'faces'", "expected an array"]),
            (#"{"s1": "Ann Lee"}"#, ["record 's1'", "expected an array of names or an object"]),
        ]
        for (text, parts) in cases {
            let path = try dir.write("bad.json", text)
            let message = dataErrorMessage { _ = try PredictionsFile.read(path: path, corpus: corpus) }
            #expect(message.contains("bad.json") && parts.allSatisfy(message.contains), "\(text) → \(message)")
        }
        let message = dataErrorMessage { _ = try PredictionsFile.read(path: dir.file("absent.json"), corpus: corpus) }
        #expect(message.contains("absent.json") && message.contains("cannot be read"), "\(message)")
    }

    @Test func evaluationIsOneFlatJSONObject() throws {
        let dir = try TempFolder()
        let path = try dir.write("a.json", #"{"s1": ["Ann Lee", "NONAME"]}"#)
        let e = try PredictionsFile.read(path: path, corpus: corpus).evaluate(corpus.samples, placement: .trueSlot)
        let data = try JSONEncoder().encode(e)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["precision", "recall", "f1", "faces_accuracy", "noname_precision", "noname_recall", "celebto_accuracy",
                    "samples_scored", "samples_missing", "unknown_names", "correct", "predicted", "gold", "faces"] {
            #expect(object[key] != nil, "\(key)")
        }
        #expect(object["placement"] as? String == "true-slot" && object["samples_missing"] as? Int == 2)
        #expect(try JSONDecoder().decode(Evaluation.self, from: data) == e)
    }
}

/// Predictions files written from the gold annotations and read back reproduce the reference values of
/// ../shared/data/augmented-lfw/README.md.
@Suite(.enabled(if: LFWData.available, "needs ../shared/data/augmented-lfw"))
struct EvaluateOnRealLFW {
    struct AlignedFace: Encodable { var box: [Double]; var name: String; var score: Double }
    struct AlignedImage: Encodable { var image: String?; var faces: [AlignedFace] }

    @Test func oracleAndAllNoNameFiles() throws {
        let corpus = try #require(LFWData.faithful)
        let dir = try TempFolder()
        // Oracle, in the `secla align` form: each face gets the gold of its own slot; a false detection its label.
        var oracle = [String: AlignedImage]()
        for s in corpus.samples {
            oracle[s.id] = AlignedImage(image: s.image, faces: s.faces.indices.map { f in
                let gold = s.slots!.first { $0.face == f }!.gold
                let box = s.faces[f].box.map { [$0.x1, $0.y1, $0.x2, $0.y2] } ?? []
                return AlignedFace(box: box, name: gold == "WRONGNAME" ? s.faces[f].label! : gold, score: 1)
            })
        }
        let oraclePath = dir.file("oracle.json")
        try JSONEncoder().encode(oracle).write(to: URL(fileURLWithPath: oraclePath))
        // All NONAME, in the array form.
        let allNoName = Dictionary(uniqueKeysWithValues: corpus.samples.map { ($0.id, [String](repeating: noName, count: $0.faces.count)) })
        let allNoNamePath = dir.file("all-noname.json")
        try JSONEncoder().encode(allNoName).write(to: URL(fileURLWithPath: allNoNamePath))

        let o = try PredictionsFile.read(path: oraclePath, corpus: corpus, requireAll: true).evaluate(corpus.samples)
        #expect(String(format: "%.4f %.4f %.4f", o.metric.precision, o.metric.recall, o.metric.f1) == "0.9025 0.9980 0.9478")
        #expect(o.metric.facesAccuracy == 1 && o.metric.celebtoAccuracy == 1 && o.metric.nonamePrecision == 1 && o.metric.nonameRecall == 1)
        #expect(o.samplesScored == 10_976 && o.samplesMissing == 0)
        let oracleTrueSlot = try PredictionsFile.read(path: oraclePath, corpus: corpus).evaluate(corpus.samples, placement: .trueSlot)
        #expect(String(format: "%.4f", oracleTrueSlot.metric.f1) == "0.9497")

        let n = try PredictionsFile.read(path: allNoNamePath, corpus: corpus).evaluate(corpus.samples)
        #expect(String(format: "%.4f %.4f %.4f", n.metric.precision, n.metric.recall, n.metric.f1) == "0.3749 0.4146 0.3937")
        #expect(n.metric.faces == 14_407 && String(format: "%.4f", n.metric.facesAccuracy) == "0.1222")
        // 239 faithful lists spell NONAME only as NONAMEWRONG; predicting NONAME there is not an unknown name.
        #expect(o.unknownNames == 0 && n.unknownNames == 0 && n.samplesMissing == 0)
    }
}
