@testable import FaceNaming
import Foundation
import NumericCore
import Testing

/// The review page is what an archivist reads: the least confident faces first, every user string escaped (a caption
/// cannot end the page's JSON block), the crop pointing at the face's box, each photo with all its boxes, fixed labels
/// marked, and a labels file from another corpus refused with a message naming it. The page's script is tested in a
/// real browser by Tests/FaceIngestTests/ReviewBrowserTests.swift.
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

    /// The JSON block the page's script reads, parsed as the browser would.
    static func pageData(_ page: String) throws -> [String: Any] {
        let open = #"<script type="application/json" id="review-data">"#
        let start = try #require(page.range(of: open))
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        let json = try JSONSerialization.jsonObject(with: Data(page[start.upperBound..<end.lowerBound].utf8))
        return try #require(json as? [String: Any])
    }

    @Test func rowsComeByRisingConfidenceAndThePageCarriesThemOnceWithTheirCrops() throws {
        let path = try Self.writeLabels()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = try ReviewReport.rows(labels: try LabelsFile.read(path: path), labelsPath: path, corpus: Self.corpus)
        #expect(rows.map(\.label.confidence) == [0.41, 0.62, 0.97])
        #expect(rows[0].gold == "<b>Jacques</b> Chirac" && rows[0].candidates == ["Tony Blair", "<b>Jacques</b> Chirac"])

        let page = ReviewReport.html(rows: rows, title: "t", imagesRoot: "/archive")
        #expect(!page.contains("<b>Jacques</b>"))
        let data = try Self.pageData(page)
        let faces = try #require(data["faces"] as? [[String: Any]])
        let photos = try #require(data["photos"] as? [[String: Any]])
        // The faces in page order: the least confident first, each naming its photo and its face index (0-based).
        #expect(faces.map { $0["confidence"] as? Double } == [0.41, 0.62, 0.97])
        #expect(faces.map { $0["face"] as? Int } == [1, 0, 0])
        #expect(faces.map { photos[$0["photo"] as! Int]["id"] as? String } == ["a", "b", "a"])
        #expect(faces[0]["gold"] as? String == "<b>Jacques</b> Chirac" && faces[0]["name"] as? String == "Tony Blair")
        // Face 2 of "a": box 200…250 × 20…70, margin 7.5 on each side.
        #expect(faces[0]["view"] as? [Double] == [192.5, 12.5, 65, 65])
        // Each photo once, with every face's box (for the photo view) and the caption's names to choose from.
        #expect(photos.count == 2)
        #expect(photos[0]["src"] as? String == "/archive/photos/a.jpg" && photos[0]["image"] as? String == "photos/a.jpg")
        #expect(photos[0]["candidates"] as? [String] == ["Tony Blair", "<b>Jacques</b> Chirac"])
        let boxes = try #require(photos[0]["faces"] as? [[String: Any]])
        #expect(boxes.map { $0["box"] as? [Double] } == [[10, 20, 110, 120], [200, 20, 250, 70]])
        // The faces are data for the script, not repeated HTML: the only rows are the summary's 7 and the list's header.
        #expect(page.components(separatedBy: "<tr>").count - 1 == 8)
        // Buckets: one face each in [0, 0.5), [0.5, 0.7) and [0.95, 1]; accuracy from the gold labels.
        #expect(page.contains("<th>accuracy (gold)</th>"))
        #expect(page.contains("<td>[0.00, 0.50)</td><td class=\"num\">1</td>"))
        #expect(page.contains("<td>[0.50, 0.70)</td><td class=\"num\">1</td><td class=\"num\">33.3%</td><td class=\"num\">0.000</td>"))
        #expect(page.contains("<td>[0.95, 1.00]</td><td class=\"num\">1</td><td class=\"num\">33.3%</td><td class=\"num\">1.000</td>"))
        #expect(data["hasGold"] as? Bool == true && page.contains("<option value=\"wrong\">"))
        // --limit keeps only the first faces, and only their photos; the summary still counts all.
        let limited = ReviewReport.html(rows: rows, title: "t", limit: 1)
        #expect(limited.contains("The 1 least confident faces of 3"))
        let few = try Self.pageData(limited)
        #expect((few["faces"] as? [Any])?.count == 1 && (few["photos"] as? [Any])?.count == 1)
        #expect(!limited.contains("photos/b.jpg"))
    }

    @Test func captionsCannotBreakThePageAndPathsAreURLs() throws {
        var corpus = Self.corpus
        corpus.samples[0].caption = #"He said "hi" </script><script>alert('x')</script> <!-- & 'so' \ \u2028"#
        corpus.samples[0].image = "my photos/#1 100%.jpg"
        corpus.samples[1].id = "</script>"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(getpid())-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var labels = Self.labels
        labels[1][0].fixed = true
        try SECLARun.writeLabels(corpus: corpus, samples: [0, 1], labels: labels, to: path)
        let rows = try ReviewReport.rows(labels: try LabelsFile.read(path: path), labelsPath: path, corpus: corpus)
        let page = ReviewReport.html(rows: rows, title: #"a "title" <i>"#, imagesRoot: nil)

        // Three script elements (error handler, data, page script), each closed once: no text ended one early.
        #expect(page.components(separatedBy: "<script").count - 1 == 3)
        #expect(page.components(separatedBy: "</script>").count - 1 == 3)
        #expect(!page.contains("<!--") && !page.contains("alert('x')</script>"))
        #expect(page.contains("<title>a &quot;title&quot; &lt;i&gt;</title>"))
        // The browser's JSON.parse gets every string back unchanged.
        let data = try Self.pageData(page)
        let photos = try #require(data["photos"] as? [[String: Any]])
        let faces = try #require(data["faces"] as? [[String: Any]])
        #expect(photos.first { $0["id"] as? String == "a" }?["caption"] as? String == corpus.samples[0].caption)
        #expect(photos.contains { $0["id"] as? String == "</script>" })
        #expect(data["title"] as? String == #"a "title" <i>"#)
        #expect(data["storageKey"] as? String == #"secla-review a "title" <i>"#)
        // An image path is a URL: '#', '%' and spaces escaped.
        #expect(photos.first { $0["id"] as? String == "a" }?["src"] as? String == "my%20photos/%231%20100%25.jpg")
        // A label fixed by a person is marked.
        #expect(faces.map { $0["fixed"] as? Bool } == [false, true, false])
    }

    @Test func aFaceWithItsOwnCropShowsItAndAFaceWithoutBoxHasNoView() {
        let withCrop = ReviewReport.Row(sampleID: "s", image: "p.jpg", caption: nil, candidates: [], face: 0,
                                        label: Self.label(noName, 0.5, box: Box(x1: 0, y1: 0, x2: 10, y2: 10)), gold: nil, faceCrop: "crops/s_0.jpg")
        var noBox = withCrop
        noBox.face = 1; noBox.faceCrop = nil; noBox.label.box = nil
        let data = ReviewReport.pageData(rows: [withCrop, noBox], title: "t", imagesRoot: "root", limit: nil)
        #expect(data.faces[0].crop == "root/crops/s_0.jpg" && data.faces[0].view == nil)
        #expect(data.faces[1].crop == nil && data.faces[1].view == nil)
        #expect(data.photos.count == 1 && data.photos[0].faces.count == 2 && data.hasGold == false)
        // A relative path is never read as a URL scheme ("c:"): ':' is escaped, or the path starts with "./".
        #expect(["./c:x.jpg", "c%3Ax.jpg"].contains(ReviewReport.urlReference("c:x.jpg")))
        #expect(ReviewReport.urlReference("/a b/c.jpg") == "/a%20b/c.jpg")
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
