import Foundation
import Testing

/// Reference outputs of sentence-transformers/all-MiniLM-L6-v2 (Fixtures/minilm-reference.json, produced by
/// scripts/reference/minilm_reference.py; see Fixtures/README.md). Encoder tests compare against `MiniLMReference.load()`.
struct MiniLMReference: Decodable {
    struct Versions: Decodable {
        let python, torch, numpy, transformers, tokenizers: String
        let sentenceTransformers: String
        enum CodingKeys: String, CodingKey {
            case python, torch, numpy, transformers, tokenizers
            case sentenceTransformers = "sentence_transformers"
        }
    }

    struct Metadata: Decodable {
        let maxSeqLength, hiddenSize, numHiddenLayers, clsID, sepID, unkID, padID: Int
        let configJSONSHA256, vocabTxtSHA256, modelSafetensorsSHA256: String
        let modules: [String]
        let versions: Versions
        let command: String
        enum CodingKeys: String, CodingKey {
            case maxSeqLength = "max_seq_length", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
            case clsID = "cls_id", sepID = "sep_id", unkID = "unk_id", padID = "pad_id"
            case configJSONSHA256 = "config_json_sha256", vocabTxtSHA256 = "vocab_txt_sha256"
            case modelSafetensorsSHA256 = "model_safetensors_sha256"
            case modules, versions, command
        }
    }

    struct Name: Decodable {
        let name: String
        /// Token ids as `SentenceTransformer.encode` feeds them: [CLS] … [SEP], truncated at `maxSeqLength`.
        let ids: [Int]
        let tokens: [String]
        let truncated: Bool
        /// Mean pooling over all tokens, then L2 normalisation (the model's Normalize module).
        let sentence: [Float]
        /// SECLA: sum of the last four hidden states, averaged over the tokens without [CLS]/[SEP]; not normalised.
        let secla: [Float]
        /// True when the name has no word piece; `secla` is then all zeros.
        let seclaEmpty: Bool
        enum CodingKeys: String, CodingKey {
            case name, ids, tokens, truncated, sentence, secla
            case seclaEmpty = "secla_empty"
        }
    }

    let metadata: Metadata
    let names: [Name]

    static func load() throws -> MiniLMReference {
        guard let url = Bundle.module.url(forResource: "minilm-reference", withExtension: "json", subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Fixtures/minilm-reference.json"])
        }
        return try JSONDecoder().decode(MiniLMReference.self, from: Data(contentsOf: url))
    }
}

@Suite struct MiniLMFixtureTests {
    @Test func metadataDescribesAllMiniLML6() throws {
        let ref = try MiniLMReference.load()
        let m = ref.metadata
        #expect(m.hiddenSize == 384)
        #expect(m.numHiddenLayers == 6)
        #expect(m.maxSeqLength == 256)
        #expect(m.clsID == 101 && m.sepID == 102 && m.unkID == 100 && m.padID == 0)
        #expect(m.modules.last == "sentence_transformers.models.Normalize")
        #expect(m.configJSONSHA256.count == 64)
        #expect(!m.versions.sentenceTransformers.isEmpty && !m.versions.torch.isEmpty)
        #expect(ref.names.count == 24)
    }

    @Test func everyNameIsWellFormed() throws {
        let ref = try MiniLMReference.load()
        let width = ref.metadata.hiddenSize
        for entry in ref.names {
            #expect(entry.ids.first == 101, "\(entry.name): ids must start with [CLS]")
            #expect(entry.ids.last == 102, "\(entry.name): ids must end with [SEP]")
            #expect(entry.ids.count >= 2 && entry.ids.count <= ref.metadata.maxSeqLength, "\(entry.name)")
            #expect(entry.tokens.count == entry.ids.count, "\(entry.name)")
            #expect(entry.sentence.count == width, "\(entry.name): sentence width")
            #expect(entry.secla.count == width, "\(entry.name): secla width")
            #expect(entry.sentence.allSatisfy(\.isFinite) && entry.secla.allSatisfy(\.isFinite), "\(entry.name)")

            let norm = entry.sentence.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5, "\(entry.name): mean-pooled embedding norm \(norm)")

            let wordPieces = entry.ids.count - 2
            #expect(entry.seclaEmpty == (wordPieces == 0), "\(entry.name)")
            if entry.seclaEmpty {
                #expect(entry.secla.allSatisfy { $0 == 0 }, "\(entry.name): no word piece, SECLA pooling must be zeros")
            } else {
                #expect(entry.secla.contains { $0 != 0 }, "\(entry.name)")
            }
        }
    }

    @Test func fixtureCoversTheEdgeCases() throws {
        let ref = try MiniLMReference.load()
        let byName = Dictionary(uniqueKeysWithValues: ref.names.map { ($0.name, $0) })
        #expect(byName[""]?.ids == [101, 102])
        #expect(byName["   "]?.ids == [101, 102])
        #expect(byName["[UNK]"]?.ids == [101, 100, 102])
        #expect(byName["Bush"]?.tokens == ["[CLS]", "bush", "[SEP]"])
        let long = ref.names.first { $0.name.count == 300 }
        #expect(long?.truncated == true)
        #expect(long?.ids.count == ref.metadata.maxSeqLength)
    }
}
