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

/// Command output: pretty by default.
func jsonString<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String { try jsonText(value, pretty: pretty) }

/// The training progress line: epoch, step, loss, pairs/s and ETA from this session's own pace.
final class TrainingProgressLine {
    private let line = ProgressLine()
    private let epochs: Int, totalSteps: Int
    private let started = Date()
    private var firstStep: Int?, pairs = 0

    init(epochs: Int, stepsPerEpoch: Int) {
        self.epochs = epochs
        totalSteps = epochs * stepsPerEpoch
    }

    func update(_ s: StepRecord) {
        pairs += s.pairs
        let first = firstStep ?? s.step
        firstStep = first
        let seconds = Date().timeIntervalSince(started), done = s.step - first + 1
        let eta = seconds / Double(done) * Double(max(0, totalSteps - s.step))
        line.update(String(format: "epoch %d/%d  step %d/%d  loss %.4f  %.0f pairs/s  ETA %@", s.epoch, epochs, s.step, totalSteps,
                           s.loss, seconds > 0 ? Double(pairs) / seconds : 0, formatDuration(eta)))
    }

    func finish() { line.finish() }
}

/// Runs `body`; a `DataError` (bad user data) is printed once to stderr and the command exits with status 1.
func exitingOnDataError<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as DataError {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// A one-line note on stderr (stdout stays clean for tables and JSON).
func printNote(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
