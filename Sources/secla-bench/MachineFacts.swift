import Foundation
import NumericCore

/// What a timing depends on, printed next to every figure.
struct MachineFacts: Codable {
    var cpu: String
    var cores: Int
    var blasCore: String
    var blasThreads: Int
    var blasConfig: String
    var openblasCoretype: String
    var date: String

    static func current() -> MachineFacts {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return MachineFacts(cpu: model, cores: ProcessInfo.processInfo.activeProcessorCount, blasCore: BLAS.coreName,
                            blasThreads: BLAS.threads, blasConfig: BLAS.configuration,
                            openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)",
                            date: ISO8601DateFormatter().string(from: Date()))
    }

    var line: String {
        "machine: \(cpu), \(cores) cores; OpenBLAS core \(blasCore), \(blasThreads) threads, OPENBLAS_CORETYPE \(openblasCoretype)\n"
            + "OpenBLAS: \(blasConfig)"
    }
}
