// The official augmented-LFW metric (secla-method.md §9.1, `scripts/run_test.py` of the official code), plus a
// faces-only accuracy.
//
// Per image, every slot starts predicted as "NOFACE"; face j's predicted string is written to slot
// j + (number of name-only slots), i.e. the code assumes all name-only slots come first (true except in 19 LFW
// images). Then per slot: gold "WRONG…" counts in `predicted` only; gold == prediction counts in `gold`,
// `predicted` and `correct`; otherwise in `gold` and `predicted`. Micro-averaged:
//
//     precision = correct / predicted      recall = correct / gold      F1 = 2PR / (P + R)
//
// `.official` placement reproduces that quirk; `.trueSlot` writes each face's prediction into its own slot.

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
}

public enum OfficialMetric {
    /// `predictions[i][j]`: the candidate text predicted for face j of sample i (a caption name or "NONAME").
    /// Samples without slots contribute to the faces-only accuracy only.
    public static func evaluate(_ samples: [Sample], predictions: [[String]], placement: SlotPlacement = .official) -> MetricResult {
        precondition(predictions.count == samples.count, "OfficialMetric: \(predictions.count) predictions for \(samples.count) samples")
        var correct = 0, predicted = 0, gold = 0, facesRight = 0, faces = 0
        for (sample, faceNames) in zip(samples, predictions) {
            precondition(faceNames.count == sample.faces.count,
                         "OfficialMetric: sample \(sample.id) has \(sample.faces.count) faces, \(faceNames.count) predictions")
            for (face, name) in zip(sample.faces, faceNames) where !face.wrong {
                guard let label = face.label else { continue }
                faces += 1
                if name == label { facesRight += 1 }
            }
            guard let slots = sample.slots else { continue }
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
        let p = predicted > 0 ? Double(correct) / Double(predicted) : 0
        let r = gold > 0 ? Double(correct) / Double(gold) : 0
        return MetricResult(precision: p, recall: r, f1: p + r > 0 ? 2 * p * r / (p + r) : 0, correct: correct,
                            predicted: predicted, gold: gold, facesAccuracy: faces > 0 ? Double(facesRight) / Double(faces) : 0,
                            faces: faces)
    }
}
