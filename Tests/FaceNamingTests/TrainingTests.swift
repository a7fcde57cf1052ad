import FaceNaming
import Foundation
import NumericCore
import Testing
import TestSupport

/// Training runs end to end on a small generated corpus: determinism, checkpoint/resume, replay options.
@Suite struct TrainingTests {
    static let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.02, dimension: 24)

    static func options(epochs: Int, mode: LossMode = .faithful) -> RunOptions {
        var c = mode == .faithful ? TrainingConfig.faithful : TrainingConfig.clean
        c.epochs = epochs
        c.heads.hidden = 32
        c.heads.projection = 16
        c.seed = 11
        return RunOptions(config: c)
    }

    static func temporaryFolder(_ name: String = #function) -> String { FaceNamingTests.temporaryFolder(name) }

    /// Trains `epochs` epochs into the run folder `folder`, with a checkpoint every `every` epochs.
    static func checkpointedRun(epochs: Int, every: Int, into folder: String) throws {
        var options = Self.options(epochs: epochs)
        options.outFolder = folder
        options.checkpointEvery = every
        _ = try SECLARun.run(corpus: corpus, options: options)
    }

    @Test(arguments: [LossMode.faithful, .clean])
    func learnsAndIsDeterministic(_ mode: LossMode) throws {
        let a = try SECLARun.run(corpus: Self.corpus, options: Self.options(epochs: 3, mode: mode))
        let b = try SECLARun.run(corpus: Self.corpus, options: Self.options(epochs: 3, mode: mode))
        #expect(a.heads.parameters.flatValues.array == b.heads.parameters.flatValues.array)
        let losses = a.0.epochs.map(\.loss)
        #expect(losses.last! < losses.first!, "loss should fall: \(losses)")
        let metrics = try #require(a.0.metrics)
        let random = try #require(a.0.baselines["random"])
        #expect(metrics.facesAccuracy > random.facesAccuracy, "trained \(metrics.facesAccuracy) vs random \(random.facesAccuracy)")
    }

    @Test func resumedRunEndsWithTheSameWeights() throws {
        let straight = try SECLARun.run(corpus: Self.corpus, options: Self.options(epochs: 4)).heads.parameters.flatValues.array

        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.checkpointedRun(epochs: 2, every: 1, into: folder)
        #expect(FileManager.default.fileExists(atPath: folder + "/checkpoints/epoch-0001/state.json"))
        #expect(FileManager.default.fileExists(atPath: folder + "/checkpoints/epoch-0002/optimizer.safetensors"))
        #expect(FileManager.default.fileExists(atPath: folder + "/alignment.json"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder + "/checkpoints").filter { $0.contains(".") }
        #expect(leftovers.isEmpty, "temporary checkpoint folders left behind: \(leftovers)")

        var resumed = Self.options(epochs: 4)
        resumed.resume = folder
        let result = try SECLARun.run(corpus: Self.corpus, options: resumed)
        #expect(result.0.resumedFromEpoch == 2)
        #expect(result.0.epochs.count == 4)
        #expect(result.heads.parameters.flatValues.array == straight, "resumed weights differ from the uninterrupted run")
    }

    /// A checkpoint keeps what `--resume` needs besides weights: the run's epochs, name encoder and interval.
    @Test func checkpointKeepsTheRunsResumeSettings() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.checkpointedRun(epochs: 3, every: 2, into: folder)
        let latest = try Checkpoint.resolve(folder)
        #expect(latest.hasSuffix("epoch-0003"))  // every 2, and always the last epoch
        let settings = try Checkpoint.resumeSettings(latest)
        #expect(settings.epochs == 3 && settings.encoder == .builtin && settings.checkpointEvery == 2)
        #expect(try Checkpoint.readState(latest).epochsDone == 3)
    }

    /// What a process killed inside Checkpoint.write leaves is cleaned up before a resume picks its checkpoint: a
    /// complete checkpoint moved aside (`.old-PID`) whose replacement never arrived is put back, half-made folders go,
    /// and folders of a live process are left alone.
    @Test func resolveRecoversCheckpointWritesOfKilledProcesses() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.checkpointedRun(epochs: 2, every: 1, into: folder)
        let fm = FileManager.default
        let checkpoints = folder + "/checkpoints"
        let dead = Int32.max  // above any pid_max, so no such process
        let live = ProcessInfo.processInfo.processIdentifier
        // Killed between "move epoch-0002 aside" and "move its replacement in"; an older .old of epoch 1; half-made 3.
        try fm.moveItem(atPath: "\(checkpoints)/epoch-0002", toPath: "\(checkpoints)/epoch-0002.old-\(dead)")
        try fm.copyItem(atPath: "\(checkpoints)/epoch-0001", toPath: "\(checkpoints)/epoch-0001.old-\(dead)")
        try fm.createDirectory(atPath: "\(checkpoints)/epoch-0003.partial-\(dead)", withIntermediateDirectories: false)
        try fm.createDirectory(atPath: "\(checkpoints)/epoch-0003.partial-\(live)", withIntermediateDirectories: false)
        #expect(try Checkpoint.resolve(folder) == "\(checkpoints)/epoch-0002")
        #expect(try fm.contentsOfDirectory(atPath: checkpoints).sorted() == ["epoch-0001", "epoch-0002", "epoch-0003.partial-\(live)"])
        #expect(try Checkpoint.readState("\(checkpoints)/epoch-0002").epochsDone == 2)
    }

    @Test func resumeRefusesOtherTrainingSamples() throws {
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.checkpointedRun(epochs: 1, every: 1, into: folder)
        var other = Self.options(epochs: 2)
        other.resume = folder
        other.evaluation = .inductive
        #expect(throws: DataError.self) { try SECLARun.run(corpus: Self.corpus, options: other) }
    }

    @Test func batchOrderReplaysAndInitLoadsWeights() throws {
        // The drawn orders given explicitly reproduce the run; another order changes it.
        let plain = try SECLARun.run(corpus: Self.corpus, options: Self.options(epochs: 2))
        let features = try FeatureIndex.build(Self.corpus, encoder: HashedNameEncoder())
        let trainer = try SECLATrainer(config: Self.options(epochs: 2).config, features: features, samples: Array(Self.corpus.samples.indices))
        var replay = Self.options(epochs: 2)
        replay.batchOrder = [trainer.drawnOrder(epoch: 0), trainer.drawnOrder(epoch: 1)]
        let replayed = try SECLARun.run(corpus: Self.corpus, options: replay)
        #expect(replayed.heads.parameters.flatValues.array == plain.heads.parameters.flatValues.array)
        replay.batchOrder = [Array(0..<trainer.samples.count), Array(0..<trainer.samples.count)]
        let inOrder = try SECLARun.run(corpus: Self.corpus, options: replay)
        #expect(inOrder.heads.parameters.flatValues.array != plain.heads.parameters.flatValues.array)

        // Not a permutation, or too few epochs: a clear error, not a trap.
        replay.batchOrder = [Array(repeating: 0, count: trainer.samples.count), Array(0..<trainer.samples.count)]
        #expect(throws: DataError.self) { try SECLARun.run(corpus: Self.corpus, options: replay) }
        replay.batchOrder = [Array(0..<trainer.samples.count)]
        #expect(throws: DataError.self) { try SECLARun.run(corpus: Self.corpus, options: replay) }

        // --init: zero epochs from saved weights keeps exactly those weights.
        let folder = Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/w.safetensors"
        try Safetensors.write(plain.heads.parameters, to: path)
        var start = Self.options(epochs: 0)
        start.initWeights = path
        let loaded = try SECLARun.run(corpus: Self.corpus, options: start)
        #expect(loaded.heads.parameters.flatValues.array == plain.heads.parameters.flatValues.array)
        start.initWeights = folder + "/missing.safetensors"
        #expect(throws: (any Error).self) { try SECLARun.run(corpus: Self.corpus, options: start) }
    }

    @Test func inductiveProtocolHoldsOutASeededSplit() throws {
        let (train, held) = SECLARun.split(count: 100, evaluation: .inductive, holdout: 0.2, seed: 3)
        #expect(train.count == 80 && held.count == 20 && Set(train).isDisjoint(with: held))
        #expect(SECLARun.split(count: 100, evaluation: .inductive, holdout: 0.2, seed: 3).evaluate == held)
        var options = Self.options(epochs: 1)
        options.evaluation = .inductive
        let result = try SECLARun.run(corpus: Self.corpus, options: options)
        #expect(result.evaluated.count == result.0.evaluatedSamples && result.0.evaluatedSamples < Self.corpus.samples.count)
        #expect(result.labels.count == result.evaluated.count)
    }

    @Test(arguments: [LossMode.faithful, .clean], [ReferenceFace.medoid, .random, .mean])
    func seclaBRunsEndToEndAndIsDeterministic(_ mode: LossMode, _ reference: ReferenceFace) throws {
        let options = Self.options(epochs: 1, mode: mode)
        var method = SECLABConfig.defaults(options.config, celebTo: false)
        method.stage1.epochs = 2
        method.stage2.epochs = 1
        method.reference = reference
        let a = try SECLARun.runSECLAB(corpus: Self.corpus, options: options, method: method)
        let b = try SECLARun.runSECLAB(corpus: Self.corpus, options: options, method: method)
        #expect(a.heads.parameters.flatValues.array == b.heads.parameters.flatValues.array)
        #expect(a.0.method == "secla-b" && a.0.bootstrap?.count == 1 && a.0.metrics != nil)
        #expect(a.0.epochs.count == 3)
    }

    /// A SECLA-B (and SECLA) run folder with name features of another width than 768 (MiniLM's 384, here 24, with
    /// the layout term) loads back for `secla align`: the model file records the heads' real configuration.
    @Test(arguments: [false, true])
    func runFolderWithNon768NamesLoadsBack(_ bootstrap: Bool) throws {
        var corpus = Self.corpus
        let texts = corpus.candidateFeatureTexts
        var rng = SeededRandom(seed: 5)
        corpus.nameFeatures = NameFeatures(names: texts, features: rng.normalTensor([texts.count, 24]))
        var options = Self.options(epochs: 1)
        options.encoder = .precomputed
        options.config.heads.layoutFeatures = LayoutFeatures.count
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("secla-run-\(getpid())-\(bootstrap)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        options.outFolder = out
        if bootstrap {
            var method = SECLABConfig.defaults(options.config, celebTo: false)
            method.stage1.epochs = 1
            method.stage2.epochs = 1
            _ = try SECLARun.runSECLAB(corpus: corpus, options: options, method: method)
        } else {
            _ = try SECLARun.run(corpus: corpus, options: options)
        }
        let (heads, encoder) = try TrainedModel.load(out)
        #expect(heads.config.nameDim == 24 && heads.hasLayout && encoder == .precomputed)
    }

    /// Features exported once (as `secla embed-names` writes them) and read back as precomputed give the same run.
    @Test func precomputedFeaturesOfTheBuiltInEncoderReproduceTheRun() throws {
        let builtin = try SECLARun.run(corpus: Self.corpus, options: Self.options(epochs: 1))
        let texts = Self.corpus.candidateFeatureTexts
        var corpus = Self.corpus
        corpus.nameFeatures = NameFeatures(names: texts, features: try HashedNameEncoder().encode(texts))
        var options = Self.options(epochs: 1)
        options.encoder = .precomputed
        let precomputed = try SECLARun.run(corpus: corpus, options: options)
        #expect(precomputed.heads.parameters.flatValues.array == builtin.heads.parameters.flatValues.array)
    }

    @Test func corpusWithoutFaceFeaturesIsAClearError() {
        var corpus = Self.corpus
        corpus.faceFeatures = nil
        #expect(throws: DataError.self) { try SECLARun.run(corpus: corpus, options: Self.options(epochs: 1)) }
    }
}

