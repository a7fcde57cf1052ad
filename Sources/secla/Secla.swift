import ArgumentParser

@main
struct Secla: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secla",
        abstract: "Weakly supervised face naming: label each face in a news photo with a name from its caption, or NONAME.",
        discussion: """
            Implements SECLA and SECLA-B (Qu, Tuytelaars, Moens, WACV 2023) on an OpenBLAS-backed numeric core.
            Until the SECLA training commands land, `demo` runs the numeric core end to end on generated data.

            Examples:
              secla demo                 train the projection heads on a generated corpus and label its faces
              secla stats --lfw DIR      count what the augmented-LFW dictionaries hold
              secla baseline --lfw DIR   official metric of the learning-free predictors
              secla evaluate --lfw DIR --predictions FILE   official metric of a predictions file
              secla synth lfw-like --out DIR   write a synthetic corpus in the native format
              secla info                 show the BLAS kernels and threads in use
            """,
        subcommands: [Demo.self, Train.self, Align.self, Evaluate.self, Info.self, Stats.self, BaselineCommand.self, Synth.self]
    )
}
