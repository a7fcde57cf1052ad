import ArgumentParser

@main
struct SeclaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secla-bench",
        abstract: "Benchmarks that print figures with the machine facts next to them (never run as tests).",
        discussion: "Build in release mode: swift run -c release secla-bench core",
        subcommands: [CoreBenchmark.self, TrainBenchmark.self, DataBenchmark.self, NamesBenchmark.self, IngestBenchmark.self, CalibrationBenchmark.self]
    )
}

/// "1,2,64" → [1, 2, 64]; nil when the list is empty, an entry is not an integer or is below `minimum`.
func integerList(_ text: String, minimum: Int) -> [Int]? {
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? Int.min) >= minimum }) else { return nil }
    return values.map { $0! }
}
