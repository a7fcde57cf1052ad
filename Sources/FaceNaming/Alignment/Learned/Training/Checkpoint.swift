// Checkpoints and trained models on disk.
//
// A run folder (`secla train --out DIR`):
//
//     DIR/model.safetensors           the final weights (official parameter names; metadata: heads config, encoder)
//     DIR/run.json                    configuration, per-epoch losses, metrics, machine facts
//     DIR/checkpoints/epoch-0010/     model.safetensors + optimizer.safetensors (AdamW moments) + state.json
//
// A checkpoint folder is written under a temporary name and renamed into place, so a crash leaves either the old
// checkpoint or the new one, never a mixture; every file in it is itself written atomically.

import Foundation
import NumericCore

public enum Checkpoint {
    public static let modelFile = "model.safetensors"
    public static let optimizerFile = "optimizer.safetensors"
    public static let stateFile = "state.json"
    public static let folder = "checkpoints"

    /// Metadata stored in every weights file: enough to rebuild the heads and the name features.
    public static func modelMetadata(heads: ProjectionHeadsConfig, encoder: String) throws -> [String: String] {
        ["format": "pt", "model": "secla-projection-heads", "config": try jsonText(heads), "name_encoder": encoder]
    }

    /// Writes `trainer`'s checkpoint as DIR/checkpoints/epoch-NNNN and returns its path. `every` (the run's
    /// --checkpoint-every) is kept in state.json, so that `--resume` continues checkpointing as the run did.
    @discardableResult
    public static func write(_ trainer: SECLATrainer, encoder: String, every: Int? = nil, runFolder: String) throws -> String {
        let parent = (runFolder as NSString).appendingPathComponent(folder)
        try createFolder(parent)
        recoverInterruptedWrites(in: parent)
        let final = (parent as NSString).appendingPathComponent(String(format: "epoch-%04d", trainer.epochsDone))
        let temporary = final + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        try createFolder(temporary)
        do {
            try Safetensors.write(trainer.heads.parameters, metadata: modelMetadata(heads: trainer.config.heads, encoder: encoder),
                                  to: (temporary as NSString).appendingPathComponent(modelFile))
            let n = trainer.optimizer.m.count
            try Safetensors.write([("exp_avg", trainer.optimizer.m.reshaped([n])), ("exp_avg_sq", trainer.optimizer.v.reshaped([n]))],
                                  metadata: ["optimizer": "AdamW(\(trainer.config.optimizer.rawValue))"],
                                  to: (temporary as NSString).appendingPathComponent(optimizerFile))
            try writeAtomically(try stateJSON(trainer.state, every: every), to: (temporary as NSString).appendingPathComponent(stateFile))
        } catch {
            // A failed write (full disk) leaves no half-made checkpoint folder behind.
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        // Replace an older checkpoint of the same epoch (a re-run) only once the new one is complete.
        if FileManager.default.fileExists(atPath: final) {
            let old = final + ".old-\(ProcessInfo.processInfo.processIdentifier)"
            try FileManager.default.moveItem(atPath: final, toPath: old)
            try FileManager.default.moveItem(atPath: temporary, toPath: final)
            try? FileManager.default.removeItem(atPath: old)
        } else {
            try FileManager.default.moveItem(atPath: temporary, toPath: final)
        }
        return final
    }

    /// The trainer's state with the run's checkpoint interval added ("checkpointEvery", same object): state.json stays
    /// readable as `SECLATrainer.State`, and checkpoints written before the key existed still read. Encoded by the one
    /// JSONEncoder, so every number is written exactly as before (the learning rate must round-trip bit for bit).
    struct StoredState: Codable {
        var state: SECLATrainer.State
        var checkpointEvery: Int?
        enum Key: String, CodingKey { case checkpointEvery }
        init(state: SECLATrainer.State, checkpointEvery: Int?) { (self.state, self.checkpointEvery) = (state, checkpointEvery) }
        init(from decoder: any Decoder) throws {
            state = try SECLATrainer.State(from: decoder)
            checkpointEvery = try decoder.container(keyedBy: Key.self).decodeIfPresent(Int.self, forKey: .checkpointEvery)
        }
        func encode(to encoder: any Encoder) throws {
            try state.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(checkpointEvery, forKey: .checkpointEvery)
        }
    }

    static func stateJSON(_ state: SECLATrainer.State, every: Int?) throws -> Data {
        Data(try jsonText(StoredState(state: state, checkpointEvery: every), pretty: true).utf8)
    }

    /// What `--resume` takes from a checkpoint besides weights and counters: the epochs the run was set to, the name
    /// encoder its features came from, and its checkpoint interval (nil for checkpoints written before it was kept).
    public struct ResumeSettings: Sendable, Equatable {
        public var epochs: Int
        public var encoder: NameEncoderChoice?
        public var checkpointEvery: Int?
    }

    public static func resumeSettings(_ checkpoint: String) throws -> ResumeSettings {
        let stored = try readStoredState(checkpoint)
        let modelPath = (checkpoint as NSString).appendingPathComponent(modelFile)
        let encoderName: String?
        do { encoderName = try Safetensors.read(path: modelPath).metadata["name_encoder"] } catch let error as FormatError {
            throw DataError(error)
        }
        var encoder: NameEncoderChoice?
        if let encoderName {
            guard let known = NameEncoderChoice(rawValue: encoderName) else {
                throw DataError(path: modelPath, field: "name_encoder", "unknown name encoder \"\(encoderName)\"",
                                hint: "known: \(NameEncoderChoice.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            encoder = known
        }
        return ResumeSettings(epochs: stored.state.config.epochs, encoder: encoder,
                              checkpointEvery: stored.checkpointEvery.flatMap { $0 >= 1 ? $0 : nil })
    }

    /// Cleans up after a process killed inside `write`: a half-made `epoch-NNNN.partial-PID` folder is removed, and an
    /// `epoch-NNNN.old-PID` folder (a complete checkpoint moved aside to be replaced) goes back to `epoch-NNNN` when
    /// its replacement never arrived, else is removed. Only folders of processes that no longer exist are touched;
    /// errors are ignored, since these names are never read as checkpoints.
    static func recoverInterruptedWrites(in parent: String) {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: parent) else { return }
        for entry in entries.sorted() where entry.hasPrefix("epoch-") {
            let parts = entry.split(separator: ".", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let kind = parts[1].split(separator: "-", maxSplits: 1)
            guard kind.count == 2, kind[0] == "partial" || kind[0] == "old", let pid = Int32(kind[1]), pid > 0,
                  !processExists(pid) else { continue }
            let path = (parent as NSString).appendingPathComponent(entry)
            let final = (parent as NSString).appendingPathComponent(String(parts[0]))
            if kind[0] == "old" && !fm.fileExists(atPath: final) {
                try? fm.moveItem(atPath: path, toPath: final)
            } else {
                try? fm.removeItem(atPath: path)
            }
        }
    }

    /// `path` is a checkpoint folder, or a run folder whose latest checkpoint is meant. Checkpoint writes that a
    /// killed process left unfinished are cleaned up first (`recoverInterruptedWrites`).
    public static func resolve(_ path: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: (path as NSString).appendingPathComponent(stateFile)) { return path }
        let parent = (path as NSString).appendingPathComponent(folder)
        recoverInterruptedWrites(in: parent)
        let epochs = ((try? fm.contentsOfDirectory(atPath: parent)) ?? [])
            .filter { $0.hasPrefix("epoch-") && !$0.contains(".") }.sorted()
        guard let latest = epochs.last else {
            throw DataError(path: path, "no checkpoint here", hint: "--resume takes a run folder written by `secla train --out` "
                            + "(with checkpoints/epoch-NNNN inside, see --checkpoint-every) or one of its checkpoint folders")
        }
        return (parent as NSString).appendingPathComponent(latest)
    }

    /// Reads a checkpoint's state (to rebuild the trainer before restoring it).
    public static func readState(_ checkpoint: String) throws -> SECLATrainer.State {
        try readStoredState(checkpoint).state
    }

    static func readStoredState(_ checkpoint: String) throws -> StoredState {
        let path = (checkpoint as NSString).appendingPathComponent(stateFile)
        do {
            return try JSONDecoder().decode(StoredState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            throw DataError(path: path, record: "checkpoint state", decoding: error)
        } catch {
            throw DataError(path: path, "cannot read the checkpoint state: \(error.localizedDescription)")
        }
    }

    /// Loads weights, moments and counters of `checkpoint` into `trainer` (built with the checkpoint's config).
    public static func restore(_ trainer: SECLATrainer, from checkpoint: String) throws {
        let state = try readState(checkpoint)
        try Safetensors.load(into: trainer.heads.parameters, from: (checkpoint as NSString).appendingPathComponent(modelFile))
        let moments = try Safetensors.read(path: (checkpoint as NSString).appendingPathComponent(optimizerFile))
        let n = trainer.optimizer.m.count
        let m = try moments.floatTensor("exp_avg"), v = try moments.floatTensor("exp_avg_sq")
        guard m.count == n, v.count == n else {
            throw DataError(path: checkpoint, field: optimizerFile, "moments for \(m.count) parameters, the model has \(n)")
        }
        do { try trainer.restore(state, m: m.reshaped(trainer.optimizer.m.shape), v: v.reshaped(trainer.optimizer.v.shape)) } catch {
            throw DataError(path: checkpoint, "\(error)")
        }
    }
}

/// Weights to start from (`--init`): safetensors or NumPy .npz with the official parameter names.
public enum InitialWeights {
    public static func load(into store: ParameterStore, from path: String) throws {
        if path.lowercased().hasSuffix(".npz") {
            try store.load(try NPZ.read(path), from: path)
        } else {
            try Safetensors.load(into: store, from: path)
        }
    }
}

/// Sorted-key JSON text, the one encoding used for every file and report.
public func jsonText<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A trained model on disk: a run folder (its model.safetensors) or a weights file written by `secla train`.
public enum TrainedModel {
    public static func load(_ path: String) throws -> (heads: ProjectionHeads, encoder: NameEncoderChoice?) {
        var isFolder: ObjCBool = false
        let file = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            ? (path as NSString).appendingPathComponent(Checkpoint.modelFile) : path
        let weights: SafetensorsFile
        do { weights = try Safetensors.read(path: file) } catch let error as FormatError { throw DataError(error) }
        guard let text = weights.metadata["config"],
              let config = try? JSONDecoder().decode(ProjectionHeadsConfig.self, from: Data(text.utf8)) else {
            throw DataError(path: file, field: "__metadata__.config", "no projection-heads configuration in the file's metadata",
                            hint: "use a model written by `secla train` (its run folder or model.safetensors)")
        }
        var rng = SeededRandom(seed: 0)
        let heads = ProjectionHeads(config: config, rng: &rng)
        do { try heads.parameters.load(weights.entries.map { ($0.name, $0.array) }, from: file) } catch let error as FormatError { throw DataError(error) }
        return (heads, weights.metadata["name_encoder"].flatMap(NameEncoderChoice.init(rawValue:)))
    }
}
