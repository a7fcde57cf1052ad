import FaceNaming
import Foundation
import NumericCore
import Testing

/// A tiny random BERT (D 8, 2 heads, I 16, 2 layers) written to a temporary folder: tests the forward pass, pooling
/// and weight loading without the real model files, against a plain scalar Double implementation.
@Suite struct BERTModelTests {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "george", "w", ".", "bush", "tony", "blair",
                             "o", "'", "neill", "jose", "schwarz", "##en", "##egger"]
    static let D = 8, I = 16, layers = 2, heads = 2, positions = 16

    static func weights(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var state: UInt64 = 42
        func random(_ shape: [Int], scale: Float = 0.5, offset: Float = 0) -> Tensor {
            let n = shape.reduce(1, *)
            return Tensor(shape: shape, data: (0..<n).map { _ in
                offset + scale * (Float(splitMix64(&state) >> 40) / Float(1 << 24) * 2 - 1)
            })
        }
        var out: [(String, Tensor)] = [
            ("embeddings.word_embeddings.weight", random([vocabulary.count, D])),
            ("embeddings.position_embeddings.weight", random([positions, D])),
            ("embeddings.token_type_embeddings.weight", random([2, D])),
            ("embeddings.LayerNorm.weight", random([D], scale: 0.2, offset: 1)), ("embeddings.LayerNorm.bias", random([D], scale: 0.1)),
        ]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                out += [(p + name + ".weight", random([D, D])), (p + name + ".bias", random([D], scale: 0.1))]
            }
            out += [(p + "intermediate.dense.weight", random([I, D])), (p + "intermediate.dense.bias", random([I], scale: 0.1)),
                    (p + "output.dense.weight", random([D, I])), (p + "output.dense.bias", random([D], scale: 0.1))]
            for name in ["attention.output.LayerNorm", "output.LayerNorm"] {
                out += [(p + name + ".weight", random([D], scale: 0.2, offset: 1)), (p + name + ".bias", random([D], scale: 0.1))]
            }
        }
        return out.map { (prefix + $0.0, $0.1) }
    }

    /// Writes config.json, vocab.txt and model.safetensors; returns the folder (removed by the caller).
    static func writeModel(_ tensors: [(name: String, tensor: Tensor)], act: String = "gelu") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-bert-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = """
            {"hidden_size": \(D), "num_hidden_layers": \(layers), "num_attention_heads": \(heads), "intermediate_size": \(I),
             "max_position_embeddings": \(positions), "type_vocab_size": 2, "vocab_size": \(vocabulary.count),
             "layer_norm_eps": 1e-12, "hidden_act": "\(act)", "model_type": "bert"}
            """
        try config.write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try (vocabulary.joined(separator: "\n") + "\n").write(toFile: dir + "/vocab.txt", atomically: true, encoding: .utf8)
        try Safetensors.write(tensors, to: dir + "/model.safetensors")
        return dir
    }

    /// Hidden states of one sequence in plain Double arithmetic, straight from the formulas: (layers + 1) × L × D.
    static func reference(_ ids: [Int], _ w: [String: [Float]]) -> [[[Double]]] {
        let D = Self.D, E = D / heads
        func v(_ n: String) -> [Double] { w[n]!.map(Double.init) }
        func ln(_ x: [Double], _ p: String) -> [Double] {
            let g = v(p + ".weight"), b = v(p + ".bias")
            let m = x.reduce(0, +) / Double(x.count), va = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count)
            return x.indices.map { (x[$0] - m) / (va + 1e-12).squareRoot() * g[$0] + b[$0] }
        }
        func dense(_ x: [Double], _ p: String, out: Int) -> [Double] {
            let W = v(p + ".weight"), b = v(p + ".bias")
            return (0..<out).map { o in b[o] + x.indices.reduce(0) { $0 + W[o * x.count + $1] * x[$1] } }
        }
        let word = v("embeddings.word_embeddings.weight"), pos = v("embeddings.position_embeddings.weight")
        let type = v("embeddings.token_type_embeddings.weight")
        var x = ids.enumerated().map { p, id in ln((0..<D).map { word[id * D + $0] + pos[p * D + $0] + type[$0] }, "embeddings.LayerNorm") }
        var states = [x]
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            let q = x.map { dense($0, p + "attention.self.query", out: D) }, k = x.map { dense($0, p + "attention.self.key", out: D) }
            let val = x.map { dense($0, p + "attention.self.value", out: D) }
            var context = [[Double]](repeating: [Double](repeating: 0, count: D), count: x.count)
            for h in 0..<heads {
                for i in x.indices {
                    let s = x.indices.map { j in (0..<E).reduce(0.0) { $0 + q[i][h * E + $1] * k[j][h * E + $1] } / Double(E).squareRoot() }
                    let m = s.max()!, e = s.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
                    for c in 0..<E { context[i][h * E + c] = x.indices.reduce(0.0) { $0 + e[$1] / z * val[$1][h * E + c] } }
                }
            }
            x = x.indices.map { i in
                let o = dense(context[i], p + "attention.output.dense", out: D)
                return ln(x[i].indices.map { x[i][$0] + o[$0] }, p + "attention.output.LayerNorm")
            }
            x = x.map { a in
                let h = dense(a, p + "intermediate.dense", out: I).map { $0 * 0.5 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
                let o = dense(h, p + "output.dense", out: D)
                return ln(a.indices.map { a[$0] + o[$0] }, p + "output.LayerNorm")
            }
            states.append(x)
        }
        return states
    }

    @Test func forwardMatchesScalarReference() throws {
        let tensors = Self.weights()
        let dir = try Self.writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.tensor.array) })
        let config = try BERTConfig.read(path: dir + "/config.json")
        let model = try BERTModel(config: config, safetensorsPath: dir + "/model.safetensors")
        let sequences = [[2, 5, 6, 7, 8, 3], [2, 1, 3], [2, 9, 10, 3]]
        let states = try model.hiddenStates(sequences)  // (layers + 1) × (T, D)
        #expect(states.count == Self.layers + 1)
        var t0 = 0, worst = 0.0
        for ids in sequences {
            let ref = Self.reference(ids, byName)
            for l in 0...Self.layers { for t in ids.indices { for j in 0..<Self.D {
                worst = max(worst, abs(Double(states[l][t0 + t, j]) - ref[l][t][j]))
            } } }
            t0 += ids.count
        }
        #expect(worst < 1e-5, "worst difference \(worst)")
    }

    @Test func encoderPoolingAndBertPrefix() throws {
        let tensors = Self.weights(prefix: "bert.")
        let dir = try Self.writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { (String($0.name.dropFirst(5)), $0.tensor.array) })
        let mean = try MiniLMNameEncoder(directory: dir, pooling: .meanNormalized, batchSize: 2)
        let secla = try MiniLMNameEncoder(directory: dir, pooling: .seclaLastFour, batchSize: 2)
        let names = ["George W. Bush", "Tony Blair", "NONAME", "O'Neill", "José"]
        let m = try mean.encode(names), s = try secla.encode(names)  // (N, D)
        for (i, name) in names.enumerated() {
            let ids = mean.tokenIDs(name)
            let ref = Self.reference(ids, byName)
            // mean over all tokens of the last layer, L2-normalised
            var avg = (0..<Self.D).map { j in ref[Self.layers].reduce(0.0) { $0 + $1[j] } / Double(ids.count) }
            let norm = avg.reduce(0) { $0 + $1 * $1 }.squareRoot()
            avg = avg.map { $0 / norm }
            // sum of the last four states (here all three: fewer than four exist), mean over the word pieces
            let last = ref.suffix(4)
            var sec = [Double](repeating: 0, count: Self.D)
            for t in 1..<(ids.count - 1) { for state in last { for j in 0..<Self.D { sec[j] += state[t][j] } } }
            sec = sec.map { $0 / Double(ids.count - 2) }
            for j in 0..<Self.D {
                #expect(abs(Double(m[i, j]) - avg[j]) < 1e-5, "\(name) mean [\(j)]")
                #expect(abs(Double(s[i, j]) - sec[j]) < 1e-4, "\(name) secla [\(j)]")
            }
            let single = try mean.encode([name])
            for j in 0..<Self.D { #expect(abs(single[0, j] - m[i, j]) <= 1e-6) }
        }
        #expect(mean.tokenIDs("NONAME") == [2, 1, 3] && mean.tokenIDs("") == [2, 1, 3])
    }

    @Test func missingOrMisshapenTensorsNameFileAndTensor() throws {
        var tensors = Self.weights()
        tensors.removeAll { $0.name == "encoder.layer.1.output.dense.bias" }
        let dir = try Self.writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do { _ = try MiniLMNameEncoder(directory: dir); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("model.safetensors") && "\(error)".contains("encoder.layer.1.output.dense.bias"))
        }
        tensors.append(("encoder.layer.1.output.dense.bias", Tensor(zeros: [Self.D + 1])))
        let dir2 = try Self.writeModel(tensors)
        defer { try? FileManager.default.removeItem(atPath: dir2) }
        do { _ = try MiniLMNameEncoder(directory: dir2); Issue.record("expected an error") } catch {
            #expect("\(error)".contains("encoder.layer.1.output.dense.bias") && "\(error)".contains("[9]"))
        }
        let dir3 = try Self.writeModel(Self.weights(), act: "gelu_new")
        defer { try? FileManager.default.removeItem(atPath: dir3) }
        #expect(throws: DataError.self) { try MiniLMNameEncoder(directory: dir3) }
    }
}
