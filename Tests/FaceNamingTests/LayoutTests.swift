import FaceNaming
import Foundation
import NumericCore
import Testing
import TestSupport

@Suite struct LayoutFeatureTests {
    static func sample(boxes: [Box?], names: [CandidateName], caption: String? = nil) -> Sample {
        Sample(id: "s", caption: caption, faces: boxes.map { Face(box: $0) }, names: names)
    }

    @Test func facesAreRankedBySizeAndPosition() {
        let s = Self.sample(boxes: [Box(x1: 300, y1: 0, x2: 340, y2: 40), Box(x1: 0, y1: 0, x2: 80, y2: 80),
                                    Box(x1: 150, y1: 0, x2: 190, y2: 40)], names: [CandidateName(noName)])
        let f = LayoutFeatures.faces(of: s)
        #expect(f.map(\.sizeRank) == [1, 0, 2])  // equal areas: face order breaks the tie
        #expect(f.map(\.xRank) == [2, 0, 1])
        #expect(f[0].relativeSize == 0.25 && f[1].relativeSize == 1)
        #expect(f.allSatisfy { $0.faceCount == 3 && $0.hasBox })
        let noBoxes = LayoutFeatures.faces(of: Self.sample(boxes: [nil, nil], names: []))
        #expect(noBoxes.allSatisfy { !$0.hasBox })
    }

    @Test func mentionRanksComeFromTheCandidatesOrCaptionOrder() {
        let ranked = Self.sample(boxes: [], names: [CandidateName("B", mention: 1), CandidateName("A", mention: 0),
                                                    CandidateName(noName)])
        #expect(LayoutFeatures.names(of: ranked).map(\.mentionRank) == [1, 0, nil])
        let names = [CandidateName("B"), CandidateName("A"), CandidateName("B"), CandidateName(noName)]
        let n = LayoutFeatures.names(of: Self.sample(boxes: [], names: names, caption: "B and A; B again."))
        #expect(n.map(\.mentionRank) == [0, 1, 0, nil])
        #expect(n.allSatisfy { $0.nameCount == 2 })
        #expect(n.map(\.isNoName) == [false, false, false, true])
        // Without mention ranks, a caption orders the names by where they are first mentioned (a surname counts);
        // a name the caption does not contain comes last.
        let unordered = [CandidateName("Tony Blair"), CandidateName("Jacques Chirac"), CandidateName("Gerhard Schroeder"), CandidateName(noName)]
        let fromCaption = LayoutFeatures.names(of: Self.sample(boxes: [], names: unordered,
                                                               caption: "Chirac (L) greets Tony Blair in Paris."))
        #expect(fromCaption.map(\.mentionRank) == [1, 0, 2, nil])
        #expect(fromCaption.map(\.cue) == [nil, .left, nil, nil])
        // A bare label list (no caption, no mention ranks) has no mention order.
        #expect(LayoutFeatures.names(of: Self.sample(boxes: [], names: names)).allSatisfy { $0.mentionRank == nil })
    }

    @Test func captionCues() {
        #expect(LayoutFeatures.cue(for: "George W. Bush", in: "George W. Bush (L) meets Tony Blair (R) in London.") == .left)
        #expect(LayoutFeatures.cue(for: "Tony Blair", in: "George W. Bush (L) meets Tony Blair (R) in London.") == .right)
        #expect(LayoutFeatures.cue(for: "Tony Blair", in: "Tony Blair, right, and Jacques Chirac talk.") == .right)
        #expect(LayoutFeatures.cue(for: "Jacques Chirac", in: "Tony Blair, right, and Jacques Chirac, centre, talk.") == .centre)
        #expect(LayoutFeatures.cue(for: "Blair", in: "Prime Minister Blair (AP Photo) left the room.") == nil)
        #expect(LayoutFeatures.cue(for: "Chirac", in: "Tony Blair (L) and Jacques Chirac at the summit.") == nil)
        // The surname alone finds a name written in full in the index but shortened in the caption.
        #expect(LayoutFeatures.cue(for: "Jacques Chirac", in: "Blair and Chirac (R) at the summit.") == .right)
        // A cue belongs to the name right before it, and a verb is not a cue.
        #expect(LayoutFeatures.cue(for: "Tony Blair", in: "Blair and Chirac (R) at the summit.") == nil)
        #expect(LayoutFeatures.cue(for: "Tony Blair", in: "Tony Blair left the room.") == nil)
        #expect(LayoutFeatures.cue(for: "Bush", in: "George W. Bush, at left, and Blair, far right, talk.") == .left)
        #expect(LayoutFeatures.cue(for: "Blair", in: "George W. Bush, at left, and Blair, far right, talk.") == .right)
        #expect(LayoutFeatures.cue(for: "Blair", in: "Blair (center) and Bush.") == .centre)
        // Whole words only: "Bush" is not found inside "Bushnell".
        #expect(LayoutFeatures.cue(for: "Bush", in: "Bushnell (L) and Bush (R).") == .right)
        #expect(LayoutFeatures.cue(for: "", in: "(L)") == nil)
    }

