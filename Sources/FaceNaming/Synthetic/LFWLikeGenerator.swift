// `lfw-like`: a synthetic corpus with augmented LFW's structure and statistics (secla-method.md §2.2–2.3), no file needed.

import Foundation
import NumericCore

/// Generates an augmented-LFW-like corpus: same faces-per-image histogram, NONAME / NONAMEWRONG face rates,
/// name-only (NOFACE / NOFACEWRONG) slot rates, a long-tailed identity frequency, aliases, slots in the official
/// metric's form and candidate names in the official (faithful) order, plus `FaceDescriptorModel` descriptors.
///
/// Construction, at `scale` × LFW size (10,976 images at scale 1):
/// * faces per image from `LFWShape.facesPerImage`; face kinds as an exactly-sized shuffled pool: 12,646/14,674 named,
///   1,761/14,674 NONAME, the rest (≈267) NONAMEWRONG;
/// * identities: M = named × 5,642/12,646; identity k gets max(1, round(C·k^−a)) faces with C = 4.2 % of the named
///   faces (LFW's George_W_Bush share) and the exponent a found by bisection so the counts sum to the named faces:
///   a Zipf-like long tail with many singletons; the multiset is shuffled and dealt to named faces (never the same
///   identity twice in one image);
/// * aliases: identity k has several caption strings with probability 0.6 (k < 50), 0.2 (k < 500), 0.04 otherwise:
///   the full name, the surname, and sometimes "Title Surname"; a face's caption string is drawn among them
///   (identity 0 is "George W. Bush" / "Bush" / "President Bush", identity 1 "Colin Powell" / "Powell" / …);
/// * name-only slots per image: K ~ {0: .47, 1: .33, 2: .14, 3: .045, 4: .012, 5: .003}, at least one real name
///   per caption; 21.9 % of them NOFACEWRONG (non-person strings such as "Dow Jones"), the rest NOFACE people (half
///   pictured elsewhere in the corpus, half never pictured);
/// * boxes: half side 30 px · e^(0.35·z), z ~ N(0, 1) for named faces and N(−0.7, 1) for NONAME / wrong faces
///   (bystanders and false detections are smaller), ×1.5 for single-face images;
/// * mention ranks: real names are ordered by key = −z + 0.5·N(0, 1) for face names and 2.5 + N(0, 1) for name-only
///   names, so the largest face's name tends to be mentioned first and pictured people before the others. Calibrated
///   so that "faces by decreasing size take the real names by mention order, the rest NONAME" labels ≈ 0.77 of the
///   face slots correctly (the real data's layout-heuristic F1 ≈ 0.77).
/// Slots: name-only slots first ("NOFACE" / "WRONGFACE"), then one per face (caption string, "NONAME" or
/// "WRONGNAME"), as in the real data. Names: every slot's string in slot order (NONAME faces give "NONAME", wrong
/// faces "NONAMEWRONG"), plus "NONAME" appended if neither is present, as the official loader builds them.
/// Face labels: the caption string, "NONAME", or "NONAMEWRONG" (with `wrong` set); identities LFW-style ("George_W_Bush").
public enum LFWLikeGenerator {
    public static let images = 10_976
    public static let facesTotal = 14_674
    public static let namedFaces = 12_646
    public static let noNameFaces = 1_761
    public static let identities = 5_642
    static let nameOnlyHistogram: [(Int, Int)] = [(0, 470), (1, 330), (2, 140), (3, 45), (4, 12), (5, 3)]
    static let wrongNameOnlyShare = 2_024.0 / 9_254.0

