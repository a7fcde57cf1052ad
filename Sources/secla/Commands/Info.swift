import ArgumentParser
import Foundation
import NumericCore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the linear-algebra backend: OpenBLAS kernel family, threads and build configuration.",
        discussion: """
            Timings depend on these: OPENBLAS_CORETYPE pins the kernels (e.g. Haswell = AVX2 only) and
            OPENBLAS_NUM_THREADS the threads. Example: secla info --json
            """
    )

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let facts: [String: String] = [
            "blas_core": BLAS.coreName,
            "blas_threads": String(BLAS.threads),
            "blas_config": BLAS.configuration,
            "OPENBLAS_CORETYPE": ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)",
            "OPENBLAS_NUM_THREADS": ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "(unset)",
        ]
        if json {
            print(try jsonString(facts))
        } else {
            for key in facts.keys.sorted() { print("\(key.padding(toLength: 22, withPad: " ", startingAt: 0)) \(facts[key]!)") }
        }
    }
}
