import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a synthetic corpus in the native format (lfw-like, celebto-like, or lfw-structure).",
        discussion: """
            lfw-like       augmented LFW's structure and statistics (10,976 images at --scale 1), no file needed
            celebto-like   Celebrity Together's scale and form (≈194k images, ≈546k faces at --scale 1)
            lfw-structure  the real augmented-LFW structure (--lfw DIR) with synthetic face descriptors
            Face descriptors follow FaceDescriptorModel: identity clusters whose spread grows as faces get smaller.

            Example: secla synth lfw-like --out data/lfw-like --seed 1
            """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case lfwLike = "lfw-like", celebtoLike = "celebto-like", lfwStructure = "lfw-structure"
    }

    @Argument(help: "lfw-like | celebto-like | lfw-structure")
    var mode: Mode

    @Option(help: "Output folder (created if needed).")
    var out: String

    @Option(help: "Random seed; the same seed gives the same corpus.")
    var seed: UInt64 = 1

    @Option(help: "Size relative to the real dataset (lfw-like, celebto-like).")
    var scale = 1.0

    @Option(help: "Face descriptor dimension.")
    var dim = 512

    @Option(help: "Augmented-LFW folder (lfw-structure only).")
    var lfw: String?

    @Option(help: "Candidate names for lfw-structure: faithful (as the official code) or clean.")
    var candidates: CandidateMode = .faithful

    @Option(help: ArgumentHelp("lfw-like, lfw-structure: write caption text, with position cues (\"(L)\", \", right,\") in this share of the images with two or more pictured caption names (0…1).", valueName: "share"))
    var captionCues: Double?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be positive, got \(scale)") }
        guard dim > 0 else { throw ValidationError("--dim must be positive, got \(dim)") }
        if mode == .lfwStructure && lfw == nil { throw ValidationError("lfw-structure needs --lfw DIR (the augmented-LFW dictionaries)") }
        if let captionCues {
            guard (0...1).contains(captionCues) else { throw ValidationError("--caption-cues must be in [0, 1], got \(captionCues)") }
            guard mode != .celebtoLike else { throw ValidationError("--caption-cues goes with lfw-like or lfw-structure: celebto-like has no captions") }
        }
    }

    struct Summary: Encodable {
        var mode: String, out: String, seed: UInt64, scale: Double, dimension: Int
        var samples: Int, faces: Int, identities: Int, seconds: Double
        var cosine: CosineStatistics?
    }

    func run() throws {
        let start = Date()
        let progress = ProgressLine()
        var corpus: Corpus
        switch mode {
        case .lfwLike:
            corpus = LFWLikeGenerator.generate(seed: seed, scale: scale, dimension: dim)
        case .celebtoLike:
            let box = ProgressBox(progress)
            corpus = CelebToLikeGenerator.generate(seed: seed, scale: scale, dimension: dim) { phase, done, total in
                box.update("\(phase) \(done)/\(total)")
            }
        case .lfwStructure:
            let structure = try exitingOnDataError { try LFWReader.read(folder: lfw!, candidates: candidates) }
            corpus = LFWStructureSynthesizer.synthesize(structure: structure, seed: seed, dimension: dim)
        }
        if let captionCues { SyntheticCaptions.write(&corpus, cueShare: captionCues, seed: seed) }
        progress.update("writing \(out)")
        try NativeFormat.write(corpus, to: out)
        progress.finish()
        var ids = Set<String>()
        for s in corpus.samples { for f in s.faces { if let id = f.identity { ids.insert(id) } } }
        let summary = Summary(mode: mode.rawValue, out: out, seed: seed, scale: scale, dimension: dim,
                              samples: corpus.samples.count, faces: corpus.faceCount, identities: ids.count,
                              seconds: Date().timeIntervalSince(start),
                              cosine: CosineStatistics.measure(corpus, pairs: 2000, seed: seed))
        if json {
            print(try jsonString(summary))
        } else {
            print("\(mode.rawValue) → \(out): \(summary.samples) samples, \(summary.faces) faces, \(summary.identities) identities, "
                  + String(format: "%.1f s", summary.seconds))
            if let c = summary.cosine {
                for (label, s) in [("genuine", c.genuine), ("impostor", c.impostor)] {
                    print(String(format: "  %@ cosine: mean %.3f, std %.3f, 5%% %.3f, 95%% %.3f (%d pairs)",
                                 label, s.mean, s.std, s.p5, s.p95, s.pairs))
                }
            }
        }
    }
}

/// Lets a progress line be updated from concurrent generator callbacks (serialised by a lock).
final class ProgressBox: @unchecked Sendable {
    private let line: ProgressLine
    private let lock = NSLock()
    init(_ line: ProgressLine) { self.line = line }
    func update(_ text: String) { lock.lock(); line.update(text); lock.unlock() }
}
