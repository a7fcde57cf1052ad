import ArgumentParser
import FaceIngest
import FaceNaming
import Foundation
import NumericCore

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job on a built-in default: name the faces of real photos, write a review page, then a synthetic benchmark.",
        discussion: """
            Part 1, real photos: five public-domain White House photos of Barack Obama and Joe Biden (fetched by
            scripts/setup.sh) with captions the project wrote, which name more people than each photo shows. The
            demo ingests them (dlib face detection and descriptors), names every face with the recommended method
            (`secla name`), writes OUT/corpus/labels.json and the review page OUT/review.html, and prints each face
            with its name and confidence. The same as:
              secla ingest --photos ~/.cache/secla/demo/photos --captions OUT/captions.jsonl --out OUT/corpus
              secla name --corpus OUT/corpus && secla review --corpus OUT/corpus --out OUT/review.html

            Part 2, synthetic benchmark: generates an lfw-like corpus (augmented LFW's structure and statistics with
            synthetic descriptors), trains SECLA in faithful mode with the official settings except the number of
            epochs, labels every face (transductive, as the paper) and prints the official metric next to the
            learning-free baselines and the recommended method. The same as:
              secla synth lfw-like --out DIR --scale 0.5 && secla train --corpus DIR --epochs 10

            Example: secla demo --out runs/demo --mode clean --epochs 20
            """
    )

    @Option(help: ArgumentHelp("Folder for the demo's corpus, labels and review page.", valueName: "dir"))
    var out = "secla-demo"

    @Option(help: ArgumentHelp("Folder with the demo photos (default: $SECLA_DEMO_DIR or ~/.cache/secla/demo/photos).", valueName: "dir"))
    var photos: String?

    @Flag(inversion: .prefixedNo, help: "Run part 2, the synthetic benchmark.")
    var synthetic = true

    @Option(help: "Loss mode: faithful (the official code) or clean.")
    var mode: LossMode = .faithful

    @Option(help: "Training epochs.")
    var epochs = 10

    @Option(help: "Corpus size relative to augmented LFW (10,976 pairs at 1).")
    var scale = 0.5

    @Option(help: "Seed of the corpus and of training.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Part 2: also write the SECLA run (model, run.json, alignment.json) here.", valueName: "dir"))
    var runOut: String?

    @Flag(help: "Print one JSON object instead of a summary.")
    var json = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1 (got \(epochs))") }
        guard scale > 0, scale <= 4 else { throw ValidationError("--scale must be in (0, 4] (got \(scale))") }
    }

    func run() throws {
        Memory.reuseFreedBuffers()
        let photoPart = try namePhotos()
        guard synthetic else {
            if json, let photoPart { print(try jsonString(photoPart)) }
            return
        }
        if !json { print("\nPart 2, synthetic benchmark (generated descriptors: a regression test of the pipeline, not accuracy on photos)") }
        let start = Date()
        let corpus = LFWLikeGenerator.generate(seed: seed, scale: scale)
        var options = RunOptions(config: mode == .faithful ? .faithful : .clean)
        options.config.epochs = epochs
        options.config.seed = seed
        options.outFolder = runOut
        let line = TrainingProgressLine(epochs: epochs, stepsPerEpoch: (corpus.samples.count + options.config.batchSize - 1) / options.config.batchSize)
        let (result, _, _, _) = try SECLARun.run(corpus: corpus, options: options, onStep: line.update)
        line.finish()
        // The project's strongest labeller on its benchmarks needs no training: shown beside SECLA so a first run
        // sees both the paper's method and what beats it.
        let learned = try LearnedLayoutPrior.bergLearned(corpus, aliases: true, evidence: true, nameEmbeddings: try? NameAttributes.embeddings(for: corpus))
        let learnedMetrics = OfficialMetric.evaluate(corpus.samples, predictions: learned.predictions)
        if json {
            struct Output: Encodable {
                var photos: PhotoPart?, secla: RunResult, evidence: MetricResult
            }
            print(try jsonString(Output(photos: photoPart, secla: result, evidence: learnedMetrics)))
            return
        }
        print("""
            Generated lfw-like corpus: \(corpus.samples.count) image–caption pairs, \(corpus.faceCount) faces (seed \(seed), scale \(scale)).
            SECLA \(mode.rawValue): \(epochs) epochs, batch 20, AdamW lr 3e-4, periodic cosine; \(String(format: "%.1f", result.secondsPerEpoch)) s/epoch, \
            \(String(format: "%.0f", result.pairsPerSecond)) pairs/s (OpenBLAS \(result.blasCore), \(result.blasThreads) threads).
            Labelled every face (per-face arg-max over its caption's names and NONAME); official augmented-LFW metric:
            """)
        if let m = result.metrics {
            printMetricTable(m, baselines: result.baselines, more: [("evidence (recommended)", learnedMetrics)])
            print("(evidence: no training, appearance as evidence + learned layout prior, the best method on real faces; `secla name`)")
        }
        print(String(format: "Part 2: %.1f s. Synthetic data: these numbers show the pipeline working, not accuracy on real photos.",
                     Date().timeIntervalSince(start)))
    }
}