    public static func generate(seed: UInt64, scale: Double = 1, dimension: Int = 512) -> Corpus {
        var rng = SeededRandom(seed: seed)
        let imageCount = max(1, Int((Double(images) * scale).rounded()))
        let facesPer = (0..<imageCount).map { _ in LFWShape.draw(LFWShape.facesPerImage, &rng) }
        let totalFaces = facesPer.reduce(0, +)

        // Face kinds: 0 named, 1 NONAME, 2 wrong, exact proportions.
        let named = Int((Double(totalFaces) * Double(namedFaces) / Double(facesTotal)).rounded())
        let noname = min(totalFaces - named, Int((Double(totalFaces) * Double(noNameFaces) / Double(facesTotal)).rounded()))
        var kinds = [UInt8](repeating: 0, count: named) + [UInt8](repeating: 1, count: noname)
            + [UInt8](repeating: 2, count: totalFaces - named - noname)
        rng.shuffle(&kinds)

        // Identities with a Zipf-like frequency, dealt as a shuffled multiset.
        let m = max(1, min(named, Int((Double(named) * Double(identities) / Double(namedFaces)).rounded())))
        let counts = zipfCounts(total: named, identities: m, head: max(1, Int((0.042 * Double(named)).rounded())))
        var pool = [Int32]()
        pool.reserveCapacity(named)
        for (k, c) in counts.enumerated() { pool.append(contentsOf: repeatElement(Int32(k), count: c)) }
        rng.shuffle(&pool)

        var names = NameGenerator(rng: SeededRandom(seed: seed ^ 0xA11A5))
        let people = (0..<m).map { names.person(rank: $0) }
        let neverPictured = (0..<max(1, m / 2)).map { _ in names.person(rank: Int.max) }
        let nonPersons = (0..<max(1, m / 8)).map { _ in names.nonPerson() }

        var samples = [Sample]()
        samples.reserveCapacity(imageCount)
        var faceCursor = 0, poolCursor = 0, row = 0
        var kindOfRow = [FaceDescriptorModel.Kind](), sizeOfRow = [Double?]()
        for (i, f) in facesPer.enumerated() {
            var faces = [Face](), faceStrings = [String](), logSizes = [Double]()
            var usedIdentities = Set<Int32>(), usedStrings = Set<String>()
            for _ in 0..<f {
                let kind = kinds[faceCursor]; faceCursor += 1
                // Unnamed faces (bystanders, false detections) are smaller: log size shifted by −0.7σ.
                let z = rng.normal() - (kind == 0 ? 0 : 0.7)
                let half = 30 * expApprox(0.35 * z) * (f == 1 ? 1.5 : 1)
                let cx = half + rng.uniform() * 400, cy = half + rng.uniform() * 200
                let box = Box(centerX: (cx).rounded(), centerY: (cy).rounded(), halfSide: half.rounded())
                logSizes.append(z)
                switch kind {
                case 0:
                    // Take the next identity not already in this image (swap a later one forward if needed).
                    var j = poolCursor
                    while j < pool.count - 1 && usedIdentities.contains(pool[j]) { j += 1 }
                    pool.swapAt(poolCursor, j)
                    let id = pool[poolCursor]; poolCursor += 1
                    usedIdentities.insert(id)
                    let person = people[Int(id)]
                    var text = person.pick(&rng)
                    if usedStrings.contains(text) { text = person.full }
                    usedStrings.insert(text)
                    faces.append(Face(row: row, box: box, label: text, identity: person.identity))
                    faceStrings.append(text)
                    kindOfRow.append(.identity(FaceDescriptorModel.key(identity: person.identity)))
                case 1:
                    faces.append(Face(row: row, box: box, label: noName))
                    faceStrings.append(noName)
                    kindOfRow.append(.unseen)
                default:
                    faces.append(Face(row: row, box: box, label: "NONAMEWRONG", wrong: true))
                    faceStrings.append("NONAMEWRONG")
                    kindOfRow.append(.nonFace)
                }
                sizeOfRow.append(box.width / 2)
                row += 1
            }
            // Name-only slots.
            var k = LFWShape.draw(nameOnlyHistogram, &rng)
            if k == 0 && !faces.contains(where: { $0.identity != nil }) { k = 1 }
            var nameOnly = [(text: String, wrong: Bool)]()
            for _ in 0..<k {
                for _ in 0..<8 {
                    let wrong = rng.uniform() < wrongNameOnlyShare
                    let text: String
                    if wrong {
                        text = nonPersons[rng.int(below: nonPersons.count)]
                    } else if rng.uniform() < 0.5 {
                        text = people[Int(pool[rng.int(below: pool.count)])].pick(&rng)
                    } else {
                        text = neverPictured[rng.int(below: neverPictured.count)].pick(&rng)
                    }
                    if usedStrings.insert(text).inserted { nameOnly.append((text, wrong)); break }
                }
            }
            // Mention order of the real names.
            var keyed = [(key: Double, text: String)]()
            for (j, face) in faces.enumerated() where face.identity != nil {
                keyed.append((-logSizes[j] + 0.5 * rng.normal(), faceStrings[j]))
            }
            for n in nameOnly { keyed.append((2.5 + 1.0 * rng.normal(), n.text)) }
            keyed.sort { $0.key < $1.key }
            var mention = [String: Int]()
            for (r, e) in keyed.enumerated() where mention[e.text] == nil { mention[e.text] = r }

            var slots = nameOnly.map { Slot(face: nil, gold: $0.wrong ? "WRONGFACE" : "NOFACE") }
            var candidates = nameOnly.map { CandidateName($0.text, mention: mention[$0.text]) }
            for (j, face) in faces.enumerated() {
                let gold = face.wrong ? "WRONGNAME" : (face.identity == nil ? noName : faceStrings[j])
                slots.append(Slot(face: j, gold: gold))
                candidates.append(CandidateName(faceStrings[j], mention: mention[faceStrings[j]]))
            }
            if !candidates.contains(where: \.isNoName) { candidates.append(CandidateName(noName)) }
            samples.append(Sample(id: String(100_001 + i), image: "synthetic/lfw-like/img_\(100_001 + i).jpg",
                                  faces: faces, names: candidates, slots: slots))
        }

        let model = FaceDescriptorModel(dimension: dimension, seed: seed)
        let features = Tensor(uninitialized: [row, dimension])
        let kk = kindOfRow, ss = sizeOfRow
        model.fill(features, count: row, kind: { kk[$0] }, halfSide: { ss[$0] })
        return Corpus(samples: samples, faceFeatures: features, source: "lfw-like(seed \(seed), scale \(scale))")
    }

