// A placeholder for the main job until SECLA lands: trains the two projection heads with a contrastive
// image–caption loss on generated data and labels every face, to show the numeric core working end to end.
//
// The generated corpus: identities with a random unit face centroid (faceDim) and a random name vector (nameDim);
// each image has 1–3 faces (instances normalize(centroid + noise)), its caption names those faces' identities (each
// face named with probability `namedRate`, otherwise it is a NONAME face) plus 0–2 people not in the picture, and a
// NONAME candidate. Nothing here resembles real face descriptors or BERT features; the numbers show that training
// moves the alignment far above chance, nothing more.

import Foundation
import NumericCore

public struct CoreDemoConfig: Codable, Sendable {
    public var identities = 300
    public var pairs = 3_000
    public var epochs = 8
    public var batchSize = 20
    public var learningRate = 3e-4
    public var weightDecay = 0.1
    public var faceNoise: Float = 0.6
    public var namedRate = 0.85
    public var seed: UInt64 = 684_331
    public var heads = ProjectionHeadsConfig()
    public init() {}
}

public struct CoreDemoResult: Codable, Sendable {
    public var note: String
    public var pairs: Int
    public var faces: Int
    public var steps: Int
    public var firstEpochLoss: Double
    public var lastEpochLoss: Double
    /// Fraction of faces whose arg-max candidate is their true identity (or NONAME for unnamed faces).
    public var accuracy: Double
    /// The same accuracy of a uniformly random choice among each face's candidates (expected value).
    public var chanceAccuracy: Double
    public var seconds: Double
    public var blasCore: String
    public var blasThreads: Int
}

/// One generated image–caption pair: face rows and candidate rows (the last candidate is NONAME), and for each face
/// the index of its correct candidate.
struct DemoPair {
    var faces: [Int]  // rows of the face matrix
    var candidates: [Int]  // identities; −1 = NONAME
    var truth: [Int]  // per face: index into candidates
}

