import FaceNaming
import Foundation
import NumericCore
import Testing

private func cosine(_ t: Tensor, _ a: Int, _ b: Int) -> Double {
    let d = t.shape[1]
    var dot = 0.0, na = 0.0, nb = 0.0
    for j in 0..<d {
        let x = Double(t[a, j]), y = Double(t[b, j])
        dot += x * y; na += x * x; nb += y * y
    }
    return dot / (na * nb).squareRoot()
}

/// FNV-1a over the raw float bits: a checksum of a feature matrix.
private func checksum(_ t: Tensor) -> UInt64 {
    t.withUnsafeBufferPointer { buffer in
        fnv1a(UnsafeRawBufferPointer(buffer))
    }
}

@Suite struct NameEncoderTests {
    @Test func hashedIsDeterministicAndNormalised() throws {
        let names = ["George W. Bush", "Bush", "Ana Guevára", "NONAME", "NONAMEWRONG", "", "!!"]
        let a = try HashedNameEncoder().encode(names), b = try HashedNameEncoder().encode(names)
        #expect(a.shape == [names.count, 768])
        #expect(a.array == b.array)
        for i in 0..<names.count { #expect(abs(cosine(a, i, i) - 1) < 1e-5) }
        // NONAME, NONAMEWRONG, "" and "!!" share one vector.
        for i in 4..<names.count { #expect(a.rows(i..<(i + 1)).array == a.rows(3..<4).array) }
        // Accents and case are folded.
        let c = try HashedNameEncoder().encode(["Ana Guevara", "ana guevára"])
        #expect(c.rows(0..<1).array == a.rows(2..<3).array && c.rows(1..<2).array == a.rows(2..<3).array)
        // A different seed gives different vectors.
        #expect(try HashedNameEncoder(seed: 7).encode(["Bush"]).array != a.rows(1..<2).array)
    }

    /// Measured with the defaults (d = 768): Bush·GWB 0.71, President Bush·GWB 0.63, unrelated |cos| ≤ 0.06.
    @Test func aliasesAreCloseUnrelatedNamesAreNot() throws {
        let names = ["George W. Bush", "Bush", "President Bush", "Colin Powell", "Ana Guevara", "Powell"]
        let t = try HashedNameEncoder().encode(names)
        let bushAlias = cosine(t, 0, 1), titleAlias = cosine(t, 0, 2), powellAlias = cosine(t, 3, 5)
        print("cos: Bush/GWB \(bushAlias), President Bush/GWB \(titleAlias), Powell/Colin Powell \(powellAlias), "
              + "GWB/Colin Powell \(cosine(t, 0, 3)), GWB/Ana Guevara \(cosine(t, 0, 4)), Bush/Colin Powell \(cosine(t, 1, 3)), "
              + "President Bush/Ana Guevara \(cosine(t, 2, 4))")
        #expect(bushAlias > 0.5 && titleAlias > 0.5 && powellAlias > 0.5)
        for (a, b) in [(0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)] {
            #expect(abs(cosine(t, a, b)) < 0.15, "\(names[a]) vs \(names[b])")
        }
    }

    @Test func precomputedLooksUpAndNamesTheMissingName() throws {
        let features = NameFeatures(names: ["A", "NONAME"], features: Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        let encoder = PrecomputedNameEncoder(features: features)
        #expect(try encoder.encode(["NONAME", "A"]).array == [3, 4, 1, 2])
        do {
            _ = try encoder.encode(["A", "Colin Powell"])
            Issue.record("expected an error")
        } catch let error as DataError {
            #expect(error.description.contains("\"Colin Powell\"") && error.description.contains("names.json"))
        }
    }

    @Test func hashedIsFast() throws {
        let names = (0..<10_000).map { "Person\($0 % 977) Surname\($0)" }
        let start = Date()
        _ = try HashedNameEncoder().encode(names)
        print("hashed encoder: 10k names in \(Date().timeIntervalSince(start)) s (this build)")
    }
}

@Suite struct SyntheticCorpusTests {
    @Test func lfwLikeIsDeterministicBySeed() {
        let a = LFWLikeGenerator.generate(seed: 3, scale: 0.05, dimension: 32)
        let b = LFWLikeGenerator.generate(seed: 3, scale: 0.05, dimension: 32)
        let c = LFWLikeGenerator.generate(seed: 4, scale: 0.05, dimension: 32)
        #expect(a.samples == b.samples && checksum(a.faceFeatures!) == checksum(b.faceFeatures!))
        #expect(a.samples != c.samples && checksum(a.faceFeatures!) != checksum(c.faceFeatures!))
    }

    @Test func celebToLikeIsDeterministicBySeed() {
        let a = CelebToLikeGenerator.generate(seed: 3, scale: 0.001, dimension: 32)
        let b = CelebToLikeGenerator.generate(seed: 3, scale: 0.001, dimension: 32)
        let c = CelebToLikeGenerator.generate(seed: 4, scale: 0.001, dimension: 32)
        #expect(a.samples == b.samples && checksum(a.faceFeatures!) == checksum(b.faceFeatures!))
        #expect(a.samples != c.samples && checksum(a.faceFeatures!) != checksum(c.faceFeatures!))
    }

    /// Scale 1 (10,976 images) at d = 16 to keep debug test time small; rates are checked against §2.3.
    @Test func lfwLikeMatchesTheRealStatistics() {
        let corpus = LFWLikeGenerator.generate(seed: 11, scale: 1, dimension: 16)
        let faces = corpus.samples.flatMap(\.faces)
        #expect(corpus.samples.count == 10_976)
        #expect(abs(Double(faces.count) / 14_674 - 1) < 0.03, "faces \(faces.count)")
        let noname = faces.filter { $0.label == noName }.count, wrong = faces.filter(\.wrong).count
        let named = faces.filter { $0.identity != nil }
        #expect(abs(Double(noname) / 1_761 - 1) < 0.05, "NONAME faces \(noname)")
        #expect(abs(Double(wrong) / 267 - 1) < 0.1, "NONAMEWRONG faces \(wrong)")
        #expect(abs(Double(named.count) / 12_646 - 1) < 0.03, "named faces \(named.count)")
        let identities = Set(named.compactMap(\.identity)).count
        #expect(abs(Double(identities) / 5_642 - 1) < 0.05, "identities \(identities)")
        let slots = corpus.samples.flatMap { $0.slots ?? [] }
        let noface = slots.filter { $0.gold == "NOFACE" }.count, wrongface = slots.filter { $0.gold == "WRONGFACE" }.count
        #expect(abs(Double(noface) / 7_230 - 1) < 0.1, "NOFACE slots \(noface)")
        #expect(abs(Double(wrongface) / 2_024 - 1) < 0.1, "WRONGFACE slots \(wrongface)")
        let realNames = corpus.samples.reduce(0) { $0 + $1.realNames.count }
        #expect(abs(Double(realNames) / Double(corpus.samples.count) - 2.0) < 0.1, "real names per caption")
        // Several caption strings for one identity.
        let bushStrings = Set(named.filter { $0.identity == "George_W_Bush" }.compactMap(\.label))
        #expect(bushStrings.isSuperset(of: ["George W. Bush", "Bush"]))
        print("lfw-like scale 1: faces \(faces.count), named \(named.count), NONAME \(noname), wrong \(wrong), identities \(identities), "
              + "NOFACE \(noface), WRONGFACE \(wrongface), real names/caption \(Double(realNames) / Double(corpus.samples.count)), "
              + "largest-face heuristic accuracy \(largestFaceHeuristic(corpus))")
        #expect(abs(largestFaceHeuristic(corpus) - 0.77) < 0.08)
    }

    /// Form of every lfw-like sample: name-only slots first, one slot per face, names = slot strings (+ NONAME).
    @Test func lfwLikeSlotsAndNamesHaveTheOfficialForm() {
        let corpus = LFWLikeGenerator.generate(seed: 5, scale: 0.05, dimension: 8)
        var row = 0
        for s in corpus.samples {
            let slots = s.slots!
            let firstFace = slots.firstIndex { $0.face != nil } ?? slots.count
            #expect(slots[firstFace...].allSatisfy { $0.face != nil } && slots[..<firstFace].allSatisfy { $0.face == nil })
            #expect(slots[firstFace...].map { $0.face! } == Array(s.faces.indices))
            var expected = slots.map { slot -> String in
                guard let f = slot.face else { return "" }
                return s.faces[f].label!
            }
            for (k, slot) in slots.enumerated() where slot.face == nil { expected[k] = s.names[k].text }
            if !expected.contains(noName) && !expected.contains("NONAMEWRONG") { expected.append(noName) }
            #expect(s.names.map(\.text) == expected)
            for (k, f) in s.faces.enumerated() {
                #expect(f.row == row); row += 1
                let gold = slots[firstFace + k].gold
                #expect(gold == (f.wrong ? "WRONGNAME" : f.label!))
            }
            #expect(s.names.allSatisfy { $0.isNoName == ($0.mention == nil) })
        }
    }

    @Test func celebToLikeForm() {
        let corpus = CelebToLikeGenerator.generate(seed: 2, scale: 0.001, dimension: 16)
        #expect(corpus.samples.count == 194)
        #expect(corpus.faceFeatures!.shape == [corpus.faceCount, 16])
        for s in corpus.samples {
            let labelled = s.faces.filter { $0.label != noName }.map { $0.label! }
            let unlabelled = s.faces.count - labelled.count
            #expect(s.realNames.map(\.text) == labelled)
            #expect(s.names.filter(\.isNoName).count == max(1, unlabelled))
            #expect(Set(labelled).count == labelled.count)
        }
        let mean = Double(corpus.faceCount) / Double(corpus.samples.count)
        #expect(abs(mean - 546.0 / 194.0) < 0.4)
    }

    @Test func nativeRoundTrip() throws {
        let corpus = LFWLikeGenerator.generate(seed: 9, scale: 0.01, dimension: 8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("synth-roundtrip-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try NativeFormat.write(corpus, to: folder)
        let back = try NativeFormat.read(folder: folder)
        #expect(back.samples == corpus.samples)
        #expect(back.faceFeatures!.array == corpus.faceFeatures!.array)
    }

    @Test func structureSynthesizerFillsDescriptorsByIdentity() throws {
        let box = Box(centerX: 100, centerY: 100, halfSide: 40)
        let structure = Corpus(samples: [
            Sample(id: "1", faces: [Face(box: box, label: "George W. Bush", identity: "George_W_Bush"), Face(box: box, label: noName, identity: noName)],
                   names: [CandidateName("George W. Bush", mention: 0), CandidateName(noName)]),
            Sample(id: "2", faces: [Face(box: box, label: "Bush", identity: "George_W_Bush"), Face(box: box, label: "NONAMEWRONG", wrong: true)],
                   names: [CandidateName("Bush", mention: 0), CandidateName("NONAMEWRONG")]),
            Sample(id: "3", faces: [Face(box: box, label: "Colin Powell", identity: "Colin_Powell"), Face(box: box, label: noName)],
                   names: [CandidateName("Colin Powell", mention: 0), CandidateName(noName)]),
        ], source: "hand-made")
        let a = LFWStructureSynthesizer.synthesize(structure: structure, seed: 1, dimension: 256)
        let b = LFWStructureSynthesizer.synthesize(structure: structure, seed: 1, dimension: 256)
        let t = try #require(a.faceFeatures)
        #expect(t.shape == [6, 256] && t.array == b.faceFeatures!.array)
        #expect(a.samples.flatMap(\.faces).map(\.row) == [0, 1, 2, 3, 4, 5])
        #expect(cosine(t, 0, 2) > 0.45)  // same identity under two caption strings
        for (x, y) in [(0, 1), (0, 4), (0, 3), (1, 5), (2, 4)] { #expect(abs(cosine(t, x, y)) < 0.3, "rows \(x), \(y)") }
        let stats = try #require(CosineStatistics.measure(a, pairs: 50))
        #expect(stats.genuine.mean > 0.45 && abs(stats.impostor.mean) < 0.2)
    }

    @Test func descriptorNoiseGrowsAsFacesShrink() {
        let model = FaceDescriptorModel(dimension: 512, seed: 1)
        #expect(model.noise(halfSide: 10) > model.noise(halfSide: 30) && model.noise(halfSide: 30) > model.noise(halfSide: 80))
        #expect(model.noise(halfSide: 1) == model.maxNoise && model.noise(halfSide: 10_000) == model.minNoise)
    }
}

/// A layout heuristic: faces by decreasing size get the real names by increasing mention rank; faces left over get
/// NONAME. Returns the share of face slots whose prediction equals the gold string (WRONGNAME never counts).
func largestFaceHeuristic(_ corpus: Corpus) -> Double {
    var correct = 0, total = 0
    for s in corpus.samples {
        let order = s.faces.indices.sorted { (s.faces[$0].box?.area ?? 0) > (s.faces[$1].box?.area ?? 0) }
        let names = s.realNames.sorted { ($0.mention ?? .max) < ($1.mention ?? .max) }.map(\.text)
        for slot in s.slots ?? [] {
            guard let f = slot.face else { continue }
            total += 1
            let position = order.firstIndex(of: f)!
            let prediction = position < names.count ? names[position] : noName
            if slot.gold == prediction { correct += 1 }
        }
    }
    return Double(correct) / Double(max(total, 1))
}