    /// Face counts of `identities` identities summing to `total`: max(1, round(head·k^−a)), k = 1…, with a found by
    /// bisection; the rounding remainder goes to (or comes from) the most frequent identities.
    static func zipfCounts(total: Int, identities m: Int, head: Int) -> [Int] {
        guard m > 1 else { return [total] }
        func counts(_ a: Double) -> [Int] {
            (1...m).map { max(1, Int((Double(head) * powApprox(Double($0), -a)).rounded())) }
        }
        var lo = 0.0, hi = 4.0  // sum decreases as a grows
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if counts(mid).reduce(0, +) > total { lo = mid } else { hi = mid }
        }
        var c = counts(hi)
        var diff = total - c.reduce(0, +)
        var k = 0
        while diff != 0 {
            if diff > 0 { c[k % m] += 1; diff -= 1 } else if c[k % m] > 1 { c[k % m] -= 1; diff += 1 }
            k += 1
            if k > 10 * m && diff < 0 { break }  // cannot go below one face per identity
        }
        return c
    }
}

/// x^y for x > 0 from portable operations (exp of y·log x), so counts are identical on every platform.
func powApprox(_ x: Double, _ y: Double) -> Double { expApprox(y * portableLog(x)) }

/// e^x from IEEE-exact operations: range reduction x = k·ln2 + r, |r| ≤ ln2/2, Taylor series to 20 terms.
func expApprox(_ x: Double) -> Double {
    let k = (x / 0.6931471805599453).rounded()
    let r = x - k * 0.6931471805599453
    var term = 1.0, sum = 1.0
    for n in 1...20 { term *= r / Double(n); sum += term }
    return sum * Double(sign: .plus, exponent: Int(k), significand: 1)
}

