// What a timing depends on, printed and stored next to every figure (secla-bench, `secla bench`).

import Foundation
import NumericCore

public struct MachineFacts: Codable, Sendable {
    public var cpu: String
    public var cores: Int
    public var blasCore: String
    public var blasThreads: Int
    public var blasConfig: String
    public var openblasCoretype: String
    public var date: String

    public static func current() -> MachineFacts {
        MachineFacts(cpu: cpuModel(), cores: ProcessInfo.processInfo.activeProcessorCount, blasCore: BLAS.coreName,
                     blasThreads: BLAS.threads, blasConfig: BLAS.configuration,
                     openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "(unset)",
                     date: ISO8601DateFormatter().string(from: Date()))
    }

    /// The first "model name" line of /proc/cpuinfo, "unknown" when there is none.
    public static func cpuModel() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let value = line.split(separator: ":", maxSplits: 1).dropFirst().first else { return "unknown" }
        return value.trimmingCharacters(in: .whitespaces)
    }

    public var line: String {
        "machine: \(cpu), \(cores) cores; OpenBLAS core \(blasCore), \(blasThreads) threads, OPENBLAS_CORETYPE \(openblasCoretype)\n"
            + "OpenBLAS: \(blasConfig)"
    }
}

/// The process's peak resident set size (VmHWM of /proc/self/status) in MiB; nil where that file does not exist.
public func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    // "VmHWM:	  123456 kB"
    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
    guard fields.count >= 2, let kB = Double(fields[1]) else { return nil }
    return kB / 1024
}
