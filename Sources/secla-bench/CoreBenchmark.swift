// `secla-bench core`: raw sgemm throughput at the SECLA head shapes, and the time of one training step of the two
// projection heads (forward, SECLA-shaped loss, backward, AdamW), compared with the sgemm work that step contains.

import ArgumentParser
import FaceNaming
import Foundation
import NumericCore

struct CoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "sgemm GFLOP/s at the SECLA head shapes and the cost of one projection-head training step.",
        discussion: """
            The step is what SECLA training repeats: both projection heads (official two5 shapes, 512/768 → 128) on a
            zero-padded batch whose faces-per-image and names-per-caption follow augmented LFW's counts, all
            face–name products of the batch, max over faces / names, cross-entropy in both directions plus a squared
            agreement term, backward, and a Hugging Face AdamW update. "sgemm share" = time of the step's own sgemm
            calls replayed back to back ÷ time of the whole step: the fraction of raw sgemm throughput the step reaches.

            Example: swift run -c release secla-bench core --json
            """
    )

    @Option(help: "Batch sizes (image–caption pairs) to time, comma-separated.")
    var batches = "20,256"

    @Option(help: "Minimum seconds of timing per measurement.")
    var seconds = 1.0

    @Option(help: "Seed for the batch shapes and contents.")
    var seed: UInt64 = 684_331

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard parsedBatches != nil else { throw ValidationError("--batches must be positive integers separated by commas, got \"\(batches)\"") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    private var parsedBatches: [Int]? { integerList(batches, minimum: 2) }

    @Flag(help: "Also print the wall time of each operation kind in one step.")
    var profile = false

    @Flag(help: "Leave glibc's default allocation policy (freed buffers returned to the kernel) for comparison.")
    var systemMalloc = false

    func run() throws {
        let reused = systemMalloc ? false : Memory.reuseFreedBuffers()
        let machine = MachineFacts.current()
        var gemms = [GemmResult]()
        for (m, k, n) in [(256, 768, 512), (256, 512, 512), (256, 512, 128)] {
            gemms.append(timeGemm(m: m, k: k, n: n, seconds: seconds))
        }
        var steps = [StepResult]()
        for b in parsedBatches! { steps.append(timeStep(batch: b, seconds: seconds, seed: seed)) }
        let report = CoreReport(machine: machine, allocatorReusesBuffers: reused, sgemm: gemms, steps: steps, showOperations: profile)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
    }
}

struct GemmResult: Codable {
    var m: Int, k: Int, n: Int
    var gflops: Double
}

struct StepResult: Codable {
    var batch: Int
    var faceRows: Int
    var nameRows: Int
    var milliseconds: Double
    var forwardMilliseconds: Double
    var backwardMilliseconds: Double
    var optimizerMilliseconds: Double
    var gemmCalls: Int
    var gemmGflop: Double
    /// Step throughput counting only sgemm work.
    var stepGflops: Double
    /// The same sgemm calls replayed on their own.
    var replayMilliseconds: Double
    var replayGflops: Double
    /// replay time ÷ step time.
    var sgemmShare: Double
    /// Time the step spent inside its sgemm calls (median over runs).
    var insideSgemmMilliseconds: Double
    /// Per-operation wall time of one step (the last timed one).
    var operations: [OperationTime]
}

struct OperationTime: Codable {
    var operation: String
    var calls: Int
    var forwardMilliseconds: Double
    var backwardMilliseconds: Double
}

struct CoreReport: Codable {
    var machine: MachineFacts
    var allocatorReusesBuffers: Bool
    var sgemm: [GemmResult]
    var steps: [StepResult]
    var showOperations = false

