// The review page (`secla review`) in a real browser: two shared photos ingested with captions, a labels file, the
// page, then Debian's chromium, headless, on it. The page reports on itself in `<body data-…>` (see
// `ReviewReport.html`): loaded, no script errors, every face image loaded; with `#selftest` it filters by name and
// by confidence, records corrections through its controls and writes the file "Download corrections" would save,
// which must read back with `Corrections.read`. Screenshots for a person to look at are kept in test-artifacts/ beside
// the test binary (.build/debug/test-artifacts/ in a normal build).
// Skipped, saying why, without the shared photos, dlib's models or a browser (`apt-get install chromium`).

import FaceIngest
import FaceNaming
import Foundation
import XCTest

final class ReviewBrowserTests: XCTestCase {
    static let browsers = ["chromium", "chromium-browser", "google-chrome"]
    /// The name the page's self-test types for face 3 (quotes, an accent and a closing script tag).
    static let typedName = #"Zoë "Z" O'Neil </script>"#

    /// The first browser on PATH, else a skip that says how to install one.
    static func browser() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in browsers {
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        throw XCTSkip("no headless browser on PATH (\(browsers.joined(separator: ", "))): install one with `sudo apt-get install chromium`")
    }

    /// Runs the browser headless on `url` with a fresh profile and 5 s of virtual time (page scripts and image loads
    /// finish within it); returns what it printed. Killed after 120 s of real time.
    func runBrowser(_ browser: String, _ arguments: [String], url: String) throws -> String {
        let scratch = try RealData.temporaryFolder("browser")
        let stdout = (scratch as NSString).appendingPathComponent("stdout"), stderr = (scratch as NSString).appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdout, contents: nil)
        _ = FileManager.default.createFile(atPath: stderr, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(scratch)/profile",
                             "--virtual-time-budget=5000"] + arguments + [url]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        let log = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, "\(browser) \(arguments.joined(separator: " ")) failed:\n\(log.suffix(2000))")
        return (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? ""
    }

    /// The value of attribute `name` on the dumped page's `<body>`, unescaped.
    func bodyAttribute(_ name: String, _ dom: String) -> String? {
        guard let body = dom.range(of: "<body"), let end = dom.range(of: ">", range: body.upperBound..<dom.endIndex),
              let start = dom.range(of: " \(name)=\"", range: body.upperBound..<end.lowerBound),
              let close = dom.range(of: "\"", range: start.upperBound..<dom.endIndex) else { return nil }
        return Self.unescape(String(dom[start.upperBound..<close.lowerBound]))
    }

    /// Text as the browser serialises it in a dumped DOM, back to plain text.
    static func unescape(_ html: String) -> String {
        html.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&nbsp;", with: "\u{A0}").replacingOccurrences(of: "&amp;", with: "&")
    }

    func testTheReviewPageLoadsFiltersAndBuildsCorrectionsThatReadBack() throws {
        try RealData.requirePhotos()
        var options = IngestOptions()
        options.models = try RealData.models()
        options.threads = 2
        let browser = try Self.browser()

        // A corpus of two real photos; the first caption holds a closing script tag, quotes and an ampersand.
        let photos = try RealData.temporaryFolder("review-photos")
        for name in ["obama_and_biden.jpg", "two_people.jpg"] {
            try FileManager.default.copyItem(atPath: RealData.photo(name), toPath: (photos as NSString).appendingPathComponent(name))
        }
        let captions = (photos as NSString).appendingPathComponent("captions.jsonl")
        try Data(#"""
            {"image": "obama_and_biden.jpg", "id": "stage", "caption": "Vice President Joe Biden (L) and President Barack Obama wave; a sign reads \"</script><b>4 more</b>\" & 'yes'.", "names": ["Joe Biden", "Barack Obama"], "labels": [{"name": "Joe Biden", "box": [737, 449, 923, 634]}, {"name": "Barack Obama", "box": [1133, 390, 1356, 613]}]}
            {"image": "two_people.jpg", "caption": "Barack Obama (L) and Joe Biden (R).", "names": ["Barack Obama", "Joe Biden"], "labels": [{"name": "Barack Obama", "box": [253, 47, 408, 202]}, {"name": "Joe Biden", "box": [778, 57, 964, 242]}]}

            """#.utf8).write(to: URL(fileURLWithPath: captions))
        let folder = try RealData.temporaryFolder("review-corpus")
        _ = try Ingest.run(photos: photos, captions: captions, out: folder, options: options)
        let corpus = try NativeFormat.read(folder: folder)
        let faceCount = corpus.samples.reduce(0) { $0 + $1.faces.count }
        XCTAssertGreaterThanOrEqual(faceCount, 4, "two faces in each photo at least")

        // Labels: each face named by its gold label, except the first (given the other caption name: a mistake),
        // confidences rising from 0.35 in steps of 0.13, the last face fixed by a person.
        var k = 0
        let labels: [[FaceLabel]] = corpus.samples.map { sample in
            sample.faces.map { face in
                defer { k += 1 }
                let gold = face.label ?? noName
                let name = k == 0 ? (sample.realNames.map(\.text).first { $0 != gold } ?? noName) : gold
                return FaceLabel(box: face.box, name: name, score: 1 - 0.1 * Double(k), runnerUp: noName, runnerUpScore: 0.1,
                                 confidence: 0.35 + 0.13 * Double(k), fixed: k == faceCount - 1 ? true : nil)
            }
        }
        let labelsPath = (folder as NSString).appendingPathComponent("labels.json")
        try SECLARun.writeLabels(corpus: corpus, samples: Array(corpus.samples.indices), labels: labels, to: labelsPath)
        let rows = try ReviewReport.rows(labels: try LabelsFile.read(path: labelsPath), labelsPath: labelsPath, corpus: corpus)
        let page = (folder as NSString).appendingPathComponent("review.html")
        try Data(ReviewReport.html(rows: rows, title: "Faces to review: browser test", imagesRoot: Ingest.photosFolder(ofCorpus: folder)).utf8)
            .write(to: URL(fileURLWithPath: page))
        let url = URL(fileURLWithPath: page).absoluteString

        // Loaded, no script errors, every face image loaded.
        let dom = try runBrowser(browser, ["--dump-dom"], url: url + "#selftest")
        XCTAssertEqual(bodyAttribute("data-ready", dom), "1", "the page's script did not finish:\n\(dom.prefix(3000))")
        XCTAssertEqual(bodyAttribute("data-errors", dom), "[]")
        XCTAssertEqual(bodyAttribute("data-face-images", dom), "\(faceCount)")
        XCTAssertEqual(bodyAttribute("data-images-loaded", dom), "\(faceCount)", "face images failed: \(bodyAttribute("data-images-failed", dom) ?? "?")")
        XCTAssertEqual(bodyAttribute("data-shown", dom), "\(faceCount)")
        XCTAssertEqual(bodyAttribute("data-selftest", dom), "done", "the self-test did not finish; errors: \(bodyAttribute("data-errors", dom) ?? "?")")
        // The caption went in as text: its tags are shown, not parsed.
        XCTAssertTrue(dom.contains(#"a sign reads "&lt;/script&gt;&lt;b&gt;4 more&lt;/b&gt;" &amp; 'yes'."#))

        // The filters: by the least confident face's name (substring, any case), and by confidence ≤ 0.5.
        let first = rows[0]
        XCTAssertEqual(bodyAttribute("data-selftest-name", dom), first.label.name)
        let sameName = rows.filter { $0.label.name.lowercased().contains(first.label.name.lowercased()) }.count
        XCTAssertEqual(bodyAttribute("data-selftest-name-shown", dom), "\(sameName)")
        XCTAssertEqual(bodyAttribute("data-selftest-low-shown", dom), "\(rows.filter { $0.label.confidence <= 0.5 }.count)")
        // The photo view drew a box for each face of the first face's photo; the corrections survived in storage.
        let firstPhoto = try XCTUnwrap(corpus.samples.first { $0.id == first.sampleID })
        XCTAssertEqual(bodyAttribute("data-selftest-boxes", dom), "\(firstPhoto.faces.count)")
        XCTAssertEqual(bodyAttribute("data-selftest-stored", dom), "3")

        // The corrections file the page builds: the exact format, and `Corrections.read` takes it.
        let open = #"<pre id="selftest-corrections" hidden="">"#
        let start = try XCTUnwrap(dom.range(of: open), "no corrections in the dumped page")
        let end = try XCTUnwrap(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
        let text = Self.unescape(String(dom[start.upperBound..<end.lowerBound]))
        let file = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
        XCTAssertEqual(file["format"] as? String, "secla-corrections")
        XCTAssertEqual(file["version"] as? Int, 1)
        let entries = try XCTUnwrap(file["corrections"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 3)
        for entry in entries {
            XCTAssertEqual(Set(entry.keys), ["sample", "face", "name", "was"])
            let row = rows.first { $0.sampleID == entry["sample"] as? String && $0.face == entry["face"] as? Int }
            XCTAssertEqual(entry["was"] as? String, row?.label.name, "\(entry)")
        }
        let correctionsPath = (folder as NSString).appendingPathComponent("corrections.json")
        try Data(text.utf8).write(to: URL(fileURLWithPath: correctionsPath))
        let corrections = try Corrections.read(path: correctionsPath, corpus: corpus)
        let sampleIndex = Dictionary(uniqueKeysWithValues: corpus.samples.enumerated().map { ($1.id, $0) })
        func fixed(_ row: ReviewReport.Row) -> String? { corrections.name(sample: sampleIndex[row.sampleID]!, face: row.face) }
        // Face 1 moved to another caption name, face 2 confirmed as labelled, face 3 given a typed name.
        XCTAssertEqual(fixed(rows[0]), first.candidates.first { $0 != first.label.name } ?? noName)
        XCTAssertEqual(fixed(rows[1]), rows[1].label.name)
        XCTAssertEqual(fixed(rows[2]), Self.typedName)
        XCTAssertEqual(corrections.count, 3)

        // Screenshots for a person: the list after the self-test's corrections, and the first face's photo.
        // Beside the test binary, so that a build in another scratch folder (the sanitizer runs) keeps its own.
        let artifacts = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("test-artifacts").path
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        for (name, fragment, height) in [("review-page.png", "#selftest", 2000), ("review-photo.png", "#photo=1", 1000)] {
            let png = (artifacts as NSString).appendingPathComponent(name)
            try? FileManager.default.removeItem(atPath: png)
            _ = try runBrowser(browser, ["--screenshot=\(png)", "--window-size=1280,\(height)", "--hide-scrollbars"], url: url + fragment)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
            XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "\(png) is not a PNG")
            XCTAssertGreaterThan(bytes.count, 20_000, "\(png) looks empty")
            print("review page screenshot: \(png)")
        }
    }
}
