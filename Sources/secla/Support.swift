import ArgumentParser
import FaceNaming
import Foundation

/// A single progress line, redrawn in place on a terminal (stderr) and silent otherwise (pipes, CI logs).
final class ProgressLine {
    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
    private let enabled = ProgressLine.isTerminal
    private var lastDraw = Date.distantPast

    func update(_ text: String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = Date()
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
}

func jsonString<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Runs `body`; a `DataError` (bad user data) is printed once to stderr and the command exits with status 1.
func exitingOnDataError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as DataError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}
