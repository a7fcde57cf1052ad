// SECLA training (secla-method.md §6): mini-batches of image–caption pairs, the SECLA loss, AdamW, a learning-rate
// schedule stepped after every batch.
//
// Determinism and resumption: the heads are initialised from `seed`, and epoch e's order is a permutation drawn from a
// generator seeded by (seed, e) alone, so a run resumed from the checkpoint of epoch k draws the same orders for epochs
// k+1… as the uninterrupted run, and with the optimiser moments and schedule position restored it ends with the same
// weights bit for bit. An explicit order (`--batch-order`, for replaying a run made elsewhere) replaces the draw.

import Foundation
import NumericCore

/// One optimiser step, for the per-step loss log.
public struct StepRecord: Codable, Sendable {
    public var epoch: Int
    public var step: Int
    public var lr: Double
    public var loss: Double
    public var l1: Double
    public var l2: Double
    public var agree: Double
    public var pairs: Int
}

/// One epoch's means, for reports and checkpoints.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var loss: Double
    public var l1: Double
    public var l2: Double
    public var agree: Double
    public var steps: Int
    public var seconds: Double
}

public final class SECLATrainer {
    public let config: TrainingConfig
    public let features: FeatureIndex
    /// Corpus indices of the training samples, in corpus order; orders index into this list.
    public let samples: [Int]
    public let heads: ProjectionHeads
    public let optimizer: AdamW
    let loss: SECLALoss
    var schedule: CosineAnnealingLR?
    public internal(set) var epochsDone = 0
    public internal(set) var steps = 0
    public internal(set) var history = [EpochRecord]()
    /// Batches skipped because no sample in them had a face (faithful mode only; the official loss is undefined there).
    public private(set) var skippedBatches = 0

    /// `samples`: the corpus indices to train on. Clean mode leaves out samples without faces (their image side is
    /// empty; the official code pads them). The heads' input widths are taken from `features`.
    public init(config: TrainingConfig, features: FeatureIndex, samples: [Int]) throws(ConfigError) {
        var config = config
        config.heads.faceDim = features.faceDim
        config.heads.nameDim = features.nameDim
        try config.validate()
        self.config = config
        self.features = features
        self.samples = config.loss.mode == .clean ? samples.filter { !features.faceRows[$0].isEmpty } : samples
        guard self.samples.count >= 2 else { throw ConfigError("training needs at least 2 samples with faces (got \(self.samples.count))") }
        var rng = SeededRandom(seed: config.seed)
        heads = ProjectionHeads(config: config.heads, rng: &rng)
        optimizer = AdamW(store: heads.parameters, variant: config.optimizer, eps: config.adamEps, weightDecay: config.weightDecay)
        loss = SECLALoss(config.loss)
        schedule = Self.makeSchedule(config, stepsPerEpoch: (self.samples.count + config.batchSize - 1) / config.batchSize)
    }

    static func makeSchedule(_ c: TrainingConfig, stepsPerEpoch: Int) -> CosineAnnealingLR? {
        switch c.schedule {
        case .cosinePeriodic: CosineAnnealingLR(baseLR: c.learningRate, tMax: c.cosinePeriod)
        case .cosine: CosineAnnealingLR(baseLR: c.learningRate, tMax: max(1, c.epochs * stepsPerEpoch))
        case .constant: nil
        }
    }

    public var stepsPerEpoch: Int { (samples.count + config.batchSize - 1) / config.batchSize }
    public var learningRate: Double { schedule?.lr ?? config.learningRate }

    /// Epoch `epoch`'s order (positions into `samples`): a permutation seeded by (seed, epoch) only.
    public func drawnOrder(epoch: Int) -> [Int] {
        var state = config.seed ^ (0xD1B5_4A32_D192_ED03 &* UInt64(epoch + 1))
        var rng = SeededRandom(seed: splitMix64(&state))
        return rng.permutation(samples.count)
    }

