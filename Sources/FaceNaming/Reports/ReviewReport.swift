// The labels file (`secla name`, `secla align --out`, a run's
// alignment.json) and the review page built from it: one self-contained HTML page listing every face by rising
// confidence, so a person checks the likeliest mistakes first, filters them, sees each photo with all its boxes, and
// records corrections that `secla name --fixed FILE` takes back (docs/review.md).

import Foundation
import NumericCore

/// `{sample id: {"image": …, "faces": [FaceLabel]}}`, faces in the sample's face order.
public enum LabelsFile {
    public struct Entry: Codable, Equatable, Sendable {
        public var image: String?
        public var faces: [FaceLabel]
        public init(image: String?, faces: [FaceLabel]) { self.image = image; self.faces = faces }
    }

    /// The entries in file order. Errors name the file, the sample id and the field.
    public static func read(path: String) throws -> [(key: String, entry: Entry)] {
        try JSONDictionaryFile.read(Entry.self, path: path).map { ($0.key, $0.record) }
    }
}

public enum ReviewReport {
    /// One face to review.
    public struct Row: Sendable {
        public var sampleID: String
        public var image: String?
        public var caption: String?
        /// The sample's candidate names, NONAME excluded: what the reviewer may choose from.
        public var candidates: [String]
        public var face: Int
        public var label: FaceLabel
        /// The gold label when the corpus has one.
        public var gold: String?
        /// An image of just this face (the corpus face's `crop`, e.g. its LFW crop), shown instead of the photo's box.
        public var faceCrop: String? = nil
    }

