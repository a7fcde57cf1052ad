import ArgumentParser
import FaceIngest
import FaceNaming
import Foundation
import NumericCore

extension FaceDetector: ExpressibleByArgument {}

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Photos in: detect faces with dlib, compute their 128-d descriptors and write a native corpus.",
        discussion: """
            Photos: every JPEG and PNG under --photos (recursively), or the photos a caption file names (--captions,
            JSONL or CSV: image, caption, optional id, names, labels; see docs/ingest.md). Each photo is decoded
            upright (EXIF orientation), its faces found (HOG; --detector cnn for turned or small faces), and each face
            gets 5-point landmarks, an aligned 150×150 chip and dlib's ResNet descriptor. Candidate names are the
            record's `names` when given, else those a placeholder rule finds in the caption text (docs/ingest.md).
              secla ingest --photos ~/archive --captions captions.jsonl --out corpus

            Incremental and crash-safe: a re-run processes only new or changed photos; a killed run resumes where it
            stopped and never damages the corpus already written. A photo that fails is skipped and listed (summary
            and OUT/ingest.json).

            Augmented LFW with real faces (the research path): the official dictionaries, LFW's images and mapping.txt;
            each annotated face is matched to its LFW crop and described; records whose every face has a crop are kept.
              secla ingest --lfw Berg --lfw-images lfw-deepfunneled --lfw-mapping mapping.txt --out lfw-real
            """
    )

    @Option(help: ArgumentHelp("Folder of photos (searched recursively for .jpg, .jpeg, .png).", valueName: "dir"))
    var photos: String?

    @Option(help: ArgumentHelp("Caption file, .jsonl or .csv (default: every photo, without captions).", valueName: "file"))
    var captions: String?

    @Option(help: ArgumentHelp("Augmented-LFW dictionaries folder (with --lfw-images and --lfw-mapping).", valueName: "dir"))
    var lfw: String?

    @Option(help: ArgumentHelp("LFW's image folder (NAME/NAME_0001.jpg, …).", valueName: "dir"))
    var lfwImages: String?

    @Option(help: ArgumentHelp("LFW's mapping.txt (crop → source photo and square).", valueName: "file"))
    var lfwMapping: String?

    @Option(help: "Candidate lists stored for --lfw: faithful (the official lists) or clean (distinct real names + NONAME).")
    var candidates: CandidateMode = .faithful

    @Option(help: ArgumentHelp("The corpus folder to write or update.", valueName: "dir"))
    var out: String

    @Option(help: "Worker threads, one face engine each (default: the cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Face detector: hog (fast) or cnn (finds turned and small faces; ≈ 25× slower).")
    var detector: FaceDetector = .hog

    @Option(help: "Times a photo is doubled before detection (finds faces under ≈ 80 px; ≈ 4× the time each). Default 1, as face_recognition.")
    var upsample: Int = DetectionSettings.standard.upsample

    @Option(help: "Detector score threshold (default 0; negative finds more faces and more false ones).")
    var threshold: Double = DetectionSettings.standard.threshold

    @Option(help: "Detect on a copy scaled to this longer side when a photo is larger (pixels; 0 = never; default 2000).")
    var maxSide: Int = DetectionSettings.standard.maxSide

    @Option(help: ArgumentHelp("Folder with dlib's model files (default: $SECLA_FACE_MODELS_DIR or ~/.cache/secla/models/dlib).", valueName: "dir"))
    var models: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        let lfwGiven = [lfw, lfwImages, lfwMapping].compactMap { $0 }.count
        if lfwGiven > 0 {
            guard lfwGiven == 3 else { throw ValidationError("--lfw, --lfw-images and --lfw-mapping go together.") }
            guard photos == nil, captions == nil else { throw ValidationError("--photos/--captions and --lfw are separate modes; give one.") }
        } else {
            guard photos != nil else { throw ValidationError("Name the photos with --photos DIR (or augmented LFW with --lfw, --lfw-images, --lfw-mapping).") }
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard (0...4).contains(upsample) else { throw ValidationError("--upsample must be 0–4, got \(upsample)") }
        guard threshold.isFinite else { throw ValidationError("--threshold must be a finite number") }
        guard maxSide == 0 || maxSide >= 64 else { throw ValidationError("--max-side must be 0 (never) or at least 64, got \(maxSide)") }
    }

    func run() throws {
        var options = IngestOptions()
        options.detection = DetectionSettings(detector: detector, upsample: upsample, threshold: threshold, maxSide: maxSide)
        options.threads = threads
        if let models { options.models = FaceModels(folder: models) }
        let line = ProgressLine()
        let report: (IngestProgress) -> Void = { p in
            line.update(String(format: "ingest %d/%d photos  %.1f photos/s  %.1f faces/s  %d failed  ETA %@", p.done, p.total,
                               p.photosPerSecond, p.facesPerSecond, p.failed, p.etaSeconds.isFinite ? formatDuration(p.etaSeconds) : "–"))
        }
        do {
            if let lfw, let lfwImages, let lfwMapping {
                let s = try LFWCrops.run(lfw: lfw, images: lfwImages, mapping: lfwMapping, out: out, candidates: candidates,
                                         options: options, progress: report)
                line.finish()
                if json { print(try jsonString(s)); return }
                print("""
                    augmented LFW with real faces → \(out)
                      records  \(s.recordsKept) kept of \(s.records) (every face has a crop; \(s.recordsWithoutFaces) records have no face)
                      faces    \(s.facesKept) kept (\(s.facesKeptNoName) gold NONAME); in dropped records \(s.facesWithoutCrop) faces had no crop \
                    (\(s.facesWithoutCropNoName) gold NONAME; \(s.facesWithCropNotGiven) whose crop is not among the images given)
                      matching median distance \(String(format: "%.1f", s.medianMatchDistance)) px; same identity string \(s.sameIdentity) of \(s.facesKept)
                      crops    \(s.crops): \(s.cropsProcessed) processed, \(s.cropsReused) reused, \(s.cropsWithoutDetection.count) without a detection (central box), \(s.failed.count) failed
                      time     \(String(format: "%.1f s (+ %.1f s loading models), %.1f crops/s at %d threads (OpenBLAS %@)", s.seconds, s.modelLoadSeconds, s.cropsPerSecond, threads, s.blasCore))
                    """)
                printFailures(s.failed, label: "failed")
                if !s.cropsWithoutDetection.isEmpty { printNote("no face detected (central box described): " + s.cropsWithoutDetection.prefix(10).joined(separator: ", ")) }
                return
            }
            guard let photos else { return }
            let s = try Ingest.run(photos: photos, captions: captions, out: out, options: options, progress: report)
            line.finish()
            if json { print(try jsonString(s)); return }
            print("""
                \(s.samples) photos → \(out) (\(s.faces) faces; \(s.photosWithoutFaces) photos without a face)
                  processed \(s.processed), reused \(s.reused) from earlier runs, failed \(s.failed.count)\
                \(s.uncaptioned > 0 ? ", \(s.uncaptioned) photos in the folder have no caption (not ingested)" : "")
                  \(String(format: "%.1f s (+ %.1f s loading models): %.2f photos/s, %.2f faces/s at %d threads (OpenBLAS %@)", s.seconds, s.modelLoadSeconds, s.photosPerSecond, s.facesPerSecond, threads, s.blasCore))
                """)
            printFailures(s.failed, label: "failed")
            printFailures(s.warnings, label: "warning")
        } catch let error as DataError {
            line.finish()
            printNote("error: \(error)")
            throw ExitCode(1)
        } catch let error as FaceEngineError {
            line.finish()
            printNote("error: \(error)")
            throw ExitCode(1)
        } catch let error as FormatError {
            line.finish()
            printNote("error: \(error)")
            throw ExitCode(1)
        }
    }

    private func printFailures(_ list: [IngestFailure], label: String) {
        for f in list.prefix(20) { printNote("\(label): \(f.image): \(f.problem)") }
        if list.count > 20 { printNote("… \(list.count - 20) more in \((out as NSString).appendingPathComponent(Ingest.manifestFile))") }
    }
}
