import ArgumentParser
import FaceIngest
import FaceNaming
import Foundation
import NumericCore

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML page of every labelled face by rising confidence, for a person to check names and record corrections.",
        discussion: """
            Reads a labels file (what `secla name` writes to CORPUS/labels.json; `secla align --out` and a training
            run's alignment.json are labels files too) and the corpus it was made from, and writes one self-contained HTML page that works opened as a file: the faces per
            confidence bucket (with accuracy when the corpus has gold labels), then each face, least confident first,
            with a crop of its box, its name, confidence, runner-up, the caption's names and caption text.

            On the page: filter by name, confidence and review state; click a face to see its photo with every
            face's box and name; check each face (✓ right, a caption name, NONAME or a typed name; kept in the
            browser), then "Download corrections" saves corrections.json for `secla name --fixed` (docs/review.md).
            Crops are drawn from the image files named in the corpus, so the page shows them where those paths
            resolve (--images prefixes a folder; for a corpus made by `secla ingest`, its photos folder); nothing is
            copied.

            With --corpus DIR, --labels defaults to DIR/labels.json and --out to DIR/review.html.

            Examples:
              secla name --corpus my-corpus && secla review --corpus my-corpus   → open my-corpus/review.html
              secla name --corpus my-corpus --fixed ~/Downloads/corrections.json  (after reviewing)
              secla review --corpus my-corpus --labels run/alignment.json --out run/review.html --limit 500
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: ArgumentHelp("The labels file: {sample id: {\"image\": …, \"faces\": [{\"name\", \"confidence\", …}]}} (default with --corpus DIR: DIR/labels.json, what `secla name` writes).", valueName: "file.json"))
    var labels: String?

    @Option(help: ArgumentHelp("The HTML page to write (default with --corpus DIR: DIR/review.html).", valueName: "file.html"))
    var out: String?

    @Option(help: ArgumentHelp("Folder prefixed to every image path in the page (default: the photos folder of a corpus made by `secla ingest`, else the paths as written).", valueName: "dir"))
    var images: String?

    @Option(help: "Show only the N least confident faces (default: all; the summary always counts all).")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
        if source.corpus == nil, labels == nil || out == nil {
            throw ValidationError("Give --labels FILE.json and --out FILE.html (they default to DIR/labels.json and DIR/review.html only with --corpus DIR).")
        }
    }

    /// The labels file and the page, defaulting into the corpus folder.
    var paths: (labels: String, out: String) {
        let folder = source.corpus ?? "."
        return (labels ?? (folder as NSString).appendingPathComponent("labels.json"), out ?? (folder as NSString).appendingPathComponent("review.html"))
    }

    func run() throws {
        let (labels, out) = paths
        try exitingOnDataError {
            guard !FileManager.default.fileExists(atPath: labels) else { return }
            let name = source.corpus.map { "secla name --corpus \($0)" } ?? "secla name"
            let writes = source.corpus.map { " (it writes \(($0 as NSString).appendingPathComponent("labels.json")))" } ?? ""
            throw self.labels == nil
                ? DataError(path: labels, "no labels file", hint: "run `\(name)` first\(writes), or give --labels FILE.json")
                : DataError(path: labels, "no labels file here", hint: "check the path; `\(name)` labels the corpus\(writes)")
        }
        let corpus = try exitingOnDataError { try source.load() }
        let rows = try exitingOnDataError {
            try ReviewReport.rows(labels: try LabelsFile.read(path: labels), labelsPath: labels, corpus: corpus)
        }
        // The page keeps corrections in the browser under its title, so the title names the corpus as well.
        let corpusName = [source.corpus, source.lfw, source.celebto].compactMap { $0 }.first
            .map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent } ?? corpus.source
        let title = "Faces to review: \(corpusName), \((labels as NSString).lastPathComponent)"
        let root = images ?? source.corpus.flatMap { Ingest.photosFolder(ofCorpus: $0) }.map { ($0 as NSString).standardizingPath }
        try writeAtomically(Data(ReviewReport.html(rows: rows, title: title, imagesRoot: root, limit: limit).utf8), to: out)
        let low = rows.filter { $0.label.confidence < 0.9 }.count
        let fixed = rows.filter { $0.label.fixed == true }.count
        print("\(rows.count) faces, \(low) below confidence 0.9" + (fixed > 0 ? ", \(fixed) fixed" : "") + " → \(out)")
    }
}