/// A synthetic person: LFW-style identity and the caption strings that refer to them.
struct Person: Sendable {
    var identity: String
    var full: String
    /// Caption strings with weights; the first is the full name.
    var aliases: [(String, Double)]

    func pick(_ rng: inout SeededRandom) -> String {
        guard aliases.count > 1 else { return full }
        let total = aliases.reduce(0) { $0 + $1.1 }
        var r = rng.uniform() * total
        for (s, w) in aliases { if r < w { return s }; r -= w }
        return full
    }
}

/// Deterministic names: unique surnames from syllables, first names from a list, non-person strings.
struct NameGenerator {
    var rng: SeededRandom
    var usedSurnames = Set<String>()
    var usedOther = Set<String>()

    static let famous: [(String, String, String)] = [
        ("George W. Bush", "Bush", "President Bush"), ("Colin Powell", "Powell", "Secretary Powell"),
        ("Tony Blair", "Blair", "Prime Minister Blair"), ("Donald Rumsfeld", "Rumsfeld", "Secretary Rumsfeld"),
        ("Gerhard Schroeder", "Schroeder", "Chancellor Schroeder"),
    ]
    static let firstNames = ["Maria", "John", "Ana", "David", "Laura", "Ahmed", "Ivan", "Chen", "Sofia", "Pierre",
                             "Kenji", "Fatima", "Carlos", "Elena", "Michael", "Nadia", "Jose", "Yuki", "Hans", "Olga",
                             "Peter", "Amina", "Luis", "Sarah", "Omar", "Julia", "Paul", "Mei", "Robert", "Ines",
                             "Tomas", "Grace", "Ali", "Nora", "Jean", "Rosa", "Kofi", "Anna", "Igor", "Lucia"]
    static let syllables = ["ba", "ker", "lo", "mar", "ti", "nez", "son", "ra", "vi", "del", "go", "ran", "ko", "shi",
                            "ber", "man", "ta", "lin", "dor", "pe", "sa", "vo", "ric", "hal", "mo", "ne", "tra", "zu",
                            "gal", "wen", "fe", "ros", "ki", "dan", "lu", "cha", "mi", "bel", "tor", "qui"]
    static let titles = ["President", "Senator", "Coach", "Minister", "Judge", "Governor"]
    static let orgSuffixes = ["", " City", " Corp", " Jones", " Party", " Stadium", " Valley", " Airlines", " Cup"]

    init(rng: SeededRandom) { self.rng = rng }

    mutating func word(_ parts: Int) -> String {
        let w = (0..<parts).map { _ in Self.syllables[rng.int(below: Self.syllables.count)] }.joined()
        return w.prefix(1).uppercased() + w.dropFirst()
    }

    /// Person of frequency rank `rank` (Int.max: never pictured); frequent people have aliases more often.
    mutating func person(rank: Int) -> Person {
        if rank < Self.famous.count {
            let (full, sur, title) = Self.famous[rank]
            usedSurnames.insert(sur)
            return Person(identity: full.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "_"),
                          full: full, aliases: [(full, 0.6), (sur, 0.3), (title, 0.1)])
        }
        var surname = word(2 + rng.int(below: 2))
        while !usedSurnames.insert(surname).inserted { surname = word(3) }
        let first = Self.firstNames[rng.int(below: Self.firstNames.count)]
        let full = first + " " + surname
        let p = rank < 50 ? 0.6 : (rank < 500 ? 0.2 : 0.04)
        var aliases = [(full, 0.6)]
        if rng.uniform() < p {
            aliases.append((surname, 0.3))
            if rng.uniform() < 0.5 { aliases.append((Self.titles[rng.int(below: Self.titles.count)] + " " + surname, 0.1)) }
        }
        return Person(identity: first + "_" + surname, full: full, aliases: aliases)
    }

    mutating func nonPerson() -> String {
        while true {
            let s = word(2 + rng.int(below: 2)) + Self.orgSuffixes[rng.int(below: Self.orgSuffixes.count)]
            if !usedSurnames.contains(s) && usedOther.insert(s).inserted { return s }
        }
    }
}
