// SECLA-B (secla-method.md §7): easy-to-hard training.
//
// Stage 1: SECLA on the easy subset (augmented LFW: one face and its one caption name; Celebrity Together: at most two
// faces, all labelled). Stage 2, on the full corpus with a new optimiser: at every step the current model names some
// faces with known names (`Bootstrap`); each sample splits into a matched part (matched faces + a null face, their
// names + a NONAME feature) and an unmatched rest, and the loss is
//
//     L_SECLA(unmatched parts) + L2(matched names vs own matched faces / other samples' reference faces)
//                              + L3(matched faces vs reference faces, both ways)
//
// with every term of weight 1 (§7.5). The reference face of a known name is one of its easy-subset faces or their
// mean (`ReferenceFace`). Faithful mode reproduces the official quirks: zero padding in every group, the unnormalised
// random null face (norm ≈ √512) and the literal-"NONAME" name feature in the matched sets (§12 items 12, 13, 19).

import Foundation
import NumericCore

public enum ReferenceFace: String, Codable, CaseIterable, Sendable {
    /// The easy-subset face of the name closest on average (Euclidean) to the name's other easy-subset faces.
    case medoid
    /// A uniformly random easy-subset face of the name, re-drawn at every step (the official CelebTo choice).
    case random
    /// The mean of the name's easy-subset faces, scaled to their mean norm.
    case mean
}

public struct SECLABConfig: Codable, Equatable, Sendable {
    public var stage1: TrainingConfig
    public var stage2: TrainingConfig
    public var reference: ReferenceFace = .medoid

    /// The official scripts' epochs: LFW 15 + 20, Celebrity Together 5 + 2 (§11); other settings from `base`.
    public static func defaults(_ base: TrainingConfig, celebTo: Bool) -> SECLABConfig {
        var one = base, two = base
        one.epochs = celebTo ? 5 : 15
        two.epochs = celebTo ? 2 : 20
        return SECLABConfig(stage1: one, stage2: two)
    }
}

/// One stage-2 epoch's bootstrapping, the method's key diagnostic.
public struct BootstrapEpoch: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Face–name pairs matched, summed over the epoch's steps.
    public var matchedPairs: Int
    /// Of those, pairs whose face's gold label is the matched name (nil without gold labels).
    public var correctPairs: Int?
    /// Samples with at least one match, summed over steps.
    public var samplesWithMatches: Int
    public var precision: Double? { correctPairs.map { matchedPairs > 0 ? Double($0) / Double(matchedPairs) : 0 } }
    public var loss: Double
}

/// The easy subset's names and their faces.
public struct KnownNames: Sendable {
    /// name → rows of its easy-subset faces in the feature matrix.
    public let faces: [String: [Int]]

    /// Easy samples with one face give it to their single real name; with several faces (Celebrity Together) each
    /// face goes to its label, which the easy subset guarantees.
    public init(corpus: Corpus, features: FeatureIndex, easy: [Int]) {
        var faces = [String: [Int]]()
        for s in easy {
            let sample = corpus.samples[s]
            let real = Array(Set(sample.realNames.map(\.text)))
            for (f, face) in sample.faces.enumerated() {
                guard let name = sample.faces.count == 1 && real.count == 1 ? real[0] : face.label,
                      name != noName, name != "NONAMEWRONG" else { continue }
                faces[name, default: []].append(features.faceRows[s][f])
            }
        }
        self.faces = faces
    }

    public var names: Set<String> { Set(faces.keys) }

    /// The medoid row of each name (first on ties; one or two faces: the first).
    public func medoids(_ matrix: Tensor) -> [String: Int] {
        let d = matrix.shape[1]
        var result = [String: Int]()
        for (name, rows) in faces {
            guard rows.count > 2 else { result[name] = rows[0]; continue }
            var best = rows[0], bestSum = Double.infinity
            for a in rows {
                var sum = 0.0
                for b in rows where b != a {
                    var s: Float = 0
                    for k in 0..<d { let x = matrix[a, k] - matrix[b, k]; s += x * x }
                    sum += Double(s.squareRoot())
                }
                if sum < bestSum { bestSum = sum; best = a }
            }
            result[name] = best
        }
        return result
    }

