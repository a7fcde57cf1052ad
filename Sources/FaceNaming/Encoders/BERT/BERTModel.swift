// A BERT encoder forward pass (inference only) over a packed batch, with weights memory-mapped from model.safetensors.
//
// Dimension letters: T tokens of all sequences together, L tokens of one sequence, D hidden size, I intermediate size,
// H heads, E = D / H head size, V vocabulary.
//
// Packed batch: the sequences are concatenated without padding, so every dense layer is one matrix product over all
// T tokens (PyTorch `nn.Linear`: y = x·Wᵀ + b, W stored (out, in)), and only attention works per sequence. With no
// padding there is no attention mask, and each sequence's result equals running it alone.
//
// Matches HF `BertModel` in eval mode (dropout off), token type 0 everywhere, absolute positions from 0 per sequence:
//
//     x₀ = LayerNorm(word[id] + position[p] + type[0])
//     a  = LayerNorm(x + Dense_o(softmax(Q·Kᵀ / √E)·V))        per head, Q/K/V = Dense_q/k/v(x)
//     x' = LayerNorm(a + Dense_2(gelu(Dense_1(a))))              gelu(z) = z·½·(1 + erf(z/√2))

import Foundation
import NumericCore

public final class BERTModel: @unchecked Sendable {  // immutable after init; the weights borrow a read-only mapping
    public let config: BERTConfig
    public let path: String

    struct Layer {
        /// Query, key and value stacked: one product gives all three. w (3D, D), b (3D).
        let qkv: (w: Tensor, b: Tensor)
        let attentionOut: (w: Tensor, b: Tensor)  // (D, D), (D)
        let attentionNorm: (g: Tensor, b: Tensor)  // (D), (D)
        let intermediate: (w: Tensor, b: Tensor)  // (I, D), (I)
        let output: (w: Tensor, b: Tensor)  // (D, I), (D)
        let outputNorm: (g: Tensor, b: Tensor)  // (D), (D)
    }

    let wordEmbeddings: Tensor  // (V, D)
    let positionEmbeddings: Tensor  // (maxPositions, D)
    let typeEmbeddings: Tensor  // (types, D)
    let embeddingNorm: (g: Tensor, b: Tensor)  // (D), (D)
    let layers: [Layer]
    /// Keeps the mapping alive for the borrowed tensors.
    private let file: SafetensorsFile

