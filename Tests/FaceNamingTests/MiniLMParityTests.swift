import FaceNaming
import Foundation
import NumericCore
import Testing
import TestSupport

/// The native encoder against the reference implementation: token ids and both poolings of the 24 names in
/// Fixtures/minilm-reference.json (sentence-transformers 2.2.2 on the same model files; see Fixtures/README.md).
@Suite(.enabled(if: MiniLMData.available, "needs the all-MiniLM-L6-v2 files (bash scripts/setup.sh)"))
struct MiniLMParityTests {
    @Test func tokenIDsMatchTheReferenceTokenizer() throws {
        let ref = try MiniLMReference.load()
        let encoder = try MiniLMNameEncoder()
        for entry in ref.names {
            #expect(encoder.tokenizer.encode(entry.name) == entry.ids, "\(entry.name.prefix(40)): \(encoder.tokenizer.tokenize(entry.name).prefix(12))")
        }
    }

    /// Names the encoder feeds as written (NONAME and names without word pieces become "[UNK]" on purpose, as SECLA
    /// does; the reference encodes the literal text) match the reference to 1e-5, encoded together in one packed batch.
    @Test(arguments: MiniLMNameEncoder.Pooling.allCases)
    func embeddingsMatchTheReference(_ pooling: MiniLMNameEncoder.Pooling) throws {
        let ref = try MiniLMReference.load()
        let encoder = try MiniLMNameEncoder(pooling: pooling)
        let entries = ref.names.filter { encoder.tokenIDs($0.name) == $0.ids }
        #expect(entries.count >= 20, "only \(entries.count) names are fed as written")
        let got = try encoder.encode(entries.map(\.name))  // (names, 384)
        for (i, entry) in entries.enumerated() {
            let expected = pooling == .meanNormalized ? entry.sentence : entry.secla
            let row = (0..<got.shape[1]).map { Double(got[i, $0]) }
            let worst = closeness(row, expected.map(Double.init), rtol: 1e-5, atol: 1e-5)
            #expect(worst.passes, "\(entry.name.prefix(40)) \(pooling.rawValue): \(worst)")
        }
    }

    /// "[UNK]" is in the fixture as a literal name: the feature every NONAME gets.
    @Test func noNameIsTheUnknownToken() throws {
        let ref = try MiniLMReference.load()
        let unk = try #require(ref.names.first { $0.name == "[UNK]" })
        let encoder = try MiniLMNameEncoder()
        #expect(encoder.tokenIDs("NONAME") == unk.ids)
        let got = try encoder.encode(["NONAME"])
        let worst = closeness((0..<got.shape[1]).map { Double(got[0, $0]) }, unk.sentence.map(Double.init), rtol: 1e-5, atol: 1e-5)
        #expect(worst.passes, "\(worst)")
    }

    /// `--name-encoder minilm|minilm-mean` builds the native encoder with SECLA's and sentence-transformers' pooling.
    @Test func commandLineChoicesBuildTheNativeEncoder() throws {
        let corpus = LFWLikeGenerator.generate(seed: 1, scale: 0.01)
        let names = Array(corpus.candidateFeatureTexts.prefix(8))
        for (choice, pooling) in [(NameEncoderChoice.minilm, MiniLMNameEncoder.Pooling.seclaLastFour), (.minilmMean, .meanNormalized)] {
            let made = try choice.make(for: corpus)
            #expect(made.dimension == 384)
            #expect(try made.encode(names).array == MiniLMNameEncoder(pooling: pooling).encode(names).array, "\(choice.rawValue)")
        }
    }
}
