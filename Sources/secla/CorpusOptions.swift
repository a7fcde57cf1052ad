import ArgumentParser
import FaceNaming

extension CandidateMode: ExpressibleByArgument {}

/// The options naming one corpus, shared by every command that reads one: exactly one of --lfw, --celebto, --corpus.
struct CorpusOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder with the official augmented-LFW dictionaries (gt_dict_cleaned_phi_face_name_one[_rest].json).", valueName: "dir"))
    var lfw: String?

    @Option(help: ArgumentHelp("A Celebrity Together dictionary (JSON).", valueName: "file.json"))
    var celebto: String?

    @Option(help: ArgumentHelp("A native corpus folder (samples.jsonl, faces.npy, …).", valueName: "dir"))
    var corpus: String?

    @Option(help: ArgumentHelp("Face features (.npy, [faces, dim]) for --lfw or --celebto, rows in record then face order.", valueName: "file.npy"))
    var faces: String?

    @Option(help: "Candidate names for --lfw / --celebto: faithful (the official lists) or clean (distinct real names + NONAME).")
    var candidates: CandidateMode = .faithful

    func validate() throws {
        let given = [lfw, celebto, corpus].compactMap { $0 }.count
        guard given == 1 else {
            throw ValidationError(given == 0 ? "Name a corpus with --lfw DIR, --celebto FILE.json or --corpus DIR."
                                             : "Give only one of --lfw, --celebto and --corpus.")
        }
        if corpus != nil, faces != nil {
            throw ValidationError("--faces goes with --lfw or --celebto; a native corpus keeps its features in faces.npy.")
        }
    }

    func load() throws -> Corpus {
        if let lfw { return try LFWReader.read(folder: lfw, faces: faces, candidates: candidates) }
        if let celebto { return try CelebToReader.read(path: celebto, faces: faces, candidates: candidates) }
        if let corpus { return try NativeFormat.read(folder: corpus) }
        throw ValidationError("Name a corpus with --lfw DIR, --celebto FILE.json or --corpus DIR.")
    }
}