public enum CoreDemo {
    public static func run(_ config: CoreDemoConfig, progress: ((TrainingProgress) -> Void)? = nil) -> (CoreDemoResult, ProjectionHeads) {
        let start = Date()
        var rng = SeededRandom(seed: config.seed)
        let fDim = config.heads.faceDim, nDim = config.heads.nameDim

        // Identities: face centroids (I, fDim), name vectors (I + 1, nDim); the last row is NONAME's vector.
        let centroids = rng.normalTensor([config.identities, fDim])
        normaliseRows(centroids)
        let nameVectors = rng.normalTensor([config.identities + 1, nDim])

        var faceRows = [Float](), pairs = [DemoPair]()
        for _ in 0..<config.pairs {
            let nFaces = 1 + rng.int(below: 3)
            var people = Set<Int>()
            while people.count < nFaces { people.insert(rng.int(below: config.identities)) }
            var pair = DemoPair(faces: [], candidates: [], truth: [])
            var named = [Int]()
            for person in people.sorted() {
                let row = faceRows.count / fDim
                for d in 0..<fDim { faceRows.append(centroids[person, d] + config.faceNoise * Float(rng.normal()) / Float(fDim).squareRoot()) }
                pair.faces.append(row)
                named.append(rng.uniform() < config.namedRate ? person : -1)
            }
            var candidates = named.filter { $0 >= 0 }
            for _ in 0..<rng.int(below: 3) {
                let other = rng.int(below: config.identities)
                if !people.contains(other) && !candidates.contains(other) { candidates.append(other) }
            }
            rng.shuffle(&candidates)
            candidates.append(-1)
            pair.candidates = candidates
            pair.truth = named.map { id in candidates.firstIndex(of: id)! }
            pairs.append(pair)
        }
        let faces = Tensor(shape: [faceRows.count / fDim, fDim], data: faceRows)  // (F, fDim)
        normaliseRows(faces)

        let heads = ProjectionHeads(config: config.heads, rng: &rng)
        let optimizer = AdamW(store: heads.parameters, variant: .huggingFace, eps: 1e-6, weightDecay: config.weightDecay)
        var schedule = CosineAnnealingLR(baseLR: config.learningRate, tMax: 32)

        var epochLosses = [Double](), steps = 0
        let totalSteps = config.epochs * ((pairs.count + config.batchSize - 1) / config.batchSize)
        let trainStart = Date()
        for epoch in 0..<config.epochs {
            let order = rng.permutation(pairs.count)
            var total = 0.0, batches = 0
            for startIndex in stride(from: 0, to: order.count, by: config.batchSize) {
                let batch = order[startIndex..<min(startIndex + config.batchSize, order.count)].map { pairs[$0] }
                heads.parameters.zeroGrad()
                let g = Graph()
                let (u, v, faceSets, nameSets) = embed(g, heads, batch, faces: faces, names: nameVectors, identities: config.identities)
                let targets = Array(0..<batch.count)
                let s1 = PairScores.nameToFace(g, faces: u, names: v, faceSets: faceSets, nameSets: nameSets, scale: PairScores.meanScale(nameSets))
                let s2 = PairScores.faceToName(g, faces: u, names: v, faceSets: faceSets, nameSets: nameSets, scale: PairScores.meanScale(faceSets))
                let loss = g.add(g.crossEntropy(s1, targets: targets), g.crossEntropy(s2, targets: targets))
                g.backward(loss)
                optimizer.step(lr: schedule.lr)
                schedule.step()
                total += Double(g.value(loss).item)
                batches += 1
                steps += 1
                progress?(TrainingProgress(epoch: epoch + 1, epochs: config.epochs, step: steps, totalSteps: totalSteps,
                                           pairsDone: steps * config.batchSize, loss: total / Double(batches),
                                           seconds: Date().timeIntervalSince(trainStart)))
            }
            epochLosses.append(total / Double(batches))
        }

        // Label every face: arg-max over its own caption's candidates.
        var correct = 0, faceCount = 0, chance = 0.0
        for startIndex in stride(from: 0, to: pairs.count, by: 256) {
            let batch = Array(pairs[startIndex..<min(startIndex + 256, pairs.count)])
            let g = Graph()
            let (u, v, faceSets, nameSets) = embed(g, heads, batch, faces: faces, names: nameVectors, identities: config.identities)
            let scores = g.value(g.matmul(u, v, transB: true))  // (ΣF, ΣN)
            for (b, pair) in batch.enumerated() {
                for (k, f) in faceSets.range(b).enumerated() {
                    let names = nameSets.range(b)
                    var best = names.lowerBound
                    for n in names where scores[f, n] > scores[f, best] { best = n }
                    if best - names.lowerBound == pair.truth[k] { correct += 1 }
                    chance += 1 / Double(names.count)
                    faceCount += 1
                }
            }
        }
        let result = CoreDemoResult(
            note: "placeholder: the numeric core trained on generated data; SECLA on real corpora lands with the SECLA issue",
            pairs: pairs.count, faces: faceCount, steps: steps, firstEpochLoss: epochLosses.first ?? .nan,
            lastEpochLoss: epochLosses.last ?? .nan, accuracy: Double(correct) / Double(faceCount),
            chanceAccuracy: chance / Double(faceCount), seconds: Date().timeIntervalSince(start),
            blasCore: BLAS.coreName, blasThreads: BLAS.threads)
        return (result, heads)
    }

    /// Packs a batch and runs both heads: u (ΣF, P), v (ΣN, P) and the set layouts.
    static func embed(_ g: Graph, _ heads: ProjectionHeads, _ batch: [DemoPair], faces: Tensor, names: Tensor,
                      identities: Int) -> (Var, Var, SetLayout, SetLayout) {
        let faceInput = g.gatherRows(g.constant(faces), batch.flatMap(\.faces))  // (ΣF, fDim)
        let nameInput = g.gatherRows(g.constant(names), batch.flatMap { $0.candidates.map { $0 >= 0 ? $0 : identities } })  // (ΣN, nDim)
        return (heads.faces(g, faceInput), heads.names(g, nameInput),
                SetLayout(sizes: batch.map(\.faces.count)), SetLayout(sizes: batch.map(\.candidates.count)))
    }

    static func normaliseRows(_ t: Tensor) {
        let d = t.shape[1]
        for r in 0..<t.shape[0] {
            let row = t.pointer + r * d
            var s: Float = 0
            for j in 0..<d { s += row[j] * row[j] }
            let inv = 1 / max(s.squareRoot(), 1e-12)
            for j in 0..<d { row[j] *= inv }
        }
    }
}
