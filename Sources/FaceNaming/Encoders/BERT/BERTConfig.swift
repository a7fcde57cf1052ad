// The parts of a Hugging Face BERT config.json that the forward pass needs.

import Foundation

public struct BERTConfig: Codable, Sendable, Equatable {
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var vocabSize: Int
    public var layerNormEps: Double
    /// Only "gelu" (exact erf GELU) is implemented.
    public var hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size", maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size", vocabSize = "vocab_size", layerNormEps = "layer_norm_eps"
        case hiddenAct = "hidden_act"
    }

    public var headSize: Int { hiddenSize / numAttentionHeads }

    /// Reads and checks config.json; errors name the file and the field.
    public static func read(path: String) throws -> BERTConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError(path: path, "cannot read the model configuration: \(error.localizedDescription)")
        }
        let config: BERTConfig
        do { config = try JSONDecoder().decode(BERTConfig.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
            throw DataError(path: path, field: key.stringValue, "missing")
        } catch {
            throw DataError(path: path, "not a BERT config.json: \(error)")
        }
        try config.validate(path: path)
        return config
    }

    public func validate(path: String) throws {
        for (field, value) in [("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                               ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                               ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize),
                               ("vocab_size", vocabSize)] where value <= 0 {
            throw DataError(path: path, field: field, "must be positive, found \(value)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw DataError(path: path, field: "num_attention_heads",
                            "\(numAttentionHeads) heads do not divide hidden_size \(hiddenSize)")
        }
        guard hiddenAct == "gelu" else {
            throw DataError(path: path, field: "hidden_act", "only \"gelu\" (exact erf) is implemented, found \"\(hiddenAct)\"")
        }
        guard layerNormEps > 0, layerNormEps.isFinite else {
            throw DataError(path: path, field: "layer_norm_eps", "must be positive, found \(layerNormEps)")
        }
    }
}
