import ArgumentParser
import FaceIngest
import FaceNaming
import Foundation
import NumericCore

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an HTML page of every labelled face by rising confidence, for a person to check the likeliest mistakes first.",
        discussion: """
            Reads a labels file (what `secla align --out`, `secla baseline --method berg --layout learned --out` and a
            training run's alignment.json hold) and the corpus it was made from, and writes one self-contained HTML
            page: the faces per confidence bucket (with accuracy when the corpus has gold labels), then each face with
            a crop of its box, its name, confidence, runner-up, the caption's names and caption text. Crops are SVG
            views of the image files named in the corpus, so the page shows them when opened where those paths
            resolve (--images prefixes a folder); nothing is copied.
            Example: secla review --corpus data/my-photos --labels labels.json --images /archive/photos --out review.html
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: ArgumentHelp("The labels file: {sample id: {\"image\": …, \"faces\": [{\"name\", \"confidence\", …}]}}.", valueName: "file.json"))
    var labels: String

    @Option(help: ArgumentHelp("The HTML page to write.", valueName: "file.html"))
    var out: String

    @Option(help: ArgumentHelp("Folder prefixed to every image path in the page (default: the photos folder of a corpus made by `secla ingest`, else the paths as written).", valueName: "dir"))
    var images: String?

    @Option(help: "Show only the N least confident faces (default: all; the summary always counts all).")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit)") }
    }

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        let rows = try exitingOnDataError {
            try ReviewReport.rows(labels: try LabelsFile.read(path: labels), labelsPath: labels, corpus: corpus)
        }
        let title = "Faces to review: \((labels as NSString).lastPathComponent)"
        let root = images ?? source.corpus.flatMap { Ingest.photosFolder(ofCorpus: $0) }.map { ($0 as NSString).standardizingPath }
        try writeAtomically(Data(ReviewReport.html(rows: rows, title: title, imagesRoot: root, limit: limit).utf8), to: out)
        let low = rows.filter { $0.label.confidence < 0.9 }.count
        print("\(rows.count) faces, \(low) below confidence 0.9 → \(out)")
    }
}
