import ArgumentParser

@main
struct Secla: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secla",
        abstract: "Weakly supervised face naming: label each face in a news photo with a name from its caption, or NONAME.",
        discussion: """
            Implements SECLA and SECLA-B (Qu, Tuytelaars, Moens, WACV 2023) on an OpenBLAS-backed numeric core.

            Examples:
              secla demo                 name the faces of real demo photos, write a review page, then the synthetic benchmark
              secla ingest --photos DIR --captions captions.jsonl --out CORPUS   photos in: faces and descriptors with dlib
              secla name --corpus CORPUS       name every face (recommended method; --method for the others) → CORPUS/labels.json
              secla review --corpus CORPUS     a page of the named faces to check and correct → CORPUS/review.html
              secla train --corpus DIR --out RUN            train SECLA (--mode faithful|clean) and keep the model
              secla align --model RUN --corpus DIR --out labels.json   label faces with a trained model
              secla evaluate --lfw DIR --predictions labels.json       score any system's labels
              secla stats --lfw DIR      count what the augmented-LFW dictionaries hold
              secla baseline --lfw DIR   official metric of the learning-free baselines
              secla synth lfw-like --out DIR   write a synthetic corpus in the native format
              secla bench --generate lfw-like --seeds 1,2,3   compare methods over seeds (mean ± sd table)
              secla info                 show the BLAS kernels and threads in use
            """,
        subcommands: [Demo.self, IngestCommand.self, NameCommand.self, Review.self, NamesCommand.self, Train.self, Align.self, Evaluate.self, EmbedNames.self, Info.self, Stats.self, BaselineCommand.self, Synth.self, Bench.self, BenchOne.self]
    )
}
