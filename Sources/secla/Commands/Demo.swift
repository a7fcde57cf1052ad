import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Placeholder main job: train the SECLA projection heads on generated data and label its faces.",
        discussion: """
            Generates identities, images with 1–3 faces and captions naming some of them (plus people not in the
            picture and a NONAME candidate), trains the two projection heads with a contrastive image–caption loss
            (Hugging Face AdamW, lr 3e-4, cosine schedule as in the official code) and labels every face by the
            arg-max over its own caption's candidates. It shows the numeric core working end to end; the numbers say
            nothing about real face naming. SECLA on real corpora replaces this with the SECLA issue.

            Example: secla demo --epochs 4 --save heads.safetensors --json
            """
    )

    @Option(help: "Training epochs.")
    var epochs = 8

    @Option(help: "Generated image–caption pairs.")
    var pairs = 3_000

    @Option(help: "Image–caption pairs per batch.")
    var batchSize = 20

    @Option(help: "Random seed (same seed, same numbers).")
    var seed: UInt64 = 684_331

    @Option(help: "Write the trained heads here as safetensors (official parameter names; loads with safetensors.torch.load_file).")
    var save: String?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        guard pairs >= 2 else { throw ValidationError("--pairs must be at least 2 (got \(pairs))") }
        guard batchSize >= 2 else { throw ValidationError("--batch-size must be at least 2: the loss contrasts pairs within a batch (got \(batchSize))") }
    }

    func run() throws {
        Memory.reuseFreedBuffers()
        var config = CoreDemoConfig()
        config.epochs = epochs
        config.pairs = pairs
        config.batchSize = batchSize
        config.seed = seed
        let line = ProgressLine()
        let (result, heads) = CoreDemo.run(config) { p in
            line.update(String(format: "epoch %d/%d  step %d/%d  loss %.4f  %.0f pairs/s  ETA %@", p.epoch, p.epochs, p.step,
                               p.totalSteps, p.loss, p.pairsPerSecond, formatDuration(p.etaSeconds)))
        }
        line.finish()
        if let save {
            let metadata = ["format": "pt", "model": "secla-projection-heads", "config": try jsonString(heads.config, pretty: false)]
            try Safetensors.write(heads.parameters, metadata: metadata, to: save)
        }
        if json {
            print(try jsonString(result))
            return
        }
        print("""
            \(result.note)
              pairs \(result.pairs), faces \(result.faces), training steps \(result.steps)
              loss: first epoch \(String(format: "%.4f", result.firstEpochLoss)), last epoch \(String(format: "%.4f", result.lastEpochLoss))
              faces labelled correctly: \(String(format: "%.1f%%", 100 * result.accuracy)) (chance \(String(format: "%.1f%%", 100 * result.chanceAccuracy)))
              \(String(format: "%.1f", result.seconds)) s, OpenBLAS \(result.blasCore), \(result.blasThreads) threads
            """)
    }
}
