// `secla-bench names`: names per second of the native all-MiniLM-L6-v2 name encoder at several batch sizes.

import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct NamesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "names",
        abstract: "Names per second of the native MiniLM name encoder (tokenizer + packed-batch BERT forward + pooling).",
        discussion: """
            Encodes a list of generated person names ("George W. Bush"-like: first name, sometimes a middle initial,
            surname, sometimes a title) repeatedly for at least --seconds per batch size, after one warm-up pass.
            Single names are slow because the weights (91 MB) do not stay in cache: always batch. Needs the model
            files (bash scripts/setup.sh). Example: swift run -c release secla-bench names --batches 1,64
            """
    )

    @Option(help: "Number of generated names.")
    var names = 512

    @Option(help: "Batch sizes (names per forward pass), comma-separated.")
    var batches = "1,64"

    @Option(help: "Minimum seconds of timing per batch size.")
    var seconds = 2.0

    @Option(help: "Pooling: mean-normalized or secla-last4.")
    var pooling = "mean-normalized"

    @Option(help: "Model directory (default: $SECLA_MINILM_DIR, else ~/.cache/secla/models/all-MiniLM-L6-v2).")
    var model: String?

    @Option(help: "Seed of the generated names.")
    var seed: UInt64 = 684_331

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard names >= 1 else { throw ValidationError("--names must be positive") }
        guard parsedBatches != nil else { throw ValidationError("--batches must be positive integers separated by commas, got \"\(batches)\"") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard MiniLMNameEncoder.Pooling(rawValue: pooling) != nil else {
            throw ValidationError("--pooling must be one of: " + MiniLMNameEncoder.Pooling.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    private var parsedBatches: [Int]? { integerList(batches, minimum: 1) }

    struct Result: Codable { var batch: Int; var namesPerSecond: Double; var millisecondsPerName: Double }
    struct Report: Codable {
        var machine: MachineFacts
        var encoder: String
        var names: Int
        var meanTokens: Double
        var results: [Result]
    }

    func run() throws {
        let pooling = MiniLMNameEncoder.Pooling(rawValue: pooling) ?? .meanNormalized
        let list = Self.generateNames(count: names, seed: seed)
        var results = [Result]()
        var identifier = ""
        var meanTokens = 0.0
        for batch in parsedBatches ?? [] {
            let encoder = try MiniLMNameEncoder(directory: model ?? MiniLMNameEncoder.defaultDirectory, pooling: pooling, batchSize: batch)
            identifier = encoder.identifier
            meanTokens = Double(list.reduce(0) { $0 + encoder.tokenIDs($1).count }) / Double(list.count)
            _ = try encoder.encode(list)  // warm-up: page in the mapped weights
            var encoded = 0
            let start = Date()
            repeat {
                _ = try encoder.encode(list)
                encoded += list.count
            } while Date().timeIntervalSince(start) < seconds
            let elapsed = Date().timeIntervalSince(start)
            results.append(Result(batch: batch, namesPerSecond: Double(encoded) / elapsed, millisecondsPerName: 1000 * elapsed / Double(encoded)))
        }
        let report = Report(machine: MachineFacts.current(), encoder: identifier, names: list.count, meanTokens: meanTokens, results: results)
        if json {
            print(try jsonText(report, pretty: true))
        } else {
            print(report.machine.line)
            print(String(format: "%@, %d generated names, %.1f tokens per name ([CLS] and [SEP] included)", identifier, list.count, meanTokens))
            for r in results {
                print(String(format: "batch %4d  %8.0f names/s  %7.3f ms/name", r.batch, r.namesPerSecond, r.millisecondsPerName))
            }
        }
    }

    /// Deterministic person names in caption style.
    static func generateNames(count: Int, seed: UInt64) -> [String] {
        let first = ["George", "Tony", "Gerhard", "Jacques", "Vladimir", "Colin", "Condoleezza", "Ariel", "Hugo", "Junichiro",
                     "José", "María", "Jean-Pierre", "Silvio", "Kofi", "Lleyton", "Serena", "Arnold", "Donald", "Hamid",
                     "Luiz Inácio", "Gloria", "John", "Laura", "Michael", "Nelson", "Saddam", "Yasser", "Megawati", "Recep"]
        let last = ["Bush", "Blair", "Schroeder", "Chirac", "Putin", "Powell", "Rice", "Sharon", "Chávez", "Koizumi",
                    "Aznar", "Raffarin", "Berlusconi", "Annan", "Hewitt", "Williams", "Schwarzenegger", "Rumsfeld", "Karzai",
                    "da Silva", "Arroyo", "Ashcroft", "O'Neill", "Mandela", "Hussein", "Arafat", "Sukarnoputri", "Erdoğan",
                    "Jackson", "Lopez"]
        let titles = ["President", "Prime Minister", "Mr.", "Secretary of State", "Gov."]
        var state = seed
        func pick(_ n: Int) -> Int { Int(splitMix64(&state) % UInt64(n)) }
        return (0..<count).map { _ in
            var parts = [String]()
            if pick(5) == 0 { parts.append(titles[pick(titles.count)]) }
            parts.append(first[pick(first.count)])
            if pick(4) == 0 { parts.append(String(UnicodeScalar(UInt8(65 + pick(26)))) + ".") }
            parts.append(last[pick(last.count)])
            return parts.joined(separator: " ")
        }
    }
}