    /// The mean face of each name, scaled to the mean norm of its faces.
    public func means(_ matrix: Tensor) -> [String: [Float]] {
        let d = matrix.shape[1]
        var result = [String: [Float]]()
        for (name, rows) in faces {
            var mean = [Float](repeating: 0, count: d), norms: Float = 0
            for r in rows {
                var n: Float = 0
                for k in 0..<d { mean[k] += matrix[r, k]; n += matrix[r, k] * matrix[r, k] }
                norms += n.squareRoot()
            }
            let length = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let scale = length > 0 ? norms / Float(rows.count) / length : 0
            result[name] = mean.map { $0 * scale }
        }
        return result
    }
}

public final class SECLABTrainer {
    public let config: SECLABConfig
    public let corpus: Corpus
    public let features: FeatureIndex
    public let known: KnownNames
    /// Stage 2's trainer: its heads start from stage 1's weights; its optimiser and schedule are new.
    public let stage2: SECLATrainer
    let loss: SECLALoss
    let nullFace: [Float]
    let noNameFeature: [Float]
    let medoids: [String: Int]
    let means: [String: [Float]]
    public private(set) var bootstrap = [BootstrapEpoch]()

    /// `stage1Heads`: the trained stage-1 model. `literalNoName`: the name feature of the text "NONAME" as a word
    /// (faithful mode's matched sets); nil uses the corpus's NONAME feature.
    public init(config: SECLABConfig, corpus: Corpus, features: FeatureIndex, samples: [Int], easy: [Int],
                stage1Heads: ProjectionHeads, literalNoName: [Float]?) throws(ConfigError) {
        self.config = config
        self.corpus = corpus
        self.features = features
        known = KnownNames(corpus: corpus, features: features, easy: easy)
        stage2 = try SECLATrainer(config: config.stage2, features: features, samples: samples)
        guard stage2.heads.config == stage1Heads.config else {
            throw ConfigError("the stage-1 model's shapes \(stage1Heads.config) differ from stage 2's \(stage2.heads.config)")
        }
        stage2.heads.parameters.copyValues(from: stage1Heads.parameters)
        loss = SECLALoss(config.stage2.loss)
        let faithful = config.stage2.loss.mode == .faithful
        // Null face: a fixed random vector drawn once (official: randn(512), not normalised; clean: unit length × the
        // corpus's mean face norm, so it sits on the scale of real faces).
        var rng = SeededRandom(seed: config.stage2.seed ^ 0x6E75_6C6C_6661_6365)
        var null = (0..<features.faceDim).map { _ in Float(rng.normal()) }
        if !faithful {
            let length = null.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let sample = Array(0..<min(features.faces.shape[0], 1_000))
            let meanNorm = sample.reduce(Float(0)) { acc, r in
                acc + (0..<features.faceDim).reduce(Float(0)) { $0 + features.faces[r, $1] * features.faces[r, $1] }.squareRoot()
            } / Float(max(sample.count, 1))
            null = null.map { $0 / max(length, 1e-12) * meanNorm }
        }
        nullFace = null
        if faithful, let literalNoName {
            noNameFeature = literalNoName
        } else if let row = features.nameTexts.firstIndex(of: noName) {
            noNameFeature = (0..<features.nameDim).map { features.names[row, $0] }
        } else {
            noNameFeature = literalNoName ?? [Float](repeating: 0, count: features.nameDim)
        }
        medoids = config.reference == .medoid ? known.medoids(features.faces) : [:]
        means = config.reference == .mean ? known.means(features.faces) : [:]
    }

    /// Per sample of `batch`: scores [face][candidate] with the current weights.
    func currentScores(_ batch: [Int], packed: PackedBatch) -> [[[Float]]] {
        let g = Graph()
        let u = g.value(packed.embeddedFaces(g, heads: stage2.heads)), v = g.value(packed.embeddedNames(g, heads: stage2.heads))
        var scores = batch.indices.map { b in Aligner.dotScores(u, faces: packed.faceSets.range(b), v, names: Array(packed.nameSets.range(b))) }
        if stage2.heads.hasLayout { Aligner.addLayoutScores(&scores, heads: stage2.heads, features: features, samples: batch) }
        return scores
    }