    /// Maps `safetensorsPath` and checks that every tensor is present with its shape. Names may carry a "bert." prefix.
    public init(config: BERTConfig, safetensorsPath: String) throws {
        self.config = config
        path = safetensorsPath
        let file = try Safetensors.read(path: safetensorsPath)
        self.file = file
        let prefix = file["embeddings.word_embeddings.weight"] == nil && file["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        let D = config.hiddenSize, I = config.intermediateSize
        func tensor(_ name: String, _ shape: [Int]) throws -> Tensor {
            let full = prefix + name
            guard let entry = file[full] else {
                throw FormatError(.mismatch, path: safetensorsPath, record: full, "no such tensor in the file",
                                  hint: "the file must hold a Hugging Face BertModel checkpoint matching config.json")
            }
            guard entry.shape == shape else {
                throw FormatError(.mismatch, path: safetensorsPath, record: full, field: "shape",
                                  "expected \(describe(shape)) from config.json, found \(describe(entry.shape))")
            }
            return try entry.array.floatTensor()
        }
        func dense(_ name: String, out: Int, in inputs: Int) throws -> (w: Tensor, b: Tensor) {
            (try tensor(name + ".weight", [out, inputs]), try tensor(name + ".bias", [out]))
        }
        func norm(_ name: String) throws -> (g: Tensor, b: Tensor) {
            (try tensor(name + ".weight", [D]), try tensor(name + ".bias", [D]))
        }
        wordEmbeddings = try tensor("embeddings.word_embeddings.weight", [config.vocabSize, D])
        positionEmbeddings = try tensor("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, D])
        typeEmbeddings = try tensor("embeddings.token_type_embeddings.weight", [config.typeVocabSize, D])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<config.numHiddenLayers).map { i in
            let p = "encoder.layer.\(i)."
            let parts = [try dense(p + "attention.self.query", out: D, in: D), try dense(p + "attention.self.key", out: D, in: D),
                         try dense(p + "attention.self.value", out: D, in: D)]
            let w = Tensor(uninitialized: [3 * D, D]), b = Tensor(uninitialized: [3 * D])
            for (n, part) in parts.enumerated() {
                (w.pointer + n * D * D).update(from: part.w.pointer, count: D * D)
                (b.pointer + n * D).update(from: part.b.pointer, count: D)
            }
            return Layer(qkv: (w, b),
                         attentionOut: try dense(p + "attention.output.dense", out: D, in: D),
                         attentionNorm: try norm(p + "attention.output.LayerNorm"),
                         intermediate: try dense(p + "intermediate.dense", out: I, in: D),
                         output: try dense(p + "output.dense", out: D, in: I),
                         outputNorm: try norm(p + "output.LayerNorm"))
        }
    }

    /// Hidden states of a packed batch: element 0 is the embedding output, element l the output of encoder layer l
    /// (HF's `hidden_states` tuple), each (T, D) with the sequences' rows one after another. Only the states from
    /// `firstKeptLayer` on are returned non-empty (earlier ones are (0, D)), to save memory when pooling needs few.
    public func hiddenStates(_ sequences: [[Int]], firstKeptLayer: Int = 0) throws -> [Tensor] {
        let D = config.hiddenSize, I = config.intermediateSize
        for (s, ids) in sequences.enumerated() {
            guard ids.count <= config.maxPositionEmbeddings else {
                throw DataError(path: path, record: "sequence \(s)",
                                "\(ids.count) tokens exceed max_position_embeddings \(config.maxPositionEmbeddings)")
            }
            if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw DataError(path: path, record: "sequence \(s)", "token id \(bad) outside the vocabulary of \(config.vocabSize)")
            }
        }
        let T = sequences.reduce(0) { $0 + $1.count }
        var starts = [Int](), t0 = 0
        for ids in sequences { starts.append(t0); t0 += ids.count }
        let eps = Float(config.layerNormEps)

        // Embeddings.
        let x = Tensor(uninitialized: [T, D])  // (T, D)
        var t = 0
        for ids in sequences {
            for (p, id) in ids.enumerated() {
                let row = x.pointer + t * D
                let w = wordEmbeddings.pointer + id * D, pos = positionEmbeddings.pointer + p * D, type = typeEmbeddings.pointer
                for j in 0..<D { row[j] = w[j] + pos[j] + type[j] }
                t += 1
            }
        }
        Self.layerNorm(x, rows: 0..<T, width: D, norm: embeddingNorm, eps: eps)
        var states = [firstKeptLayer <= 0 ? x.copy() : Tensor(zeros: [0, D])]

        let qkv = Tensor(uninitialized: [T, 3 * D])  // (T, 3D): Q | K | V
        let context = Tensor(uninitialized: [T, D])  // (T, D)
        let projected = Tensor(uninitialized: [T, D])  // (T, D)
        let inner = Tensor(uninitialized: [T, I])  // (T, I)
        let H = config.numAttentionHeads, E = config.headSize
        let scale = 1 / Float(E).squareRoot()
        // Attention is split over the threads by whole sequences, balanced by token count; each part has its own
        // (L, L) scores buffer and runs its small products single-threaded.
        let parts = T >= 64 && sequences.count > 1 ? max(1, min(BLAS.threads, sequences.count)) : 1
        var bounds = [0]
        for part in 1..<parts { bounds.append(starts.firstIndex { $0 >= T * part / parts } ?? sequences.count) }
        bounds.append(sequences.count)
        let maxL = sequences.map(\.count).max() ?? 0
        let scores = Tensor(uninitialized: [parts, max(1, maxL * maxL)])  // (parts, L·L)
        let lengths = sequences.map(\.count)

        for (l, layer) in layers.enumerated() {
            // Each bias is added in a pass that already touches the rows (attention, GELU, LayerNorm), not in a
            // separate serial fill before the product.
            Self.product(x, rows: T, inputs: D, layer.qkv.w, outputs: 3 * D, into: qkv)
            // Heads are column blocks of Q, K, V (leading dimension 3D).
            WorkSplitter.shared.run(parts: parts) { part in
                let S = scores.pointer + part * max(1, maxL * maxL)  // (L, L)
                for s in bounds[part]..<bounds[part + 1] {
                    let L = lengths[s], row0 = starts[s]
                    Self.addBias(qkv, rows: row0..<(row0 + L), width: 3 * D, layer.qkv.b)
                    let Q = qkv.pointer + row0 * 3 * D, K = Q + D, V = Q + 2 * D
                    for h in 0..<H {
                        BLAS.sgemm(transA: false, transB: true, m: L, n: L, k: E, alpha: scale, a: Q + h * E, lda: 3 * D,
                                   b: K + h * E, ldb: 3 * D, beta: 0, c: S, ldc: L, threads: 1)
                        Self.softmaxRows(S, rows: L, width: L)
                        BLAS.sgemm(transA: false, transB: false, m: L, n: E, k: L, a: S, lda: L,
                                   b: V + h * E, ldb: 3 * D, beta: 0, c: context.pointer + row0 * D + h * E, ldc: D, threads: 1)
                    }
                }
            }
            // a = LayerNorm(x + context·Woᵀ + bo), written into x.
            Self.product(context, rows: T, inputs: D, layer.attentionOut.w, outputs: D, into: projected)
            Self.addLayerNorm(x, projected, layer.attentionOut.b, rows: T, width: D, norm: layer.attentionNorm, eps: eps)
            // x' = LayerNorm(a + gelu(a·W1ᵀ + b1)·W2ᵀ + b2).
            Self.product(x, rows: T, inputs: D, layer.intermediate.w, outputs: I, into: inner)
            Self.biasGELU(inner, rows: T, width: I, layer.intermediate.b)
            Self.product(inner, rows: T, inputs: I, layer.output.w, outputs: D, into: projected)
            Self.addLayerNorm(x, projected, layer.output.b, rows: T, width: D, norm: layer.outputNorm, eps: eps)
            states.append(l + 1 >= firstKeptLayer ? x.copy() : Tensor(zeros: [0, D]))
        }
        return states
    }