    var table: String {
        var lines = [machine.line, "", "sgemm (row-major, C[m×n] = A[m×k]·B[k×n]):"]
        for g in sgemm { lines.append(String(format: "  %4d×%4d×%4d  %7.1f GFLOP/s", g.m, g.k, g.n, g.gflops)) }
        lines.append("")
        lines.append("projection-head training step (heads + SECLA-shaped loss + backward + HF AdamW, 1,081,856 parameters):")
        lines.append("  batch  face rows  name rows   step ms   fwd ms   bwd ms  adamw ms  GFLOP  step GFLOP/s  replay GFLOP/s  sgemm share")
        for s in steps {
            lines.append(String(format: "  %5d  %9d  %9d  %8.3f  %7.3f  %7.3f  %8.3f  %5.2f  %12.1f  %14.1f  %10.1f%%",
                                s.batch, s.faceRows, s.nameRows, s.milliseconds, s.forwardMilliseconds, s.backwardMilliseconds,
                                s.optimizerMilliseconds, s.gemmGflop, s.stepGflops, s.replayGflops, 100 * s.sgemmShare))
        }
        lines.append("  (allocator reuses freed buffers: \(allocatorReusesBuffers); time inside sgemm per step: "
                     + steps.map { String(format: "batch %d %.1f ms", $0.batch, $0.insideSgemmMilliseconds) }.joined(separator: ", ") + ")")
        if showOperations {
            for s in steps {
                lines.append("")
                lines.append("batch \(s.batch), per operation (ms, one step):")
                for o in s.operations {
                    lines.append("  " + o.operation.padding(toLength: 14, withPad: " ", startingAt: 0)
                                 + String(format: "%3d calls  forward %8.3f  backward %8.3f", o.calls, o.forwardMilliseconds, o.backwardMilliseconds))
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}

// MARK: - Measurements

/// Median of repeated timings of `body`, repeated until `seconds` have passed (at least 5 runs).
func medianSeconds(seconds: Double, _ body: () -> Void) -> Double {
    body()  // warm-up: page in buffers, start OpenBLAS threads
    var times = [Double]()
    let start = DispatchTime.now().uptimeNanoseconds
    while times.count < 5 || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < seconds {
        let t0 = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9)
    }
    times.sort()
    return times[times.count / 2]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}

func timeGemm(m: Int, k: Int, n: Int, seconds: Double) -> GemmResult {
    var rng = SeededRandom(seed: 1)
    let a = rng.normalTensor([m, k]), b = rng.normalTensor([k, n]), c = Tensor(zeros: [m, n])
    let t = medianSeconds(seconds: seconds) {
        BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a.pointer, lda: k, b: b.pointer, ldb: n,
                   beta: 0, c: c.pointer, ldc: n)
    }
    return GemmResult(m: m, k: k, n: n, gflops: 2 * Double(m * n * k) / t * 1e-9)
}

func timeStep(batch: Int, seconds: Double, seed: UInt64) -> StepResult {
    var rng = SeededRandom(seed: seed)
    // Faithful zero padding: every image padded to the batch's most faces, every caption to its most names.
    let faceCounts = (0..<batch).map { _ in LFWShape.draw(LFWShape.facesPerImage, &rng) }
    let nameCounts = (0..<batch).map { _ in LFWShape.draw(LFWShape.candidatesPerCaption, &rng) }
    let fMax = faceCounts.max()!, nMax = nameCounts.max()!
    let faces = rng.normalTensor([batch * fMax, 512], std: 0.044)  // (B·F, 512), rows of norm ≈ 1 like FaceNet
    let names = rng.normalTensor([batch * nMax, 768], std: 0.5)  // (B·N, 768)
    for b in 0..<batch {  // zero the padded rows
        for f in faceCounts[b]..<fMax { (faces.pointer + (b * fMax + f) * 512).update(repeating: 0, count: 512) }
        for n in nameCounts[b]..<nMax { (names.pointer + (b * nMax + n) * 768).update(repeating: 0, count: 768) }
    }
    let faceSets = SetLayout.uniform(sets: batch, size: fMax), nameSets = SetLayout.uniform(sets: batch, size: nMax)
    let heads = ProjectionHeads(rng: &rng)
    let optimizer = AdamW(store: heads.parameters, variant: .huggingFace, eps: 1e-6, weightDecay: 0.1, threads: 2)
    let targets = Array(0..<batch)

    var forward = 0.0, backward = 0.0, update = 0.0, runs = 0
    var log = [GemmShape]()
    var profile = [String: OpTiming]()
    func step() {
        let t0 = DispatchTime.now().uptimeNanoseconds
        heads.parameters.zeroGrad()
        let g = Graph(logsGemms: true, profiles: true)
        let u = heads.faces(g, g.constant(faces)), v = heads.names(g, g.constant(names))
        let s1 = PairScores.nameToFace(g, faces: u, names: v, faceSets: faceSets, nameSets: nameSets,
                                       scale: Array(repeating: 1 / Float(nMax), count: batch))
        let s2 = PairScores.faceToName(g, faces: u, names: v, faceSets: faceSets, nameSets: nameSets,
                                       scale: Array(repeating: 1 / Float(fMax), count: batch))
        let loss = g.sum([g.crossEntropy(s1, targets: targets), g.crossEntropy(s2, targets: targets),
                          g.scale(g.mse(g.diagonal(s1), g.diagonal(s2)), 0.15)])
        let t1 = DispatchTime.now().uptimeNanoseconds
        g.backward(loss)
        let t2 = DispatchTime.now().uptimeNanoseconds
        optimizer.step(lr: 3e-4)
        let t3 = DispatchTime.now().uptimeNanoseconds
        forward += Double(t1 - t0) * 1e-9
        backward += Double(t2 - t1) * 1e-9
        update += Double(t3 - t2) * 1e-9
        runs += 1
        log = g.gemmLog
        profile = g.profile
    }
    // Step and replay alternate, so a machine whose speed drifts (shared virtual CPUs) slows both alike.
    step()
    let replayRun = replay(log)
    replayRun()
    forward = 0; backward = 0; update = 0; runs = 0
    var stepTimes = [Double](), replayTimes = [Double](), inside = [Double]()
    let start = DispatchTime.now().uptimeNanoseconds
    while stepTimes.count < 5 || Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 < 2 * seconds {
        let t0 = DispatchTime.now().uptimeNanoseconds
        step()
        inside.append(log.reduce(0) { $0 + $1.seconds })
        let t1 = DispatchTime.now().uptimeNanoseconds
        replayRun()
        let t2 = DispatchTime.now().uptimeNanoseconds
        stepTimes.append(Double(t1 - t0) * 1e-9)
        replayTimes.append(Double(t2 - t1) * 1e-9)
    }
    let stepTime = median(stepTimes), replayTime = median(replayTimes)
    let flops = log.reduce(0) { $0 + $1.flops }
    return StepResult(
        batch: batch, faceRows: batch * fMax, nameRows: batch * nMax, milliseconds: stepTime * 1e3,
        forwardMilliseconds: forward / Double(runs) * 1e3, backwardMilliseconds: backward / Double(runs) * 1e3,
        optimizerMilliseconds: update / Double(runs) * 1e3, gemmCalls: log.count, gemmGflop: flops * 1e-9,
        stepGflops: flops / stepTime * 1e-9, replayMilliseconds: replayTime * 1e3, replayGflops: flops / replayTime * 1e-9,
        sgemmShare: replayTime / stepTime, insideSgemmMilliseconds: median(inside) * 1e3,
        operations: profile.map { OperationTime(operation: $0.key, calls: $0.value.calls, forwardMilliseconds: $0.value.forward * 1e3,
                                                backwardMilliseconds: $0.value.backward * 1e3) }
            .sorted { $0.forwardMilliseconds + $0.backwardMilliseconds > $1.forwardMilliseconds + $1.backwardMilliseconds })
}

/// The same sgemm calls (shapes, transposes, beta) on preallocated buffers, back to back.
func replay(_ log: [GemmShape]) -> () -> Void {
    var rng = SeededRandom(seed: 2)
    let buffers = log.map { s -> (Tensor, Tensor, Tensor) in
        (rng.normalTensor([s.m * s.k]), rng.normalTensor([s.k * s.n]), Tensor(zeros: [s.m * s.n]))
    }
    return {
        for (s, (a, b, c)) in zip(log, buffers) {
            BLAS.sgemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, a: a.pointer,
                       lda: s.transA ? s.m : s.k, b: b.pointer, ldb: s.transB ? s.k : s.n, beta: s.beta,
                       c: c.pointer, ldc: s.n)
        }
    }
}
