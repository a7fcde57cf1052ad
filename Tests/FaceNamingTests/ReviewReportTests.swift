import FaceNaming
import Foundation
import NumericCore
import Testing

/// The review page is what an archivist reads: the least confident faces first, every user string escaped, the
/// crop pointing at the face's box, and a labels file from another corpus refused with a message naming it.
@Suite struct ReviewReportTests {
    static let corpus = Corpus(samples: [
        Sample(id: "a", image: "photos/a.jpg", caption: "Tony Blair (L) and <b>Jacques</b> Chirac.",
               faces: [Face(box: Box(x1: 10, y1: 20, x2: 110, y2: 120), label: "Tony Blair"),
                       Face(box: Box(x1: 200, y1: 20, x2: 250, y2: 70), label: "<b>Jacques</b> Chirac")],
               names: [CandidateName("Tony Blair"), CandidateName("<b>Jacques</b> Chirac"), CandidateName(noName)]),
        Sample(id: "b", image: "photos/b.jpg", faces: [Face(box: Box(x1: 0, y1: 0, x2: 40, y2: 80), label: noName)],
               names: [CandidateName("Ana Guevara"), CandidateName(noName)]),
    ], source: "review test")

    static func label(_ name: String, _ confidence: Double, box: Box?) -> FaceLabel {
        FaceLabel(box: box, name: name, score: confidence, runnerUp: noName, runnerUpScore: 0.1, confidence: confidence)
    }

    static let labels: [[FaceLabel]] = [
        [label("Tony Blair", 0.97, box: corpus.samples[0].faces[0].box), label("Tony Blair", 0.41, box: corpus.samples[0].faces[1].box)],
        [label("Ana Guevara", 0.62, box: corpus.samples[1].faces[0].box)],
    ]

    static func writeLabels() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(getpid())-\(UUID().uuidString).json").path
        try SECLARun.writeLabels(corpus: corpus, samples: [0, 1], labels: labels, to: path)
        return path
    }

    @Test func labelsFileReadsBackWhatTheCommandsWrite() throws {
        let path = try Self.writeLabels()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let read = Dictionary(uniqueKeysWithValues: try LabelsFile.read(path: path).map { ($0.key, $0.entry) })
        #expect(read["a"] == LabelsFile.Entry(image: "photos/a.jpg", faces: Self.labels[0]))
        #expect(read["b"] == LabelsFile.Entry(image: "photos/b.jpg", faces: Self.labels[1]))
    }

    @Test func rowsComeByRisingConfidenceAndThePageEscapesAndCrops() throws {
        let path = try Self.writeLabels()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = try ReviewReport.rows(labels: try LabelsFile.read(path: path), labelsPath: path, corpus: Self.corpus)
        #expect(rows.map(\.label.confidence) == [0.41, 0.62, 0.97])
        #expect(rows[0].gold == "<b>Jacques</b> Chirac" && rows[0].candidates == ["Tony Blair", "<b>Jacques</b> Chirac"])

        let page = ReviewReport.html(rows: rows, title: "t", imagesRoot: "/archive")
        #expect(!page.contains("<b>Jacques</b>"))
        #expect(page.contains("&lt;b&gt;Jacques&lt;/b&gt; Chirac"))
        // Face 2 of "a": box 200…250 × 20…70, margin 7.5 on each side.
        #expect(page.contains("viewBox=\"192.5 12.5 65.0 65.0\""))
        #expect(page.contains("href=\"/archive/photos/a.jpg\""))
        // Buckets: one face each in [0, 0.5), [0.5, 0.7) and [0.95, 1]; accuracy from the gold labels.
        #expect(page.contains("<th>accuracy (gold)</th>"))
        #expect(page.contains("<td>[0.00, 0.50)</td><td class=\"num\">1</td>"))
        #expect(page.components(separatedBy: "class=\"wrong\"").count - 1 == 2)
        // The least confident face is the first row; --limit keeps only the first rows.
        let first = try #require(page.range(of: "<td class=\"num\">1</td><td><svg"))
        #expect(page[first.upperBound...].prefix(200).contains("192.5"))
        let limited = ReviewReport.html(rows: rows, title: "t", limit: 1)
        #expect(limited.contains("The 1 least confident faces of 3"))
        #expect(!limited.contains("photos/b.jpg"))
    }

    @Test func aLabelsFileOfAnotherCorpusIsRefusedNamingFileAndRecord() throws {
        let path = try Self.writeLabels()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var other = Self.corpus
        other.samples[1].faces.append(Face(box: nil, label: noName))
        #expect {
            try ReviewReport.rows(labels: try LabelsFile.read(path: path), labelsPath: path, corpus: other)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("record 'b'") && "\(error)".contains("faces")
        }
        other.samples.removeLast()
        #expect {
            try ReviewReport.rows(labels: try LabelsFile.read(path: path), labelsPath: path, corpus: other)
        } throws: { error in "\(error)".contains("record 'b'") && "\(error)".contains("no sample") }

        // A malformed file names the record and the field.
        try Data(#"{"a": {"faces": [{"name": "X", "score": 1}]}}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try LabelsFile.read(path: path)
        } throws: { error in "\(error)".contains("record 'a'") && "\(error)".contains("confidence") }
    }
}
