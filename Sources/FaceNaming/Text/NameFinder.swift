// Which person-name finder a command uses: the trained tagger when its model is installed, else the placeholder rule.

import Foundation

public enum NameFinder: Sendable {
    case tagger(PersonNameTagger)
    case placeholder

    /// The tagger of `folder` (default: `PersonNameTagger.defaultDirectory`) when it holds a model, else the
    /// placeholder. A model folder that exists but cannot be read is an error.
    /// Without a model but with `$SECLA_CONLL_TRAIN` naming CoNLL-2003's eng.train, the tagger is trained from it
    /// first (about 2 s) and saved to the default folder, so every later run finds it.
    public static func load(folder: String? = nil) throws -> NameFinder {
        let dir = folder ?? PersonNameTagger.defaultDirectory
        guard FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("meta.json")) else {
            if let folder { throw DataError(path: folder, "holds no person-name model (meta.json)", hint: "train one with `secla names train --conll eng.train`") }
            if let train = ProcessInfo.processInfo.environment["SECLA_CONLL_TRAIN"], !train.isEmpty {
                let tagger = PersonNameTagger.train(documents: try PersonNameTagger.documents(path: train))
                try tagger.write(to: dir)
                return .tagger(tagger)
            }
            return .placeholder
        }
        return .tagger(try PersonNameTagger.read(folder: dir))
    }

    public var description: String {
        switch self {
        case .tagger: return "person-name tagger (averaged perceptron, CoNLL-2003 eng.train)"
        case .placeholder: return "placeholder rule (capitalised runs)"
        }
    }

    /// Person mentions of a news sentence (what `secla names eval` scores).
    public func mentions(in text: String) -> [PersonMention] {
        switch self {
        case .tagger(let t): return t.mentions(in: text)
        case .placeholder: return CaptionNameFinder.mentions(in: text)
        }
    }

    /// Person mentions of a caption: the tagger adds a multi-word name opening the caption
    /// (`PersonNameTagger.captionMentions`).
    public func captionMentions(in text: String) -> [PersonMention] {
        switch self {
        case .tagger(let t): return t.captionMentions(in: text)
        case .placeholder: return CaptionNameFinder.mentions(in: text)
        }
    }

    public func names(in text: String) -> [String] {
        switch self {
        case .tagger(let t): return t.names(in: text)
        case .placeholder: return CaptionNameFinder.names(in: text)
        }
    }
}