    /// Every face of `labels`, joined with its sample in `corpus`, by rising confidence (ties: file order). Throws a
    /// `DataError` naming `labelsPath` when a sample id is not in the corpus or a sample's face count differs.
    public static func rows(labels: [(key: String, entry: LabelsFile.Entry)], labelsPath: String, corpus: Corpus) throws -> [Row] {
        let index = Dictionary(corpus.samples.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var rows = [Row]()
        for (key, entry) in labels {
            guard let s = index[key] else {
                throw DataError(path: labelsPath, record: "record '\(key)'", "no sample with this id in \(corpus.source)",
                                hint: "review a labels file with the corpus it was made from")
            }
            let sample = corpus.samples[s]
            guard entry.faces.count == sample.faces.count else {
                throw DataError(path: labelsPath, record: "record '\(key)'", field: "faces",
                                "has \(entry.faces.count) faces, the corpus sample has \(sample.faces.count)")
            }
            var seen = Set<String>()
            let candidates = sample.realNames.map(\.text).filter { seen.insert($0).inserted }
            for (f, label) in entry.faces.enumerated() {
                let face = sample.faces[f]
                rows.append(Row(sampleID: key, image: entry.image ?? sample.image, caption: sample.caption, candidates: candidates,
                                face: f, label: label, gold: face.wrong ? nil : face.label, faceCrop: face.crop))
            }
        }
        // A stable sort: equal confidences keep file order, so the page is the same for the same inputs.
        return rows.enumerated().sorted { a, b in
            a.element.label.confidence != b.element.label.confidence ? a.element.label.confidence < b.element.label.confidence : a.offset < b.offset
        }.map(\.element)
    }

    /// The page: a static summary (faces per confidence bucket, with accuracy against the gold labels when there are
    /// any), then the faces by rising confidence, drawn by the page's script from one embedded JSON block
    /// (`PageData`): filters by name, confidence and review state, each photo with all its boxes, and per face a
    /// correction (✓ right, a caption name, NONAME or a typed name) kept in the browser's localStorage under the page
    /// title and downloaded as the `secla-corrections` file `Corrections.read` takes. `imagesRoot` is prefixed to
    /// each image path (as written, e.g. relative to the page); `limit` keeps the first rows (nil: all; the summary
    /// always counts all, a photo always shows all its boxes). No image is read here: a crop is an SVG view of the
    /// face's box in its photo.
    ///
    /// Self-check, for tests: once drawn, the script sets `data-ready="1"` on `<body>`, counts face images in
    /// `data-face-images`, `data-images-loaded` and `data-images-failed`, the listed faces in `data-shown`, and keeps
    /// script errors in `data-errors` (a JSON list; the handler is installed first, in `<head>`). With `#selftest`
    /// it also filters by the first face's name (`data-selftest-name-shown`) and by confidence ≤ 0.5
    /// (`data-selftest-low-shown`), records corrections through the controls (face 1 to another caption name or
    /// NONAME, face 2 "✓ right", face 3 a typed name), counts the boxes drawn on face 1's photo
    /// (`data-selftest-boxes`) and writes the downloadable file into `<pre id="selftest-corrections">`, under a
    /// storage key of its own. `#photo=K` opens the photo of face K.
    public static func html(rows: [Row], title: String, imagesRoot: String? = nil, limit: Int? = nil) -> String {
        let hasGold = rows.contains { $0.gold != nil }
        var out = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title>
            <script>\(errorHandlerScript)</script>
            <style>\(style)</style></head><body>

            """
        out += "<h1>\(escape(title))</h1>\n"
        let images = Set(rows.map(\.sampleID)).count
        out += "<p>\(rows.count) faces in \(images) images, by rising confidence: the first rows are the likeliest to be wrong. "
            + "Mark a name <b>✓ right</b> or choose the right one, then <b>Download corrections</b> and run "
            + "<code>secla name --fixed corrections.json</code>; click a face to see its photo with every box.</p>\n"

        // Confidence buckets: faces, and accuracy against the gold labels when there are any.
        let edges = Reliability.edges
        var counts = [Int](repeating: 0, count: edges.count - 1), correct = counts, labelled = counts
        for row in rows {
            let b = Reliability.bucket(of: row.label.confidence)
            counts[b] += 1
            if let gold = row.gold { labelled[b] += 1; correct[b] += row.label.name == gold ? 1 : 0 }
        }
        out += "<table class=\"buckets\"><tr><th>confidence</th><th>faces</th><th>share</th>" + (hasGold ? "<th>accuracy (gold)</th>" : "") + "</tr>\n"
        for b in counts.indices {
            let range = String(format: "[%.2f, %.2f%@", edges[b], edges[b + 1], b == counts.count - 1 ? "]" : ")")
            out += "<tr><td>\(range)</td><td class=\"num\">\(counts[b])</td><td class=\"num\">"
                + String(format: "%.1f%%", rows.isEmpty ? 0 : 100 * Double(counts[b]) / Double(rows.count)) + "</td>"
            if hasGold {
                out += "<td class=\"num\">" + (labelled[b] > 0 ? String(format: "%.3f", Double(correct[b]) / Double(labelled[b])) : "—") + "</td>"
            }
            out += "</tr>\n"
        }
        out += "</table>\n"

        let shownCount = limit.map { min($0, rows.count) } ?? rows.count
        if shownCount < rows.count { out += "<p>The \(shownCount) least confident faces of \(rows.count).</p>\n" }
        out += """
            <div id="controls">
            <label>name <input id="f-name" type="search" list="f-names" placeholder="any name" size="16"></label><datalist id="f-names"></datalist>
            <label>confidence <input id="f-min" type="number" min="0" max="1" step="0.05" value="0"> to <input id="f-max" type="number" min="0" max="1" step="0.05" value="1"></label>
            <label>show <select id="f-status"><option value="all">all faces</option><option value="open">not checked yet</option><option value="checked">checked here</option><option value="fixed">fixed in the labels</option>\(hasGold ? "<option value=\"wrong\">wrong by gold</option>" : "")</select></label>
            <span id="count"></span><span class="spacer"></span>
            <button id="download" type="button" disabled>Download corrections</button> <button id="forget" type="button" disabled>Forget corrections</button>
            </div>
            <p id="image-note" class="note" hidden></p><p id="storage-note" class="note" hidden>This browser does not keep corrections for this page: download them before closing it.</p>
            <noscript><p class="note">The list of faces needs JavaScript.</p></noscript>
            <table id="faces"><thead><tr><th>#</th><th>face</th><th>photo</th><th>name</th><th>confidence</th><th>runner-up</th><th>caption names</th>\(hasGold ? "<th>gold</th>" : "")<th>check</th></tr></thead><tbody></tbody></table>
            <p id="more" hidden><button type="button">Show more</button></p>
            <dialog id="photo"><div class="dialog-head"><b id="photo-title"></b><button type="button" id="photo-close" title="close (Esc)">✕</button></div>
            <p id="photo-caption"></p><div id="photo-view"></div>
            <p class="legend"><span class="key current"></span>this face <span class="key"></span>other faces <span class="key checked"></span>checked <span class="key changed"></span>corrected · click a box to go to its row</p></dialog>
            <pre id="selftest-corrections" hidden></pre>

            """
        out += "<script type=\"application/json\" id=\"review-data\">"
            + jsonForScript(pageData(rows: rows, title: title, imagesRoot: imagesRoot, limit: limit)) + "</script>\n"
        out += "<script>\(pageScript)</script>\n</body></html>\n"
        return out
    }

    /// What the page's script reads: each photo once, with every face's box and name (for the photo view), and the
    /// faces to list in page order (the rows kept by `limit`).
    struct PageData: Encodable {
        struct Photo: Encodable {
            var id: String
            /// The image path as written in the corpus (shown), and as a URL reference with `imagesRoot` (loaded).
            var image: String?
            var src: String?
            var caption: String?
            var candidates: [String]
            /// By face index in the sample; null for a face with no row.
            var faces: [PhotoFace?]
        }
        struct PhotoFace: Encodable {
            var box: [Double]?  // x1 y1 x2 y2, photo pixels
            var name: String
            var confidence: Double?
        }
        struct Face: Encodable {
            var photo: Int  // index into `photos`
            var face: Int  // index in the sample, 0-based (the corrections file's `face`)
            var name: String
            var confidence: Double?
            var score: Double?
            var runnerUp: String?
            var runnerUpScore: Double?
            var gold: String?
            var fixed: Bool
            /// The face's own crop image (URL reference), else `view`: the SVG view box (x y width height) of its
            /// box in the photo.
            var crop: String?
            var view: [Double]?
        }
        var title: String
        var storageKey: String
        var hasGold: Bool
        var noName: String
        var photos: [Photo]
        var faces: [Face]
    }

    static func pageData(rows: [Row], title: String, imagesRoot: String?, limit: Int?) -> PageData {
        func url(_ path: String) -> String { urlReference(imagesRoot.map { ($0 as NSString).appendingPathComponent(path) } ?? path) }
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        func corners(_ box: Box?) -> [Double]? {
            box.map { [$0.x1, $0.y1, $0.x2, $0.y2] }.flatMap { $0.allSatisfy(\.isFinite) ? $0 : nil }
        }
        let shown = limit.map { Array(rows.prefix($0)) } ?? rows
        let listed = Set(shown.map(\.sampleID))
        var photos = [PageData.Photo](), index = [String: Int]()
        for row in rows where listed.contains(row.sampleID) {
            let p: Int
            if let i = index[row.sampleID] { p = i } else {
                p = photos.count
                index[row.sampleID] = p
                photos.append(.init(id: row.sampleID, image: row.image, src: row.image.map(url), caption: row.caption,
                                    candidates: row.candidates, faces: []))
            }
            if photos[p].faces.count <= row.face { photos[p].faces += [PageData.PhotoFace?](repeating: nil, count: row.face + 1 - photos[p].faces.count) }
            photos[p].faces[row.face] = .init(box: corners(row.label.box), name: row.label.name, confidence: finite(row.label.confidence))
        }
        let faces = shown.map { row in
            let l = row.label
            return PageData.Face(photo: index[row.sampleID]!, face: row.face, name: l.name, confidence: finite(l.confidence), score: finite(l.score),
                                 runnerUp: l.runnerUp, runnerUpScore: finite(l.runnerUpScore), gold: row.gold, fixed: l.fixed ?? false,
                                 crop: row.faceCrop.map(url), view: row.faceCrop == nil && row.image != nil ? l.box.flatMap(cropView) : nil)
        }
        return PageData(title: title, storageKey: "secla-review " + title, hasGold: rows.contains { $0.gold != nil }, noName: noName,
                        photos: photos, faces: faces)
    }

    /// The crop of `box`: the box with a margin of 15 % of its longer side on every side, as an SVG view box
    /// `[x, y, width, height]` (0.1 px); nil for an empty or non-finite box.
    static func cropView(_ box: Box) -> [Double]? {
        guard box.x2 > box.x1, box.y2 > box.y1, [box.x1, box.y1, box.x2, box.y2].allSatisfy(\.isFinite) else { return nil }
        let w = box.x2 - box.x1, h = box.y2 - box.y1, m = 0.15 * max(w, h)
        return [box.x1 - m, box.y1 - m, w + 2 * m, h + 2 * m].map { ($0 * 10).rounded() / 10 }
    }

    /// A file path as a URL reference: percent-encoded, so '#', '?', '%' and spaces stay part of the path, and a
    /// relative path whose first part holds ':' is not read as a URL scheme.
    static func urlReference(_ path: String) -> String {
        if path.contains("://") { return path }
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        if let colon = encoded.firstIndex(of: ":"), !encoded[..<colon].contains("/") { return "./" + encoded }
        return encoded
    }

    /// `value` as JSON that is safe inside `<script type="application/json">`: '<', '>' and '&' are written as
    /// \u escapes, so no text (a caption holding `</script>` or `<!--`) can end the element early; JSON.parse reads
    /// them back unchanged. `PageData` holds finite numbers only, so encoding cannot fail.
    static func jsonForScript<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // sorted: the same page for the same inputs
        let json: Data
        do { json = try encoder.encode(value) } catch { preconditionFailure("ReviewReport: page data does not encode: \(error)") }
        var out = ""
        out.reserveCapacity(json.count)
        for c in String(decoding: json, as: UTF8.self).unicodeScalars {
            switch c {
            case "<": out += "\\u003c"
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Installed first, in `<head>`: script errors (and rejected promises) are kept for the page's self-check.
    static let errorHandlerScript = #"""

        window.seclaErrors = [];
        window.seclaReport = function (message) {
          window.seclaErrors.push(String(message));
          if (document.body) document.body.dataset.errors = JSON.stringify(window.seclaErrors);
        };
        window.onerror = function (message, source, line) { window.seclaReport(message + (line ? " (line " + line + ")" : "")); };
        window.addEventListener("unhandledrejection", function (e) {
          window.seclaReport("unhandled rejection: " + (e.reason && e.reason.message ? e.reason.message : e.reason));
        });

        """#

    static let style = #"""

        body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5em 2em; color: #222; }
        [hidden] { display: none !important; }
        h1 { font-size: 1.5em; margin: 0.8em 0 0.3em; }
        code { background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
        table { border-collapse: collapse; margin: 0.8em 0; }
        #faces { width: 100%; }
        th, td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: middle; }
        th { background: #f4f4f4; font-weight: 600; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.conf.low { color: #b00; font-weight: bold; }
        .wrong { color: #b00; } .right { color: #070; }
        #controls { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid #ccc; padding: 8px 0;
                    display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; }
        #controls input[type=number] { width: 4.5em; }
        #count { color: #555; }
        .spacer { flex: 1; }
        button { font: inherit; cursor: pointer; }
        button:disabled { cursor: default; }
        button.link { border: none; background: none; padding: 0; color: #06c; text-decoration: underline; }
        #faces td.crop svg, #faces td.crop img { display: block; background: #eee; border-radius: 3px; }
        #faces td.crop.clickable { cursor: zoom-in; }
        #faces td.crop .missing { display: block; width: 80px; font-size: 11px; color: #b00; }
        td.caption { min-width: 12em; max-width: 32em; color: #555; }
        td.where { min-width: 9em; overflow-wrap: break-word; }
        td.name { min-width: 7em; }
        td.runner { min-width: 8em; }
        small.path { display: block; color: #777; }
        .badge { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px; font-size: 12px;
                 background: #dde8f8; color: #123; font-weight: normal; }
        tr.checked { background: #eef8ee; }
        tr.changed { background: #fff4dc; }
        tr.flash { outline: 3px solid #e0352b; }
        td.fix { min-width: 17em; }
        td.fix .pick { white-space: nowrap; }
        td.fix select { max-width: 15em; margin-left: 4px; }
        td.fix input.other { display: block; width: 100%; box-sizing: border-box; margin-top: 4px; }
        .state { font-size: 12px; color: #555; }
        tr.checked .state { color: #070; }
        tr.changed .state { color: #a60; font-weight: bold; }
        .note { color: #a60; }
        dialog { max-width: 96vw; max-height: 96vh; padding: 10px 16px; border: 1px solid #888; border-radius: 6px; }
        dialog::backdrop { background: rgba(0, 0, 0, 0.55); }
        .dialog-head { display: flex; justify-content: space-between; gap: 1em; align-items: baseline; }
        #photo-close { border: none; background: none; font-size: 18px; }
        #photo-caption { color: #444; margin: 4px 0 8px; max-width: 80em; }
        svg.photo { display: block; background: #222; }
        .box { cursor: pointer; }
        .box rect { fill: none; stroke: #ffd400; }
        .box.checked rect { stroke: #34c759; }
        .box.changed rect { stroke: #ff9500; }
        .box.current rect { stroke: #ff3b30; }
        .box text { fill: #fff; stroke: #000; paint-order: stroke; font-family: system-ui, sans-serif; font-weight: 600; }
        .legend { font-size: 12px; color: #555; margin: 6px 0 0; }
        .key { display: inline-block; width: 12px; height: 10px; border: 2px solid #ffd400; margin: 0 3px 0 10px; vertical-align: -1px; }
        .key.current { border-color: #ff3b30; margin-left: 0; } .key.checked { border-color: #34c759; } .key.changed { border-color: #ff9500; }

        """#

    /// The page's script: draws the rows from the JSON block, filters them, shows a photo with all its boxes, and
    /// keeps the corrections (see `html`). Every text from the data goes in through `textContent` or attributes,
    /// never as HTML.
    static let pageScript = #"""

        "use strict";
        (() => {
          const $ = (id) => document.getElementById(id);
          const body = document.body;
          const data = JSON.parse($("review-data").textContent);
          const faces = data.faces, photos = data.photos;
          faces.forEach((f, i) => { f.index = i; });
          const hash = decodeURIComponent(location.hash.slice(1));
          const selftest = hash === "selftest";
          const storageKey = data.storageKey + (selftest ? " #selftest" : "");
          const OTHER = "\u0000other";
          const pageSize = 200;

          // -- Self-check: face images drawn, loaded, failed.
          const check = { faceImages: 0, loaded: 0, failed: 0, failedExample: "" };
          function publish() {
            body.dataset.faceImages = check.faceImages;
            body.dataset.imagesLoaded = check.loaded;
            body.dataset.imagesFailed = check.failed;
            if (check.failed > 0) {
              const note = $("image-note");
              note.hidden = false;
              note.textContent = check.failed + " face image" + (check.failed === 1 ? "" : "s") + " did not load (e.g. " +
                check.failedExample + "): open the page where the photos' paths resolve, or write it again with secla review --images DIR.";
            }
          }
          function track(image, src, cell) {
            check.faceImages += 1;
            image.addEventListener("load", () => {
              if (image.naturalWidth === 0) { failed(); return; }  // an <img> that decoded to nothing
              check.loaded += 1;
              publish();
            }, { once: true });
            const failed = () => {
              check.failed += 1;
              check.failedExample = check.failedExample || src;
              cell.replaceChildren(el("span", { class: "missing", title: src }, "image not found"));
              publish();
            };
            image.addEventListener("error", failed, { once: true });
          }

          // -- Elements: text always as text nodes.
          function el(tag, attrs, ...children) {
            const e = document.createElement(tag);
            for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
            for (const c of children) if (c !== undefined && c !== null) e.append(c);
            return e;
          }
          function svg(tag, attrs) {
            const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
            for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
            return e;
          }
          const fmt = (x) => typeof x === "number" ? x.toFixed(3) : "—";

          // -- Corrections: "sample id \0 face index" → {sample, face, name, was}, saved in localStorage on every change.
          const corrections = new Map();
          const keyOf = (sample, face) => sample + "\u0000" + face;
          const correctionOf = (f) => corrections.get(keyOf(photos[f.photo].id, f.face));
          function loadStored() {
            let file = null;
            try { file = JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { file = null; }
            const list = file && Array.isArray(file.corrections) ? file.corrections : [];
            return list.filter((c) => c && typeof c.sample === "string" && Number.isInteger(c.face) && c.face >= 0 &&
                                      typeof c.name === "string" && c.name.trim() !== "");
          }
          function correctionsText() {
            const list = [...corrections.values()]
              .sort((a, b) => a.sample < b.sample ? -1 : a.sample > b.sample ? 1 : a.face - b.face)
              .map((c) => "  " + JSON.stringify({ sample: c.sample, face: c.face, name: c.name, was: c.was }));
            return '{"format": "secla-corrections", "version": 1, "corrections": [' +
              (list.length ? "\n" + list.join(",\n") + "\n" : "") + "]}\n";
          }
          const correctionsBlob = () => new Blob([correctionsText()], { type: "application/json" });
          function save() {
            try {
              if (corrections.size) localStorage.setItem(storageKey, correctionsText()); else localStorage.removeItem(storageKey);
            } catch (e) {
              $("storage-note").hidden = false;
            }
            const n = corrections.size;
            $("download").textContent = "Download corrections" + (n ? " (" + n + ")" : "");
            $("download").disabled = n === 0;
            $("forget").disabled = n === 0;
          }
          function setCorrection(f, name) {
            const id = photos[f.photo].id;
            if (name === null) corrections.delete(keyOf(id, f.face));
            else corrections.set(keyOf(id, f.face), { sample: id, face: f.face, name: name, was: f.name });
            save();
            showState(f);
          }
          function download() {
            const a = el("a", { href: URL.createObjectURL(correctionsBlob()), download: "corrections.json" });
            body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(a.href), 10000);
          }

          // -- Rows, built once on first show.
          const rows = new Array(faces.length);
          const row = (i) => rows[i] || (rows[i] = buildRow(faces[i]));
          function cropCell(f, p) {
            const cell = el("td", { class: "crop" });
            if (f.crop) {
              const image = el("img", { width: 80, alt: "face " + (f.face + 1) + " of " + p.id });
              track(image, f.crop, cell);
              image.src = f.crop;
              cell.append(image);
            } else if (f.view && p.src) {
              const [x, y, w, h] = f.view;
              const s = svg("svg", { width: 80, height: Math.round(80 * h / w), viewBox: f.view.join(" "), preserveAspectRatio: "xMidYMid slice" });
              const image = svg("image", {});
              track(image, p.src, cell);
              image.setAttribute("href", p.src);
              s.append(image);
              cell.append(s);
            } else {
              cell.append("—");
            }
            if (p.src) {
              cell.classList.add("clickable");
              cell.title = "show the whole photo with every face";
              cell.addEventListener("click", () => showPhoto(f));
            }
            return cell;
          }
          function buildRow(f) {
            const p = photos[f.photo];
            const tr = el("tr");
            let photoLink = null;
            if (p.src) {
              photoLink = el("button", { type: "button", class: "link" }, "photo");
              photoLink.addEventListener("click", () => showPhoto(f));
            }
            tr.append(
              el("td", { class: "num" }, String(f.index + 1)),
              cropCell(f, p),
              el("td", { class: "where" }, el("span", { class: "id" }, p.id), el("br"), "face " + (f.face + 1) + " of " + p.faces.length,
                photoLink ? " · " : null, photoLink, p.image && p.image !== p.id ? el("small", { class: "path" }, p.image) : null),
              el("td", { class: "name" }, el("b", {}, f.name), f.fixed ? el("span", { class: "badge", title: "a person fixed this name (secla name --fixed)" }, "fixed") : null),
              el("td", { class: "num conf" + (typeof f.confidence === "number" && f.confidence < 0.9 ? " low" : "") }, fmt(f.confidence)),
              el("td", { class: "runner" }, f.runnerUp ?? "—", f.runnerUp !== undefined && f.runnerUpScore !== undefined
                ? el("small", {}, " (score " + fmt(f.runnerUpScore) + "; chosen " + fmt(f.score) + ")") : null),
              el("td", { class: "caption" }, p.candidates.join(", ") || "—", p.caption ? el("br") : null, p.caption ? el("small", {}, p.caption) : null));
            if (data.hasGold) {
              tr.append(f.gold === undefined ? el("td", {}, "—") : f.gold === f.name ? el("td", { class: "right" }, "✓")
                : el("td", { class: "wrong" }, "✗ " + f.gold));
            }
            tr.append(fixCell(f));
            tr.row = {
              select: tr.querySelector("td.fix select"), other: tr.querySelector("td.fix input.other"),
              state: tr.querySelector("td.fix .state"), undo: tr.querySelector("td.fix .undo"),
            };
            rows[f.index] = tr;
            showState(f);
            return tr;
          }
          function fixCell(f) {
            const p = photos[f.photo];
            const ok = el("button", { type: "button", class: "ok", title: "the name is right: record it (it is kept as fixed)" }, "✓ right");
            const select = el("select", { "aria-label": "the right name" }, el("option", { value: "" }, "correct to…"));
            for (const c of p.candidates) select.append(el("option", { value: c }, c + (c === f.name ? " (as labelled)" : "")));
            select.append(el("option", { value: data.noName }, data.noName + (f.name === data.noName ? " (as labelled)" : " (not in the caption)")),
                          el("option", { value: OTHER }, "someone else: type…"));
            const other = el("input", { type: "text", class: "other", placeholder: "name, then Enter", hidden: true });
            const undo = el("button", { type: "button", class: "link undo", title: "forget this correction" }, "undo");
            const state = el("span", { class: "state" });
            ok.addEventListener("click", () => setCorrection(f, f.name));
            select.addEventListener("change", () => {
              if (select.value === OTHER) { other.hidden = false; other.focus(); return; }
              other.hidden = true;
              setCorrection(f, select.value === "" ? null : select.value);
            });
            other.addEventListener("change", () => { const name = other.value.trim(); if (name) setCorrection(f, name); });
            undo.addEventListener("click", () => setCorrection(f, null));
            return el("td", { class: "fix" }, el("div", { class: "pick" }, ok, select), other, el("div", {}, state, " ", undo));
          }
          function showState(f) {
            const tr = rows[f.index];
            if (!tr) return;
            const c = correctionOf(f), r = tr.row;
            tr.classList.toggle("checked", !!c && c.name === f.name);
            tr.classList.toggle("changed", !!c && c.name !== f.name);
            r.undo.hidden = !c;
            if (!c) {
              r.select.value = ""; r.other.hidden = true; r.other.value = ""; r.state.textContent = "";
              return;
            }
            const listed = [...r.select.options].some((o) => o.value === c.name && o.value !== "");
            r.select.value = listed ? c.name : OTHER;
            r.other.hidden = listed;
            r.other.value = listed ? "" : c.name;
            r.state.textContent = c.name === f.name ? "✓ checked" : "→ " + c.name + " (was " + f.name + ")";
          }

          // -- Filters.
          const fName = $("f-name"), fMin = $("f-min"), fMax = $("f-max"), fStatus = $("f-status");
          let limit = pageSize;
          function matches(f) {
            const q = fName.value.trim().toLowerCase();
            if (q && !f.name.toLowerCase().includes(q)) return false;
            const c = typeof f.confidence === "number" ? f.confidence : 0;
            const lo = parseFloat(fMin.value), hi = parseFloat(fMax.value);
            if (!isNaN(lo) && c < lo) return false;
            if (!isNaN(hi) && c > hi) return false;
            switch (fStatus.value) {
              case "open": return !correctionOf(f) && !f.fixed;
              case "checked": return !!correctionOf(f);
              case "fixed": return !!f.fixed;
              case "wrong": return f.gold !== undefined && f.gold !== f.name;
              default: return true;
            }
          }
          function apply(more) {
            limit = more ? limit + pageSize : pageSize;
            const matching = faces.filter(matches), shown = matching.slice(0, limit);
            $("faces").tBodies[0].replaceChildren(...shown.map((f) => row(f.index)));
            $("count").textContent = shown.length < matching.length
              ? "showing " + shown.length + " of " + matching.length + " matching faces"
              : matching.length + " of " + faces.length + " faces shown";
            $("more").hidden = shown.length >= matching.length;
            body.dataset.shown = shown.length;
            publish();
          }
          const names = new Map();
          for (const f of faces) names.set(f.name, (names.get(f.name) || 0) + 1);
          $("f-names").append(...[...names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
            .map(([name, n]) => el("option", { value: name }, n + " face" + (n === 1 ? "" : "s"))));
          for (const input of [fName, fMin, fMax]) input.addEventListener("input", () => apply(false));
          fStatus.addEventListener("change", () => apply(false));
          $("more").querySelector("button").addEventListener("click", () => apply(true));
          $("download").addEventListener("click", download);
          $("forget").addEventListener("click", () => {
            if (!confirm("Forget the " + corrections.size + " corrections kept for this page?")) return;
            corrections.clear();
            save();
            faces.forEach(showState);
          });

          // -- The photo with every face's box and name.
          const dialog = $("photo");
          $("photo-close").addEventListener("click", () => dialog.close());
          dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
          function showPhoto(f) {
            const p = photos[f.photo];
            $("photo-title").textContent = p.id + " · face " + (f.face + 1) + (p.image ? " · " + p.image : "");
            $("photo-caption").textContent = p.caption || "";
            const view = $("photo-view");
            view.replaceChildren(el("p", { class: "note" }, "loading the photo…"));
            if (!dialog.open) dialog.showModal();
            return new Promise((resolve) => {
              const image = new Image();
              image.onload = () => resolve(drawPhoto(view, p, f, image.naturalWidth, image.naturalHeight));
              image.onerror = () => {
                view.replaceChildren(el("p", { class: "note" }, "The photo did not load: " + p.src));
                resolve(0);
              };
              image.src = p.src;
            });
          }
          function drawPhoto(view, p, current, W, H) {
            const scale = Math.min(1, (window.innerWidth * 0.96 - 48) / W, (window.innerHeight * 0.96 - 150) / H);
            const s = svg("svg", { class: "photo", viewBox: "0 0 " + W + " " + H, width: Math.round(W * scale), height: Math.round(H * scale) });
            s.append(svg("image", { href: p.src, x: 0, y: 0, width: W, height: H }));
            const font = Math.max(12, Math.round(15 / scale)), line = Math.max(2, Math.round(2.5 / scale));
            let boxes = 0;
            p.faces.forEach((pf, k) => {
              if (!pf || !pf.box) return;
              const [x1, y1, x2, y2] = pf.box;
              const c = corrections.get(keyOf(p.id, k));
              const g = svg("g", { class: "box" + (c ? (c.name === pf.name ? " checked" : " changed") : "") + (k === current.face ? " current" : "") });
              g.append(svg("rect", { x: x1, y: y1, width: x2 - x1, height: y2 - y1, "stroke-width": line }));
              const text = (k + 1) + " " + pf.name + (c && c.name !== pf.name ? " → " + c.name : "") +
                (typeof pf.confidence === "number" ? " " + pf.confidence.toFixed(2) : "");
              const right = x1 + text.length * font * 0.58 > W;
              const label = svg("text", { x: right ? x2 : x1, y: y1 - font * 0.4 > font ? y1 - font * 0.4 : y2 + font * 1.1,
                                          "font-size": font, "stroke-width": Math.max(2, font / 5), "text-anchor": right ? "end" : "start" });
              label.textContent = text;
              g.append(label);
              const target = faces.find((x) => x.photo === current.photo && x.face === k);
              if (target) g.addEventListener("click", () => { dialog.close(); goTo(target); });
              s.append(g);
              boxes += 1;
            });
            view.replaceChildren(s);
            return boxes;
          }
          function goTo(f) {
            const tr = rows[f.index];
            if (!tr || !tr.isConnected) return;
            tr.scrollIntoView({ block: "center" });
            tr.classList.add("flash");
            setTimeout(() => tr.classList.remove("flash"), 1500);
          }

          // -- The self-test (#selftest): filters, corrections through the controls, the photo, the file.
          async function selfTest() {
            const d = body.dataset, first = faces[0];
            fName.value = first.name; apply(false);
            d.selftestName = first.name;
            d.selftestNameShown = d.shown;
            fName.value = ""; fMax.value = "0.5"; apply(false);
            d.selftestLowShown = d.shown;
            fMax.value = "1"; apply(false);
            const choose = (i, value, typed) => {
              const r = row(i).row;
              r.select.value = value;
              r.select.dispatchEvent(new Event("change"));
              if (typed !== undefined) { r.other.value = typed; r.other.dispatchEvent(new Event("change")); }
            };
            choose(0, photos[first.photo].candidates.find((c) => c !== first.name) ?? data.noName);
            if (faces.length > 1) row(1).querySelector("button.ok").click();
            if (faces.length > 2) choose(2, OTHER, "Zoë \"Z\" O'Neil <\/script>");  // "<\/": this script is inline
            d.selftestStored = loadStored().length;
            d.selftestBoxes = await showPhoto(first);
            dialog.close();
            $("selftest-corrections").textContent = await correctionsBlob().text();
            d.selftest = "done";
          }

          if (selftest) { try { localStorage.removeItem(storageKey); } catch (e) { /* no storage: nothing to clear */ } }
          for (const c of loadStored()) corrections.set(keyOf(c.sample, c.face), c);
          save();
          apply(false);
          body.dataset.errors = JSON.stringify(window.seclaErrors || []);
          body.dataset.ready = "1";
          const photoHash = /^photo=(\d+)$/.exec(hash);
          if (selftest) selfTest().catch((e) => window.seclaReport("self-test: " + (e && e.stack ? e.stack : e)));
          else if (photoHash && faces[photoHash[1] - 1]) showPhoto(faces[photoHash[1] - 1]);
        })();

        """#

    /// Text safe inside HTML elements and double- or single-quoted attributes.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
