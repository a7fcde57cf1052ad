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

    /// Writes `trainer`'s checkpoint as DIR/checkpoints/epoch-NNNN and returns its path.
    @discardableResult
    public static func write(_ trainer: SECLATrainer, encoder: String, runFolder: String) throws -> String {
        let parent = (runFolder as NSString).appendingPathComponent(folder)
        try createFolder(parent)
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
            try writeAtomically(Data(try jsonText(trainer.state, pretty: true).utf8), to: (temporary as NSString).appendingPathComponent(stateFile))
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

    /// `path` is a checkpoint folder, or a run folder whose latest checkpoint is meant.
    public static func resolve(_ path: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: (path as NSString).appendingPathComponent(stateFile)) { return path }
        let parent = (path as NSString).appendingPathComponent(folder)
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
        let path = (checkpoint as NSString).appendingPathComponent(stateFile)
        do {
            return try JSONDecoder().decode(SECLATrainer.State.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
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