    @Test func pairFeaturesEncodeTheHeuristicAndNoName() {
        let s = Self.sample(boxes: [Box(x1: 0, y1: 0, x2: 100, y2: 100), Box(x1: 200, y1: 0, x2: 250, y2: 50)],
                            names: [CandidateName("A", mention: 0), CandidateName("B", mention: 1), CandidateName(noName)],
                            caption: "A (L) and B (R).")
        let x = LayoutFeatures.matrix(faces: LayoutFeatures.faces(of: s), names: LayoutFeatures.names(of: s))
        let k = LayoutFeatures.count
        func feature(_ f: Int, _ n: Int, _ name: String) -> Float { x[(f * 3 + n) * k + LayoutFeatures.names.firstIndex(of: name)!] }
        #expect(feature(0, 0, "largest & first") == 1 && feature(1, 1, "rank match") == 1 && feature(0, 1, "rank match") == 0)
        #expect(feature(0, 0, "cue matches position") == 1 && feature(1, 0, "cue contradicts position") == 1)
        #expect(feature(1, 2, "noname") == 1 && feature(1, 2, "real") == 0 && feature(0, 0, "noname") == 0)
        #expect(feature(1, 2, "noname × relative size") == 0.25)
    }
}

@Suite struct LayoutTermTests {
    static func heads(layout: Bool) -> ProjectionHeads {
        var rng = SeededRandom(seed: 3)
        return ProjectionHeads(config: ProjectionHeadsConfig(faceDim: 6, nameDim: 5, hidden: 8, projection: 4,
                                                             layoutFeatures: layout ? LayoutFeatures.count : 0), rng: &rng)
    }

    /// Three pairs with 2, 1 and 3 faces and 3, 2 and 2 candidates (NONAME last), random features, real layouts.
    static func batch() -> PackedBatch {
        var rng = SeededRandom(seed: 11)
        let faceSizes = [2, 1, 3], nameSizes = [3, 2, 2]
        var faceLayouts = [FaceLayout](), nameLayouts = [NameLayout]()
        for (f, n) in zip(faceSizes, nameSizes) {
            faceLayouts += (0..<f).map { FaceLayout(sizeRank: $0, relativeSize: 1 / Double($0 + 1), xRank: (f - 1 - $0), faceCount: f, hasBox: true) }
            nameLayouts += (0..<n).map { $0 == n - 1 ? NameLayout(mentionRank: nil, nameCount: n - 1, isNoName: true)
                                                     : NameLayout(mentionRank: $0, nameCount: n - 1, isNoName: false, cue: $0 == 0 ? .left : nil) }
        }
        let faces = Tensor(shape: [6, 6], data: (0..<36).map { _ in Float(rng.normal()) })
        let names = Tensor(shape: [7, 5], data: (0..<35).map { _ in Float(rng.normal()) })
        return PackedBatch(faces: faces, names: names, faceSets: SetLayout(sizes: faceSizes), nameSets: SetLayout(sizes: nameSizes),
                           faceLayouts: faceLayouts, nameLayouts: nameLayouts)
    }

    static func loss(_ heads: ProjectionHeads, _ config: SECLALossConfig, _ batch: PackedBatch) -> Double {
        heads.parameters.zeroGrad()
        let g = Graph()
        let t = SECLALoss(config)(g, heads: heads, batch: batch)
        g.backward(t.total)
        return Double(g.value(t.total).item)
    }

    /// d loss / d (h's parameters) against central differences, in each mode: h enters every score the loss maxes over.
    @Test(arguments: [(LossMode.faithful, NullOption.none), (.clean, .none), (.clean, .face), (.clean, .both)])
    func layoutGradientMatchesFiniteDifferences(_ mode: LossMode, _ null: NullOption) {
        let config = SECLALossConfig(mode: mode, nullOption: mode == .clean ? null : .none)
        let heads = Self.heads(layout: true), batch = Self.batch()
        _ = Self.loss(heads, config, batch)
        for name in ["layout.0.weight", "layout.0.bias", "layout.2.weight", "layout.2.bias"] {
            let value = heads.parameters.value(name), analytic = heads.parameters.grad(name).array.map(Double.init)
            var numeric = [Double]()
            let step: Float = 1e-3
            for k in 0..<value.count {
                let x = value.pointer[k]
                value.pointer[k] = x + step
                let plus = Self.loss(heads, config, batch)
                value.pointer[k] = x - step
                let minus = Self.loss(heads, config, batch)
                value.pointer[k] = x
                numeric.append((plus - minus) / Double(2 * step))
            }
            let worst = closeness(analytic, numeric, rtol: 1e-2, atol: 2e-3)
            #expect(worst.passes, "\(mode) \(null) \(name): \(worst)")
        }
    }

