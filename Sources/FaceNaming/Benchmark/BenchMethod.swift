// The methods `secla bench` compares, one corpus at a time: learning-free baselines, the classical Berg-style
// alternation, and SECLA / SECLA-B in both modes.

import Foundation

public enum BenchMethod: String, CaseIterable, Codable, Sendable {
    /// Every face NONAME (`Baseline.allNoName`).
    case allNoName = "all-noname"
    /// A uniformly random candidate of the face's own caption (`Baseline.random`, seeded by the bench seed).
    case random
    /// Largest face → first-mentioned name (`Baseline.largestFaceFirstMention`).
    case heuristic
    /// The classical assign / re-estimate alternation (`PrototypeAlternation`).
    case appearance
    /// The same with the tuned layout prior in its per-image assignment (`PrototypeAlternation.withLayout`).
    case handPrior = "hand-prior"
    /// The alternation with a layout prior learned from the images appearance resolves in `handPrior`'s result
    /// (`LearnedLayoutPrior`; beyond the paper).
    case learnedPrior = "learned-prior"
    /// `learnedPrior` with alias prototypes: a name seen in one image borrows the prototype of a name whose words are
    /// a subset or superset of its own ("Bush" ~ "George W. Bush"; `PrototypeAlternation.aliasPrototypes`).
    case learnedPriorAliases = "learned-prior-aliases"
    /// The learned-prior alternation in one unit: appearance as a log-likelihood ratio fitted on the corpus
    /// (`AppearanceEvidence`), layout log-odds, explaining away, aliases (`LearnedLayoutPrior.bergLearned(evidence:)`).
    /// The recommended labeller, chosen on real faces.
    case evidence
    /// SECLA, faithful preset (`TrainingConfig.faithful`).
    case secla
    /// SECLA, clean preset (`TrainingConfig.clean`).
    case seclaClean = "secla-clean"
    /// SECLA-B on the faithful preset (`SECLABConfig.defaults`).
    case seclaB = "secla-b"
    /// SECLA-B on the clean preset.
    case seclaBClean = "secla-b-clean"
    /// SECLA faithful with the learned layout term, s = g_F·g_N + h(layout) (beyond the paper).
    case seclaLayout = "secla-layout"
    /// SECLA-B faithful with the learned layout term.
    case seclaBLayout = "secla-b-layout"

    /// What `secla bench` runs without `--methods`: everything but the slowest variant (SECLA-B clean).
    public static let defaultSet: [BenchMethod] = [.allNoName, .random, .heuristic, .appearance, .secla, .seclaClean, .seclaB]

    /// Whether the method trains a model that is then labelled with each assignment rule.
    public var isTrained: Bool { [.secla, .seclaClean, .seclaB, .seclaBClean, .seclaLayout, .seclaBLayout].contains(self) }

    /// Whether the trained model has the layout term.
    public var usesLayout: Bool { self == .seclaLayout || self == .seclaBLayout }

    public var displayName: String {
        switch self {
        case .allNoName: return "All NONAME"
        case .random: return "Random candidate"
        case .heuristic: return "Largest face → first name"
        case .appearance: return "Prototype alternation (appearance)"
        case .handPrior: return "Prototype alternation + hand prior"
        case .learnedPrior: return "Prototype alternation + learned prior"
        case .learnedPriorAliases: return "Prototype alternation + learned prior + aliases"
        case .evidence: return "Evidence: alternation, appearance LLR + learned prior (recommended)"
        case .secla: return "SECLA faithful"
        case .seclaClean: return "SECLA clean"
        case .seclaB: return "SECLA-B faithful"
        case .seclaBClean: return "SECLA-B clean"
        case .seclaLayout: return "SECLA faithful + layout"
        case .seclaBLayout: return "SECLA-B faithful + layout"
        }
    }

    /// "SECLA faithful + Hungarian"; a method without a rule keeps its own name.
    public func displayName(rule: AssignmentRule?) -> String {
        guard let rule else { return displayName }
        switch rule {
        case .argmax: return displayName + " + arg-max"
        case .hungarian: return displayName + " + Hungarian"
        case .prototypes: return displayName + " + prototypes"
        case .learnedPrior: return displayName + " + prototypes + learned prior"
        }
    }

    /// Parses "secla,evidence" or "all"; throws naming the unknown entry.
    /// The names before the alignment methods were named for what they do (still accepted).
    public static let formerNames: [String: BenchMethod] = [
        "berg": .appearance, "berg-layout": .handPrior, "berg-learned": .learnedPrior,
        "berg-learned-aliases": .learnedPriorAliases, "berg-evidence": .evidence,
    ]

    public static func parseList(_ text: String) throws(ConfigError) -> [BenchMethod] {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw ConfigError("--methods is empty; give e.g. secla,evidence or all") }
        var result = [BenchMethod]()
        for entry in entries {
            if entry == "all" { result += allCases; continue }
            guard let method = BenchMethod(rawValue: entry) ?? formerNames[entry] else {
                throw ConfigError("--methods: unknown method \"\(entry)\"; known: all, \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            result.append(method)
        }
        var seen = Set<BenchMethod>()
        return result.filter { seen.insert($0).inserted }
    }
}

extension AssignmentRule {
    /// Parses "argmax,hungarian"; throws naming the unknown entry.
    public static func parseList(_ text: String) throws(ConfigError) -> [AssignmentRule] {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw ConfigError("--assignment is empty; give argmax, hungarian, prototypes, learned-prior or a list such as argmax,hungarian") }
        var result = [AssignmentRule]()
        for entry in entries {
            guard let rule = AssignmentRule(rawValue: entry) else {
                throw ConfigError("--assignment: unknown rule \"\(entry)\"; known: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !result.contains(rule) { result.append(rule) }
        }
        return result
    }
}

/// Parses "1,2,3"; throws naming the bad entry.
public func parseSeedList(_ text: String) throws(ConfigError) -> [UInt64] {
    let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !entries.isEmpty else { throw ConfigError("--seeds is empty; give e.g. 1,2,3") }
    var result = [UInt64]()
    for entry in entries {
        guard let seed = UInt64(entry) else { throw ConfigError("--seeds: \"\(entry)\" is not a non-negative integer") }
        if !result.contains(seed) { result.append(seed) }
    }
    return result
}