    /// Trains one epoch over `order` (default: the drawn order of the next epoch). `onStep` sees every step.
    @discardableResult
    public func trainEpoch(order: [Int]? = nil, onStep: ((StepRecord) -> Void)? = nil) -> EpochRecord {
        let epoch = epochsDone + 1
        let order = order ?? drawnOrder(epoch: epochsDone)
        precondition(order.count == samples.count, "trainEpoch: an order of \(order.count) for \(samples.count) samples")
        let start = Date()
        var sums = (loss: 0.0, l1: 0.0, l2: 0.0, agree: 0.0), count = 0
        for first in stride(from: 0, to: order.count, by: config.batchSize) {
            let chosen = order[first..<min(first + config.batchSize, order.count)].map { samples[$0] }
            let batch = features.batch(chosen)
            guard batch.faceSets.total > 0, chosen.count >= 2 || config.loss.mode == .faithful else {
                skippedBatches += 1
                continue
            }
            heads.parameters.zeroGrad()
            let g = Graph()
            let terms = loss(g, heads: heads, batch: batch)
            g.backward(terms.total)
            let lr = learningRate
            optimizer.step(lr: lr)
            schedule?.step()
            steps += 1
            let record = StepRecord(epoch: epoch, step: steps, lr: lr, loss: Double(g.value(terms.total).item),
                                    l1: Double(g.value(terms.l1).item), l2: Double(g.value(terms.l2).item),
                                    agree: Double(g.value(terms.agree).item), pairs: chosen.count)
            sums.loss += record.loss; sums.l1 += record.l1; sums.l2 += record.l2; sums.agree += record.agree
            count += 1
            onStep?(record)
        }
        let n = Double(max(count, 1))
        let record = EpochRecord(epoch: epoch, loss: sums.loss / n, l1: sums.l1 / n, l2: sums.l2 / n, agree: sums.agree / n,
                                 steps: count, seconds: Date().timeIntervalSince(start))
        history.append(record)
        epochsDone = epoch
        return record
    }

    /// One optimiser step on the gradients in the store, then the schedule; returns the rate used.
    func applyStep() -> Double {
        let lr = learningRate
        optimizer.step(lr: lr)
        schedule?.step()
        steps += 1
        return lr
    }

    // MARK: Checkpoint state

    /// Everything besides weights and moments that a resumed run needs.
    public struct State: Codable, Equatable, Sendable {
        public var config: TrainingConfig
        public var epochsDone: Int
        public var steps: Int
        public var optimizerSteps: Int
        public var scheduleSteps: Int
        /// The schedule's current rate: restored exactly, because CosineAnnealingLR is recursive.
        public var learningRate: Double
        public var history: [EpochRecord]
        public var skippedBatches: Int
        /// How many training samples and a digest of which: a resumed run must train on the same ones.
        public var trainingSamples: Int
        public var samplesDigest: String
    }

    public var state: State {
        State(config: config, epochsDone: epochsDone, steps: steps, optimizerSteps: optimizer.stepCount,
              scheduleSteps: schedule?.stepCount ?? steps, learningRate: learningRate, history: history,
              skippedBatches: skippedBatches, trainingSamples: samples.count, samplesDigest: Self.digest(samples))
    }

    /// Restores a checkpoint's counters, schedule and optimiser moments (weights go into `heads.parameters` separately).
    public func restore(_ state: State, m: Tensor, v: Tensor) throws(ConfigError) {
        guard state.trainingSamples == samples.count, state.samplesDigest == Self.digest(samples) else {
            throw ConfigError("the checkpoint was trained on \(state.trainingSamples) other samples (digest \(state.samplesDigest)); "
                              + "resume with the same corpus, protocol and split")
        }
        epochsDone = state.epochsDone
        steps = state.steps
        history = state.history
        skippedBatches = state.skippedBatches
        if let s = schedule {
            schedule = CosineAnnealingLR(baseLR: s.baseLR, tMax: s.tMax, etaMin: s.etaMin, resumingAt: state.scheduleSteps, lr: state.learningRate)
        }
        optimizer.restore(stepCount: state.optimizerSteps, m: m, v: v)
    }

    /// FNV-1a over the sample indices: cheap, stable, enough to catch a resumed run on other data.
    static func digest(_ samples: [Int]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(samples.count * 4)
        for s in samples { withUnsafeBytes(of: UInt32(truncatingIfNeeded: s).littleEndian) { bytes.append(contentsOf: $0) } }
        return String(fnv1a(bytes), radix: 16)
    }
}