    /// With h's output layer zeroed except its bias b, every score moves by b: the arg-max pair choices and hence
    /// the contrastive terms of the clean loss (each row of S shifts by the same b) are unchanged.
    @Test func constantLayoutTermShiftsEveryScore() {
        let plain = Self.heads(layout: false), layered = Self.heads(layout: true)
        for name in plain.parameters.names { layered.parameters.value(name).pointer.update(from: plain.parameters.value(name).pointer, count: plain.parameters.value(name).count) }
        layered.parameters.value("layout.2.weight").pointer.update(repeating: 0, count: LayoutTermTests.hidden)
        layered.parameters.value("layout.2.bias").pointer[0] = 0.75
        let config = SECLALossConfig(mode: .clean, direction: .both)
        let a = Self.loss(plain, config, Self.batch()), b = Self.loss(layered, config, Self.batch())
        #expect(abs(a - b) < 1e-5, "\(a) vs \(b)")
    }
    static let hidden = 16

    @Test func alignerAddsTheLayoutTerm() throws {
        let corpus = LFWLikeGenerator.generate(seed: 4, scale: 0.01)
        let features = try FeatureIndex.build(corpus, encoder: HashedNameEncoder())
        var rng = SeededRandom(seed: 1)
        let config = ProjectionHeadsConfig(faceDim: features.faceDim, nameDim: features.nameDim, hidden: 8, projection: 4)
        var withLayout = config
        withLayout.layoutFeatures = LayoutFeatures.count
        let plain = ProjectionHeads(config: config, rng: &rng), layered = ProjectionHeads(config: withLayout, rng: &rng)
        for name in plain.parameters.names { layered.parameters.value(name).pointer.update(from: plain.parameters.value(name).pointer, count: plain.parameters.value(name).count) }
        let samples = Array(corpus.samples.indices.prefix(30))
        let a = Aligner.scores(heads: plain, features: features, samples: samples)
        let b = Aligner.scores(heads: layered, features: features, samples: samples)
        var checked = 0
        for (i, s) in samples.enumerated() {
            let x = LayoutFeatures.matrix(faces: features.faceLayouts[s], names: features.nameLayouts[s])
            for f in a[i].indices {
                for c in a[i][f].indices {
                    // h by hand: w2 · relu(W1 x + b1) + b2, in Double.
                    let k = LayoutFeatures.count, cell = (f * a[i][f].count + c) * k
                    let W1 = layered.parameters.value("layout.0.weight"), b1 = layered.parameters.value("layout.0.bias")
                    let w2 = layered.parameters.value("layout.2.weight"), b2 = layered.parameters.value("layout.2.bias")
                    var h = Double(b2.pointer[0])
                    for j in 0..<16 {
                        var z = Double(b1.pointer[j])
                        for q in 0..<k { z += Double(W1.pointer[j * k + q]) * Double(x[cell + q]) }
                        h += Double(w2.pointer[j]) * max(z, 0)
                    }
                    #expect(abs(Double(b[i][f][c] - a[i][f][c]) - h) < 1e-5)
                    checked += 1
                }
            }
        }
        #expect(checked > 30)
    }

    /// Singleton names (one image in the corpus) all get one constant appearance score; other names keep theirs.
    @Test func singletonNamesGetOneConstantScore() throws {
        let corpus = LFWLikeGenerator.generate(seed: 6, scale: 0.02)
        let features = try FeatureIndex.build(corpus, encoder: HashedNameEncoder())
        var rng = SeededRandom(seed: 2)
        let heads = ProjectionHeads(config: ProjectionHeadsConfig(faceDim: features.faceDim, nameDim: features.nameDim, hidden: 8, projection: 4), rng: &rng)
        let samples = Array(corpus.samples.indices)
        let plain = Aligner.scores(heads: heads, features: features, samples: samples)
        let flat = Aligner.scores(heads: heads, features: features, samples: samples, singletonQuantile: 0.7)
        var images = [String: Int]()
        for s in corpus.samples { for t in Set(s.names.filter { !$0.isNoName }.map(\.text)) { images[t, default: 0] += 1 } }
        var constants = Set<Float>(), kept = 0, flattened = 0
        for (i, s) in corpus.samples.enumerated() {
            for (c, name) in s.names.enumerated() {
                for f in s.faces.indices {
                    if !name.isNoName && images[name.text] == 1 { constants.insert(flat[i][f][c]); flattened += 1 }
                    else { #expect(flat[i][f][c] == plain[i][f][c]); kept += 1 }
                }
            }
        }
        #expect(flattened > 0 && kept > 0)
        #expect(constants.count == 1)
        // The constant is the 0.7 quantile of the real-name scores: about 70% of them lie at or below it.
        let real = corpus.samples.indices.flatMap { i in corpus.samples[i].names.indices.filter { !corpus.samples[i].names[$0].isNoName }
            .flatMap { c in plain[i].map { $0[c] } } }
        let below = Double(real.filter { $0 <= constants.first! }.count) / Double(real.count)
        #expect(abs(below - 0.7) < 0.01)
    }
}