    // MARK: Kernels

    /// out (rows, outputs) = x (rows, inputs) · Wᵀ, one product over all rows; the caller adds Linear's bias.
    static func product(_ x: Tensor, rows: Int, inputs: Int, _ w: Tensor, outputs: Int, into out: Tensor) {
        BLAS.sgemm(transA: false, transB: true, m: rows, n: outputs, k: inputs, a: x.pointer, lda: inputs,
                   b: w.pointer, ldb: inputs, beta: 0, c: out.pointer, ldc: outputs)
    }

    /// x[r] += b for r in rows.  x: (·, width), b: (width)
    static func addBias(_ x: Tensor, rows: Range<Int>, width: Int, _ b: Tensor) {
        let bias = b.pointer
        for r in rows {
            let row = x.pointer + r * width
            for j in 0..<width { row[j] += bias[j] }
        }
    }

    /// x = gelu(x + b) row by row (the intermediate Linear's bias, then exact-erf GELU), split over the threads.
    static func biasGELU(_ x: Tensor, rows: Int, width: Int, _ b: Tensor) {
        let parts = rows >= 16 ? BLAS.threads : 1
        WorkSplitter.shared.run(parts: parts) { part in
            let lo = rows * part / parts, hi = rows * (part + 1) / parts
            addBias(x, rows: lo..<hi, width: width, b)
            Activations.gelu(x.pointer + lo * width, count: (hi - lo) * width, threads: 1)
        }
    }

    /// x = LayerNorm(x + (y + b)) row by row, split over the threads by rows (b is the preceding Linear's bias).
    static func addLayerNorm(_ x: Tensor, _ y: Tensor, _ b: Tensor, rows: Int, width: Int, norm: (g: Tensor, b: Tensor),
                             eps: Float) {
        let parts = rows >= 64 ? BLAS.threads : 1
        let bias = b.pointer
        WorkSplitter.shared.run(parts: parts) { part in
            let lo = rows * part / parts, hi = rows * (part + 1) / parts
            for r in lo..<hi {
                let a = x.pointer + r * width, c = y.pointer + r * width
                for j in 0..<width { a[j] += c[j] + bias[j] }
            }
            layerNorm(x, rows: lo..<hi, width: width, norm: norm, eps: eps)
        }
    }

    /// Row-wise LayerNorm: (x − mean) / √(var + eps) · g + b, biased variance, two passes with Double sums.
    static func layerNorm(_ x: Tensor, rows: Range<Int>, width: Int, norm: (g: Tensor, b: Tensor), eps: Float) {
        let g = norm.g.pointer, b = norm.b.pointer
        for r in rows {
            let row = x.pointer + r * width
            var sum = 0.0
            for j in 0..<width { sum += Double(row[j]) }
            let mean = sum / Double(width)
            var squares = 0.0
            for j in 0..<width { let d = Double(row[j]) - mean; squares += d * d }
            let inv = Float(1 / (squares / Double(width) + Double(eps)).squareRoot())
            let m = Float(mean)
            for j in 0..<width { row[j] = (row[j] - m) * inv * g[j] + b[j] }
        }
    }

    /// Softmax of each row, max subtracted first.
    static func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows {
            let row = s + r * width
            var m = -Float.infinity
            for j in 0..<width { m = max(m, row[j]) }
            var sum: Float = 0
            for j in 0..<width { let e = Foundation.exp(row[j] - m); row[j] = e; sum += e }
            let inv = 1 / sum
            for j in 0..<width { row[j] *= inv }
        }
    }
}