    /// Trains one stage-2 epoch; `onStep` sees every step.
    @discardableResult
    public func trainEpoch(onStep: ((StepRecord) -> Void)? = nil) -> BootstrapEpoch {
        let trainer = stage2
        let epoch = trainer.epochsDone + 1
        let order = trainer.drawnOrder(epoch: trainer.epochsDone)
        var rng = SeededRandom(seed: config.stage2.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var matched = 0, correct = 0, withMatches = 0, lossSum = 0.0, steps = 0
        let hasGold = corpus.samples.contains { $0.faces.contains { $0.label != nil } }
        let faithful = config.stage2.loss.mode == .faithful
        let start = Date()
        for first in stride(from: 0, to: order.count, by: config.stage2.batchSize) {
            let batch = order[first..<min(first + config.stage2.batchSize, order.count)].map { trainer.samples[$0] }
            let packed = features.batch(batch)
            let scores = currentScores(batch, packed: packed)

            // Split every sample into unmatched rest and matched part.
            var uFaces = [Int](), uNames = [Int](), uFaceSizes = [Int](), uNameSizes = [Int]()
            var uFaceLayouts = [FaceLayout](), uNameLayouts = [NameLayout]()
            var mFaces = [Float](), pFaces = [Float](), mNames = [Float](), mSizes = [Int]()
            for (b, s) in batch.enumerated() {
                let sample = corpus.samples[s]
                let matches = Bootstrap.match(scores: scores[b], names: sample.names, known: known.names, faithful: faithful)
                let rest = Bootstrap.unmatched(faces: sample.faces.count, names: sample.names.count, matches: matches)
                let restFaces = rest.faces.map { features.faceRows[s][$0] }, restNames = rest.names.map { features.nameRows[s][$0] }
                if faithful || !restFaces.isEmpty {
                    uFaces += restFaces; uNames += restNames
                    uFaceLayouts += rest.faces.map { features.faceLayouts[s][$0] }
                    uNameLayouts += rest.names.map { features.nameLayouts[s][$0] }
                    uFaceSizes.append(restFaces.count); uNameSizes.append(restNames.count)
                }
                guard !matches.isEmpty else { continue }
                withMatches += 1
                for m in matches {
                    let name = sample.names[m.candidate].text
                    matched += 1
                    if sample.faces[m.face].label == name { correct += 1 }
                    appendRow(features.faces, features.faceRows[s][m.face], to: &mFaces)
                    appendRow(features.names, features.nameRows[s][m.candidate], to: &mNames)
                    appendReference(name, rng: &rng, to: &pFaces)
                }
                mFaces += nullFace; pFaces += nullFace; mNames += noNameFeature
                mSizes.append(matches.count + 1)
            }

            trainer.heads.parameters.zeroGrad()
            let g = Graph()
            var terms = [Var](), l1Value = 0.0
            if uFaceSizes.count >= 1, uFaceSizes.reduce(0, +) > 0 {
                let rest = features.pack(faceRows: uFaces, nameRows: uNames,
                                         faceSets: SetLayout(sizes: uFaceSizes), nameSets: SetLayout(sizes: uNameSizes),
                                         faceLayouts: uFaceLayouts, nameLayouts: uNameLayouts)
                let l1 = loss(g, heads: trainer.heads, batch: rest).total
                l1Value = Double(g.value(l1).item)
                terms.append(l1)
            }
            var l2Value = 0.0, l3Value = 0.0
            if !mSizes.isEmpty {
                let (l2, l3) = matchedLosses(g, mFaces: mFaces, pFaces: pFaces, mNames: mNames, sizes: mSizes)
                l2Value = Double(g.value(l2).item); l3Value = Double(g.value(l3).item)
                terms += [l2, l3]
            }
            guard !terms.isEmpty else { continue }
            let total = g.sum(terms)
            g.backward(total)
            let lr = trainer.applyStep()
            let value = Double(g.value(total).item)
            lossSum += value
            steps += 1
            onStep?(StepRecord(epoch: epoch, step: trainer.steps, lr: lr, loss: value, l1: l1Value, l2: l2Value, agree: l3Value, pairs: batch.count))
        }
        let record = BootstrapEpoch(epoch: epoch, matchedPairs: matched, correctPairs: hasGold ? correct : nil,
                                    samplesWithMatches: withMatches, loss: lossSum / Double(max(steps, 1)))
        trainer.history.append(EpochRecord(epoch: epoch, loss: record.loss, l1: 0, l2: 0, agree: 0, steps: steps,
                                           seconds: Date().timeIntervalSince(start)))
        trainer.epochsDone = epoch
        bootstrap.append(record)
        return record
    }

    /// L2 and L3 of §7.5 over the matched groups (each sample: its matched faces + null, references + null, matched
    /// names + NONAME; all three groups have one entry per match plus one).
    func matchedLosses(_ g: Graph, mFaces: [Float], pFaces: [Float], mNames: [Float], sizes: [Int]) -> (Var, Var) {
        let heads = stage2.heads
        let B = sizes.count, rows = sizes.reduce(0, +)
        let faceM = Tensor(shape: [rows, features.faceDim], data: mFaces), faceP = Tensor(shape: [rows, features.faceDim], data: pFaces)
        let nameM = Tensor(shape: [rows, features.nameDim], data: mNames)
        let sets = SetLayout(sizes: sizes)
        let uM: Var, uP: Var, vM: Var, layout: SetLayout, scale: [Float]
        switch config.stage2.loss.mode {
        case .faithful:  // every group zero-padded to the largest matched set (F' = N' here)
            let size = sizes.max()!
            layout = .uniform(sets: B, size: size)
            uM = loss.padded(g, heads.faces(g, g.constant(SECLALoss.appendingZeroRow(faceM))), sets: sets, sizes: layout.sizes)
            uP = loss.padded(g, heads.faces(g, g.constant(SECLALoss.appendingZeroRow(faceP))), sets: sets, sizes: layout.sizes)
            vM = loss.padded(g, heads.names(g, g.constant(SECLALoss.appendingZeroRow(nameM))), sets: sets, sizes: layout.sizes)
            scale = Array(repeating: 1 / Float(size), count: B)
        case .clean:
            layout = sets
            uM = heads.faces(g, g.constant(faceM)); uP = heads.faces(g, g.constant(faceP)); vM = heads.names(g, g.constant(nameM))
            scale = PairScores.meanScale(sets)
        }
        let diagonal = (0..<(B * B)).map { $0 / B == $0 % B }
        let targets = Array(0..<B)
        // L2: matched names against their own matched faces (diagonal) and other samples' references.
        let s2a = g.select(diagonal, PairScores.nameToFace(g, faces: uM, names: vM, faceSets: layout, nameSets: layout, scale: scale),
                           PairScores.nameToFace(g, faces: uP, names: vM, faceSets: layout, nameSets: layout, scale: scale))
        let s2b = g.select(diagonal, PairScores.faceToName(g, faces: uM, names: vM, faceSets: layout, nameSets: layout, scale: scale),
                           PairScores.faceToName(g, faces: uP, names: vM, faceSets: layout, nameSets: layout, scale: scale))
        // L3: matched faces against reference faces, both ways.
        let s3a = PairScores.faceToName(g, faces: uM, names: uP, faceSets: layout, nameSets: layout, scale: scale)
        let s3b = PairScores.faceToName(g, faces: uP, names: uM, faceSets: layout, nameSets: layout, scale: scale)
        return (g.add(g.crossEntropy(s2a, targets: targets), g.crossEntropy(s2b, targets: targets)),
                g.add(g.crossEntropy(s3a, targets: targets), g.crossEntropy(s3b, targets: targets)))
    }

    func appendRow(_ matrix: Tensor, _ row: Int, to out: inout [Float]) {
        let d = matrix.shape[1]
        out.append(contentsOf: UnsafeBufferPointer(start: matrix.pointer + row * d, count: d))
    }

    func appendReference(_ name: String, rng: inout SeededRandom, to out: inout [Float]) {
        switch config.reference {
        case .medoid: appendRow(features.faces, medoids[name]!, to: &out)
        case .random:
            let rows = known.faces[name]!
            appendRow(features.faces, rows[rng.int(below: rows.count)], to: &out)
        case .mean: out += means[name]!
        }
    }
}
