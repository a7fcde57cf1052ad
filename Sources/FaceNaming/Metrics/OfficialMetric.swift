// The official augmented-LFW metric (secla-method.md §9.1, `scripts/run_test.py` of the official code), the
// Celebrity Together metric (§9.3), and face-level diagnostics reported beside them.
//
// Per image, every slot starts predicted as "NOFACE"; face j's predicted string is written to slot
// j + (number of name-only slots), i.e. the code assumes all name-only slots come first (true except in 19 LFW
// images). Then per slot: gold "WRONG…" counts in `predicted` only; gold == prediction counts in `gold`,
// `predicted` and `correct`; otherwise in `gold` and `predicted`. Micro-averaged:
//
//     precision = correct / predicted      recall = correct / gold      F1 = 2PR / (P + R)
//
// `.official` placement reproduces that quirk; `.trueSlot` writes each face's prediction into its own slot.
//
// A sample without slots (Celebrity Together) is scored as `cal_f1_json_celeb_noneg` does: each labelled face is one
// prediction and one gold, so on such a corpus precision = recall = F1 = the CelebTo accuracy.

public enum SlotPlacement: String, Codable, CaseIterable, Sendable {
    /// Face j goes to slot j + #name-only slots, as the official code does.
    case official
    /// Face j goes to the slot that holds it.
    case trueSlot = "true-slot"
}

public struct MetricResult: Codable, Equatable, Sendable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var correct: Int
    public var predicted: Int
    public var gold: Int
    /// Fraction of real faces (not `wrong`) whose predicted string equals their label.
    public var facesAccuracy: Double
    public var faces: Int
    public var facesCorrect: Int
    /// Among real labelled faces predicted "NONAME" or "NONAMEWRONG", the fraction labelled NONAME (0 when none is).
    public var nonamePrecision: Double
    /// Among real faces labelled NONAME, the fraction predicted "NONAME" or "NONAMEWRONG" (0 when none is).
    public var nonameRecall: Double
    public var nonamePredicted: Int
    public var nonameGold: Int
    public var nonameCorrect: Int
    /// §9.3: fraction of all labelled faces (NONAME and `wrong` ones included) whose predicted string equals the label.
    public var celebtoAccuracy: Double
    public var celebtoFaces: Int
    public var celebtoCorrect: Int

    enum CodingKeys: String, CodingKey {
        case precision, recall, f1, correct, predicted, gold, faces
        case facesAccuracy = "faces_accuracy"
        case facesCorrect = "faces_correct"
        case nonamePrecision = "noname_precision"
        case nonameRecall = "noname_recall"
        case nonamePredicted = "noname_predicted"
        case nonameGold = "noname_gold"
        case nonameCorrect = "noname_correct"
        case celebtoAccuracy = "celebto_accuracy"
        case celebtoFaces = "celebto_faces"
        case celebtoCorrect = "celebto_correct"
    }
}

public enum OfficialMetric {
    /// `predictions[i][j]`: the candidate text predicted for face j of sample i (a caption name or "NONAME").
    public static func evaluate(_ samples: [Sample], predictions: [[String]], placement: SlotPlacement = .official) -> MetricResult {
        precondition(predictions.count == samples.count, "OfficialMetric: \(predictions.count) predictions for \(samples.count) samples")
        var correct = 0, predicted = 0, gold = 0, facesRight = 0, faces = 0
        var nonamePredicted = 0, nonameGold = 0, nonameCorrect = 0, celebtoFaces = 0, celebtoCorrect = 0
        for (sample, faceNames) in zip(samples, predictions) {
            precondition(faceNames.count == sample.faces.count,
                         "OfficialMetric: sample \(sample.id) has \(sample.faces.count) faces, \(faceNames.count) predictions")
            var labelled = 0, labelledRight = 0
            for (face, name) in zip(sample.faces, faceNames) {
                guard let label = face.label else { continue }
                labelled += 1
                if name == label { labelledRight += 1 }
                if face.wrong { continue }
                faces += 1
                if name == label { facesRight += 1 }
                // Either NONAME string means "not in the caption" to the official code (§8).
                let saysNoName = name == noName || name == "NONAMEWRONG"
                if saysNoName { nonamePredicted += 1 }
                if label == noName { nonameGold += 1 }
                if saysNoName && label == noName { nonameCorrect += 1 }
            }
            celebtoFaces += labelled
            celebtoCorrect += labelledRight
            guard let slots = sample.slots else {
                predicted += labelled
                gold += labelled
                correct += labelledRight
                continue
            }
            var slotPrediction = [String](repeating: "NOFACE", count: slots.count)
            switch placement {
            case .official:
                let nameOnly = slots.reduce(0) { $0 + ($1.face == nil ? 1 : 0) }
                for (j, name) in faceNames.enumerated() where j + nameOnly < slots.count { slotPrediction[j + nameOnly] = name }
            case .trueSlot:
                for (s, slot) in slots.enumerated() { if let f = slot.face { slotPrediction[s] = faceNames[f] } }
            }
            for (slot, p) in zip(slots, slotPrediction) {
                predicted += 1
                if slot.gold.hasPrefix("WRONG") { continue }
                gold += 1
                if slot.gold == p { correct += 1 }
            }
        }
        func ratio(_ a: Int, _ b: Int) -> Double { b > 0 ? Double(a) / Double(b) : 0 }
        let p = ratio(correct, predicted), r = ratio(correct, gold)
        return MetricResult(precision: p, recall: r, f1: p + r > 0 ? 2 * p * r / (p + r) : 0, correct: correct,
                            predicted: predicted, gold: gold, facesAccuracy: ratio(facesRight, faces), faces: faces,
                            facesCorrect: facesRight, nonamePrecision: ratio(nonameCorrect, nonamePredicted),
                            nonameRecall: ratio(nonameCorrect, nonameGold), nonamePredicted: nonamePredicted,
                            nonameGold: nonameGold, nonameCorrect: nonameCorrect,
                            celebtoAccuracy: ratio(celebtoCorrect, celebtoFaces), celebtoFaces: celebtoFaces,
                            celebtoCorrect: celebtoCorrect)
    }
}