extension Demo {
    struct PhotoFace: Encodable {
        var photo: String, box: Box?, name: String, confidence: Double, person: String?
        /// Whether the name is the person in `DemoPhotos` (nil for a face the demo knows nothing about).
        var right: Bool?
        init(photo: String, box: Box?, name: String, confidence: Double, person: String?) {
            self.photo = photo; self.box = box; self.name = name; self.confidence = confidence; self.person = person
            right = person.map { $0 == name }
        }
    }

    struct PhotoPart: Encodable {
        var corpus: String, labels: String, review: String, faces: [PhotoFace], seconds: Double
    }

    /// Part 1: ingest, name and review the demo photos; nil (with a note) when the photos or the face models are missing.
    func namePhotos() throws -> PhotoPart? {
        let folder = photos ?? DemoPhotos.defaultFolder
        let missing = DemoPhotos.photos.map(\.file).filter { !FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0)) }
        guard missing.isEmpty else {
            printNote("note: the demo photos are not in \(folder) (missing \(missing.joined(separator: ", "))): run `bash scripts/fetch-demo-photos.sh` "
                      + "(part of scripts/setup.sh); showing the synthetic part only")
            return nil
        }
        let start = Date()
        try createFolder(out)
        let captions = (out as NSString).appendingPathComponent("captions.jsonl")
        let corpusFolder = (out as NSString).appendingPathComponent("corpus")
        let labelsPath = (corpusFolder as NSString).appendingPathComponent("labels.json")
        let reviewPath = (out as NSString).appendingPathComponent("review.html")
        try writeAtomically(try DemoPhotos.sidecar(), to: captions)
        if !json { print("Part 1, real photos: \(DemoPhotos.photos.count) photos in \(folder), captions → \(captions)") }
        let line = ProgressLine()
        let ingest: IngestSummary
        do {
            ingest = try Ingest.run(photos: folder, captions: captions, out: corpusFolder, options: IngestOptions()) { p in
                line.update(String(format: "ingest %d/%d photos  %.1f photos/s", p.done, p.total, p.photosPerSecond))
            }
            line.finish()
        } catch let error as FaceEngineError {
            line.finish()
            printNote("note: \(error)\nshowing the synthetic part only")
            return nil
        }
        let corpus = try exitingOnDataError { try NativeFormat.read(folder: corpusFolder) }
        let result = try exitingOnDataError { try Naming.run(.recommended, corpus: corpus) }
        try SECLARun.writeLabels(corpus: corpus, samples: Array(corpus.samples.indices), labels: result.labels, to: labelsPath)
        let rows = try exitingOnDataError { try ReviewReport.rows(labels: try LabelsFile.read(path: labelsPath), labelsPath: labelsPath, corpus: corpus) }
        try writeAtomically(Data(ReviewReport.html(rows: rows, title: "secla demo: named faces", imagesRoot: folder).utf8), to: reviewPath)

        let person = Dictionary(uniqueKeysWithValues: DemoPhotos.photos.map { (($0.file as NSString).deletingPathExtension, $0.person) })
        var faces = [PhotoFace]()
        for (sample, labels) in zip(corpus.samples, result.labels) {
            for label in labels {
                // One face per photo: the person named in `DemoPhotos`; a second face would be someone unnamed.
                faces.append(PhotoFace(photo: sample.image ?? sample.id, box: label.box, name: label.name, confidence: label.confidence,
                                       person: labels.count == 1 ? person[sample.id] : nil))
            }
        }
        let part = PhotoPart(corpus: corpusFolder, labels: labelsPath, review: reviewPath, faces: faces, seconds: Date().timeIntervalSince(start))
        if json { return part }
        print(String(format: "  %d faces found by dlib (%.1f s, %@); named with `secla name` (method %@, %.1f s):", ingest.faces, ingest.seconds,
                     ingest.reused > 0 ? "\(ingest.reused) photos reused from an earlier run" : "HOG detector, 128-d ResNet descriptors",
                     result.method.rawValue, result.seconds))
        print("  photo                    face box (l, t, r, b)      name           confidence  check")
        for f in faces {
            let box = f.box.map { String(format: "%4.0f %4.0f %4.0f %4.0f", $0.x1, $0.y1, $0.x2, $0.y2) } ?? "—"
            let check = f.right.map { $0 ? "right" : "wrong (is \(f.person!))" } ?? "—"
            print("  " + f.photo.padding(toLength: 24, withPad: " ", startingAt: 0) + " " + box.padding(toLength: 26, withPad: " ", startingAt: 0)
                  + " " + f.name.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: " %10.2f  ", f.confidence) + check)
        }
        for note in result.notes { print("  note: " + note) }
        print("  labels → \(labelsPath)\n  review page → \(reviewPath) (open it in a browser: filter, see each photo's boxes, correct names)")
        return part
    }
}
