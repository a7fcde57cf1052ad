import ArgumentParser
import FaceNaming
import Foundation

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Count samples, faces, slots, NONAME faces, names and the easy subset of a corpus.",
        discussion: """
            Checks that a corpus was read as expected: on augmented LFW the counts match secla-method.md §2.3.
            Examples:
              secla stats --lfw ../shared/data/augmented-lfw
              secla stats --lfw ../shared/data/augmented-lfw --candidates clean --json
              secla stats --corpus my-corpus
            """
    )

    @OptionGroup var source: CorpusOptions

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        let stats = CorpusStats.compute(corpus)
        print(json ? try jsonString(stats) : stats.table)
    }
}