/// Decision rules on hand-made scores.
@Suite struct AlignerRuleTests {
    let sample = Sample(id: "s", faces: [Face(), Face(), Face()],
                        names: [CandidateName("Ann"), CandidateName("Bob"), CandidateName("NONAME")])
    // Faces 0 and 1 both prefer Ann; face 2 prefers NONAME slightly over Bob.
    let scores: [[Float]] = [[5, 1, 0], [4, 3.5, 0], [0.2, 0.9, 1.0]]

    @Test func argmaxIsPerFace() {
        let labels = Aligner.label(sample, scores: scores)
        #expect(labels.map(\.name) == ["Ann", "Ann", "NONAME"])
        #expect(labels[0].runnerUp == "Bob" && labels[0].runnerUpScore == 1)
        let p = exp(5.0) / (exp(5.0) + exp(1.0) + exp(0.0))
        #expect(abs(labels[0].confidence - p) < 1e-12)
    }

    @Test func hungarianGivesEachNameOneFace() {
        let labels = Aligner.label(sample, scores: scores, options: InferenceOptions(rule: .hungarian))
        // Ann→0, Bob→1 (5 + 3.5 + 1.0 = 9.5 beats Ann→1 with Bob→2: 4 + 0.9 + 0 … or Ann→0 alone)
        #expect(labels.map(\.name) == ["Ann", "Bob", "NONAME"])
    }

    @Test func thresholdTurnsWeakNamesIntoNoName() {
        let labels = Aligner.label(sample, scores: scores, options: InferenceOptions(noNameThreshold: 4.5))
        #expect(labels.map(\.name) == ["Ann", "NONAME", "NONAME"])
        let hungarian = Aligner.label(sample, scores: scores, options: InferenceOptions(rule: .hungarian, noNameThreshold: 3.8))
        #expect(hungarian.map(\.name) == ["Ann", "NONAME", "NONAME"])
        // A caption without a NONAME candidate still yields NONAME under a threshold.
        let bare = Sample(id: "b", faces: [Face()], names: [CandidateName("Ann")])
        #expect(Aligner.label(bare, scores: [[1]], options: InferenceOptions(noNameThreshold: 2)).map(\.name) == ["NONAME"])
        #expect(Aligner.label(bare, scores: [[1]], options: InferenceOptions(rule: .hungarian, noNameThreshold: 2)).map(\.name) == ["NONAME"])
    }
}
