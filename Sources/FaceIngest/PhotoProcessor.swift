// Photos through the face engine on several threads, committed to the journal in input order.
//
// Each worker thread owns a `FaceEngine` (dlib's network is not safe to share) and takes the next photo from a shared
// counter; finished photos wait in a small reorder buffer and are appended to the journal strictly in input order,
// so the journal (and the corpus's row order) is the same for 1 or 2 threads. OpenBLAS runs single-threaded: the
// parallelism is across photos, where it scales (one network forward per photo is too small to split well).

import COpenBLAS
import FaceNaming
import Foundation

/// One photo to process.
public struct PhotoWork: Sendable {
    public var key: String
    public var path: String
    public var fingerprint: FileFingerprint
}

/// What the face engine made of one photo.
public enum PhotoOutcome: Sendable {
    case done(width: Int, height: Int, orientation: Int, warning: String?, faces: [DetectedFace])
    case failed(String)

    /// The faces found in a decoded photo (its warning, unless `warning` replaces it).
    static func done(_ image: DecodedImage, faces: [DetectedFace], warning: String? = nil) -> PhotoOutcome {
        .done(width: image.width, height: image.height, orientation: image.exifOrientation, warning: warning ?? image.warning, faces: faces)
    }

    /// `body`'s outcome, or the failure it threw (a `FaceEngineError` names its problem; the file is the job's).
    static func catching(_ body: () throws -> PhotoOutcome) -> PhotoOutcome {
        do { return try body() } catch let error as FaceEngineError { return .failed(error.problem) } catch { return .failed("\(error)") }
    }

    var faceCount: Int { if case .done(_, _, _, _, let faces) = self { faces.count } else { 0 } }
    var isFailure: Bool { if case .failed = self { true } else { false } }
}

/// Progress of a run: photos and faces done so far (this run), out of `total` photos to process.
public struct IngestProgress: Sendable {
    public var done: Int
    public var total: Int
    public var faces: Int
    public var failed: Int
    public var seconds: Double

    public var photosPerSecond: Double { seconds > 0 ? Double(done) / seconds : 0 }
    public var facesPerSecond: Double { seconds > 0 ? Double(faces) / seconds : 0 }
    public var etaSeconds: Double { done > 0 ? seconds / Double(done) * Double(total - done) : .nan }
}

enum PhotoProcessor {
    /// Runs `work` on every job over `threads` engines and calls `commit` for each, in job order, on one thread at a
    /// time. A thrown `commit` error (e.g. a full disk) stops the run and is rethrown; `work` reports per-photo
    /// failures as `.failed` instead. Returns the seconds spent loading the models.
    @discardableResult
    static func run(jobs: [PhotoWork], threads: Int, models: FaceModels, cnn: Bool,
                    work: @escaping @Sendable (FaceEngine, PhotoWork) -> PhotoOutcome,
                    commit: (Int, PhotoOutcome) throws -> Void,
                    progress: ((IngestProgress) -> Void)? = nil) throws -> Double {
        guard !jobs.isEmpty else { return 0 }
        openblas_set_num_threads(1)
        let workers = max(1, min(threads, jobs.count))
        // Engines load before any work starts, so a bad model file fails the run at once.
        let loading = Date()
        let engines = UncheckedBox(try (0..<workers).map { _ in try FaceEngine(models: models, cnn: cnn) })  // one per worker
        let loadSeconds = Date().timeIntervalSince(loading)
        let state = SharedState(count: jobs.count)
        let started = Date()
        withoutActuallyEscaping(commit) { commit in
            withoutActuallyEscaping({ (p: IngestProgress) in progress?(p) }) { report in
                let box = UncheckedBox((commit, report))
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let engine = engines.value[w]
                    while let i = state.next() {
                        let outcome = work(engine, jobs[i])
                        state.finish(i, outcome) { index, outcome in
                            try box.value.0(index, outcome)
                            let p = state.recordCommitted(faces: outcome.faceCount, failed: outcome.isFailure, started: started)
                            box.value.1(p)
                        }
                    }
                }
            }
        }
        if let error = state.error { throw error }
        return loadSeconds
    }

    /// The counter, reorder buffer and first commit error, under one lock.
    final class SharedState: @unchecked Sendable {
        private let lock = NSLock()
        private let count: Int
        private var nextJob = 0
        private var nextCommit = 0
        private var pending = [Int: PhotoOutcome]()
        private var committing = false
        private(set) var error: Error?
        private var done = 0, faces = 0, failed = 0

        init(count: Int) { self.count = count }

        func next() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard error == nil, nextJob < count else { return nil }
            nextJob += 1
            return nextJob - 1
        }

        /// Buffers outcome i; the thread that finds the next-in-order outcome commits every consecutive one.
        func finish(_ i: Int, _ outcome: PhotoOutcome, commit: (Int, PhotoOutcome) throws -> Void) {
            lock.lock()
            pending[i] = outcome
            guard !committing else { lock.unlock(); return }
            committing = true
            while error == nil, let ready = pending.removeValue(forKey: nextCommit) {
                let index = nextCommit
                lock.unlock()
                var failure: Error?
                do { try commit(index, ready) } catch { failure = error }
                lock.lock()
                if let failure { error = failure }
                nextCommit += 1
            }
            committing = false
            lock.unlock()
        }

        /// Called from inside `commit` (the lock is not held there).
        func recordCommitted(faces n: Int, failed isFailure: Bool, started: Date) -> IngestProgress {
            lock.lock(); defer { lock.unlock() }
            done += 1
            faces += n
            if isFailure { failed += 1 }
            return IngestProgress(done: done, total: count, faces: faces, failed: failed, seconds: Date().timeIntervalSince(started))
        }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`; the processor guarantees one user at a time.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
