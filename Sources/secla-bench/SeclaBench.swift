import ArgumentParser

@main
struct SeclaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secla-bench",
        abstract: "Benchmarks that print figures with the machine facts next to them (never run as tests).",
        discussion: "Build in release mode: swift run -c release secla-bench core",
        subcommands: [CoreBenchmark.self, TrainBenchmark.self, DataBenchmark.self, NamesBenchmark.self, IngestBenchmark.self]
    )
}
