import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct EmbedNames: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-names",
        abstract: "Write the name features of every candidate string of a corpus (names.json + names.npy).",
        discussion: """
            Encodes each distinct candidate string once (every NONAME-like candidate as "NONAME") with the chosen
            encoder and writes names.json (the strings) and names.npy (float32 [names, dimension]) into --out. Put them
            in a native corpus folder to train with --name-encoder precomputed, or hand them to another implementation
            (benchmarks/pytorch) so both read identical inputs.

            Example: secla embed-names --corpus data/lfw-structure-1 --out data/lfw-structure-1
            """
    )

    @OptionGroup var source: CorpusOptions

    @Option(help: ArgumentHelp("Folder to write names.json and names.npy into (created if needed).", valueName: "dir"))
    var out: String

    @Option(help: "Encoder: builtin (hashed n-grams, 768-d), minilm (all-MiniLM-L6-v2, 384-d, SECLA pooling) or minilm-mean (sentence-transformers pooling).")
    var nameEncoder: NameEncoderChoice = .builtin

    func run() throws {
        let corpus = try exitingOnDataError { try source.load() }
        let texts = corpus.candidateFeatureTexts
        let encoder = try exitingOnDataError { try nameEncoder.make(for: corpus) }
        let features = try exitingOnDataError { try encoder.encode(texts) }
        try createFolder(out)
        // Features first, then the list: a reader that finds names.json finds names.npy complete beside it.
        try NPY.write(features, to: (out as NSString).appendingPathComponent(NativeFormat.nameFeaturesFile))
        try writeAtomically(try JSONEncoder().encode(texts), to: (out as NSString).appendingPathComponent(NativeFormat.namesFile))
        print("\(texts.count) names × \(encoder.dimension) (\(encoder.identifier)) → \(out)/\(NativeFormat.namesFile), \(NativeFormat.nameFeaturesFile)")
    }
}
