// Optimisers against PyTorch and transformers, and the properties the references cannot show (restore, groups).
//
// Reference values (`OptimizerReference` at the bottom) were produced independently of this code by
//     /usr/bin/python3 scripts/reference/optimizers.py > /tmp/reference.swift
// with Debian's python3-torch 1.13.1+dfsg-4 (reports itself as 1.13.0a0; CPU), numpy 1.24.2, and
// transformers 4.3.2's `AdamW` executed from the source in the PyPI wheel (see the script). The script prints the
// inputs too (initial values and per-step gradients, float32, from numpy's default_rng(20230103)). The problem: a
// weight [3, 4] with weight decay and a bias [3] without (a second parameter group with weight_decay 0), 5 steps;
// every trajectory is the 15 flat values [weight row-major, bias] after each step.
//
// Tolerance: the update is Float32 arithmetic in PyTorch's operation order with the same Float-rounded scalars, but
// PyTorch's vectorised `add(…, alpha:)` kernel fuses `a + α·b` into one FMA where Swift rounds twice, and which
// path torch takes depends on the tensor length. So each step may differ by an ulp or so in m, v and p; over 5 steps on
// values of size ≤ 1.3 that is a few 1e-7. We allow 1e-6 per step relative to max(1, |expected|); the
// differences the tests must detect (variant, decay order, schedule order) are ≥ 1e-5.

import Foundation
import Testing
import NumericCore

/// Sizes of the reference problem.
private let parameterCount = 15  // weight [3, 4] then bias [3]
private let steps = 5

private func fill(_ tensor: Tensor, _ values: some Collection<Float>) {
    precondition(values.count == tensor.count)
    _ = tensor.withUnsafeMutableBufferPointer { $0.update(fromContentsOf: values) }
}

/// A fresh store holding the reference's initial values. "bias" gets `decay == false` from ParameterSpec's rule.
private func referenceStore() -> ParameterStore {
    let store = ParameterStore([ParameterSpec("weight", [3, 4]), ParameterSpec("bias", [3])])
    fill(store.flatValues, OptimizerReference.initial)
    return store
}

/// Steps `optimizer` once per reference gradient with `lrs[k]`; returns the flat values after every step.
private func trajectory(_ optimizer: Optimizer, grads: [Float], lrs: [Double]) -> [Float] {
    precondition(grads.count == steps * parameterCount && lrs.count == steps)
    var out = [Float]()
    for k in 0..<steps {
        fill(optimizer.store.flatGrads, grads[(k * parameterCount)..<((k + 1) * parameterCount)])
        optimizer.step(lr: lrs[k])
        out += optimizer.store.flatValues.array
    }
    return out
}

/// The largest |actual − expected| / max(1, |expected|) and where; element i belongs to step i / stride + 1.
private func worstRelativeDifference(_ actual: [Float], _ expected: [Float]) -> (value: Double, index: Int) {
    precondition(actual.count == expected.count, "\(actual.count) values, expected \(expected.count)")
    var worst = (value: 0.0, index: -1)
    for i in expected.indices {
        let d = abs(Double(actual[i]) - Double(expected[i])) / max(1, abs(Double(expected[i])))
        if d > worst.value || worst.index < 0 { worst = (d, i) }
    }
    return worst
}

/// Expects |actual[i] − expected[i]| ≤ tolerance(i) everywhere and prints the worst difference.
private func expectClose(_ actual: [Float], _ expected: [Float], _ label: String, tolerance: (Int) -> Double,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    var worst = (ratio: -1.0, index: 0, difference: 0.0)
    for i in expected.indices {
        let d = abs(Double(actual[i]) - Double(expected[i]))
        if d / tolerance(i) > worst.ratio { worst = (d / tolerance(i), i, d) }
    }
    print("\(label): largest difference \(worst.difference) at \(worst.index) (\(worst.ratio) of the tolerance)")
    #expect(worst.ratio <= 1, "\(label)[\(worst.index)] = \(actual[worst.index]), reference \(expected[worst.index])",
            sourceLocation: sourceLocation)
}

/// A trajectory: 1e-6 per step relative to max(1, |expected|) (see the file comment).
private func expectTrajectory(_ actual: [Float], _ expected: [Float], _ label: String,
                              sourceLocation: SourceLocation = #_sourceLocation) {
    let tolerance = { (i: Int) in 1e-6 * Double(i / parameterCount + 1) * max(1, abs(Double(expected[i]))) }
    expectClose(actual, expected, label, tolerance: tolerance, sourceLocation: sourceLocation)
}

/// A moment buffer after all steps: 1e-6 per step relative to the buffer's largest magnitude (m can cancel to ~0).
private func expectState(_ actual: [Float], _ expected: [Float], _ label: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    let scale = expected.map { abs(Double($0)) }.max() ?? 0
    expectClose(actual, expected, label, tolerance: { _ in 1e-6 * Double(steps) * scale },
                sourceLocation: sourceLocation)
}

private func constant(_ lr: Double) -> [Double] { Array(repeating: lr, count: steps) }

// MARK: - AdamW against the references

@Test func torchAdamWMatchesTorch() {
    let adam = AdamW(store: referenceStore(), variant: .torch, eps: 1e-6, weightDecay: 0.1)
    expectTrajectory(trajectory(adam, grads: OptimizerReference.grads, lrs: constant(1e-2)),
                     OptimizerReference.torchAdamW, "torch AdamW")
    expectState(adam.m.array, OptimizerReference.torchAdamWM, "torch AdamW exp_avg")
    expectState(adam.v.array, OptimizerReference.torchAdamWV, "torch AdamW exp_avg_sq")
    #expect(adam.stepCount == steps)
}

@Test func huggingFaceAdamWMatchesTransformers() {
    let adam = AdamW(store: referenceStore(), variant: .huggingFace, eps: 1e-6, weightDecay: 0.1)
    expectTrajectory(trajectory(adam, grads: OptimizerReference.grads, lrs: constant(1e-2)), OptimizerReference.hfAdamW,
                     "HF AdamW")
    expectState(adam.m.array, OptimizerReference.hfAdamWM, "HF AdamW exp_avg")
    expectState(adam.v.array, OptimizerReference.hfAdamWV, "HF AdamW exp_avg_sq")
}

@Test func adamWDefaultsMatchTheirClasses() {
    let torch = AdamW(store: referenceStore(), variant: .torch)
    #expect(torch.eps == 1e-8 && torch.weightDecay == 1e-2 && torch.beta1 == 0.9 && torch.beta2 == 0.999)
    expectTrajectory(trajectory(torch, grads: OptimizerReference.grads, lrs: constant(AdamW.defaultLearningRate)),
                OptimizerReference.torchAdamWDefaults, "torch AdamW defaults")
    let hf = AdamW(store: referenceStore(), variant: .huggingFace)
    #expect(hf.eps == 1e-6 && hf.weightDecay == 0 && hf.correctBias)
    expectTrajectory(trajectory(hf, grads: OptimizerReference.grads, lrs: constant(AdamW.defaultLearningRate)),
                OptimizerReference.hfAdamWDefaults, "HF AdamW defaults")
}

@Test func huggingFaceAdamWWithoutBiasCorrection() {
    let adam = AdamW(store: referenceStore(), variant: .huggingFace, eps: 1e-6, weightDecay: 0.1, correctBias: false)
    expectTrajectory(trajectory(adam, grads: OptimizerReference.grads, lrs: constant(1e-2)),
                OptimizerReference.hfAdamWNoCorrection, "HF AdamW correct_bias=False")
}

/// Gradients of about 1e-7, the size of eps (as early in SECLA training): the two formulations part visibly.
@Test func adamWVariantsDifferWhenGradientsAreTheSizeOfEps() {
    let torch = trajectory(AdamW(store: referenceStore(), variant: .torch, eps: 1e-6, weightDecay: 0.1),
                           grads: OptimizerReference.tinyGrads, lrs: constant(3e-4))
    let hf = trajectory(AdamW(store: referenceStore(), variant: .huggingFace, eps: 1e-6, weightDecay: 0.1),
                        grads: OptimizerReference.tinyGrads, lrs: constant(3e-4))
    expectTrajectory(torch, OptimizerReference.torchAdamWTiny, "torch AdamW, tiny gradients")
    expectTrajectory(hf, OptimizerReference.hfAdamWTiny, "HF AdamW, tiny gradients")
    // After 5 steps of lr 3e-4 the variants are ~1e-4 apart, 20× the allowed 5e-6 (and so are the references).
    let apart = worstRelativeDifference(torch, hf).value
    print("torch vs HF AdamW with tiny gradients: largest difference \(apart)")
    #expect(apart > 20 * 5e-6)
    let referencesApart = worstRelativeDifference(OptimizerReference.torchAdamWTiny, OptimizerReference.hfAdamWTiny)
    #expect(referencesApart.value > 20 * 5e-6)
}

/// SECLA's loop: `optimizer.step(); scheduler.step()` with CosineAnnealingLR; T_max 2 makes a wrong order visible.
@Test func scheduleDrivesTheOptimizerInPyTorchOrder() {
    var schedule = CosineAnnealingLR(baseLR: 3e-4, tMax: 2)
    var lrs = [Double]()
    for _ in 0..<steps {
        lrs.append(schedule.lr)
        schedule.step()
    }
    let adam = AdamW(store: referenceStore(), variant: .huggingFace, eps: 1e-6, weightDecay: 0.1)
    expectTrajectory(trajectory(adam, grads: OptimizerReference.grads, lrs: lrs), OptimizerReference.hfAdamWCosineTMax2,
                "HF AdamW + CosineAnnealingLR(T_max=2)")
}

// MARK: - SGD against the references

/// torch.optim.SGD(lr=1e-2, weight_decay=0.1, …) cases by name: (momentum, dampening, nesterov, reference).
private let sgdCases: [String: (Double, Double, Bool, [Float])] = [
    "momentum 0.9": (0.9, 0, false, OptimizerReference.sgdMomentum),
    "Nesterov": (0.9, 0, true, OptimizerReference.sgdNesterov),
    "dampening 0.5": (0.9, 0.5, false, OptimizerReference.sgdDampening),
    "no momentum": (0, 0, false, OptimizerReference.sgdPlain),
]

@Test(arguments: ["momentum 0.9", "Nesterov", "dampening 0.5", "no momentum"])
func sgdMatchesTorch(_ label: String) throws {
    let (momentum, dampening, nesterov, expected) = try #require(sgdCases[label])
    let sgd = SGD(store: referenceStore(), momentum: momentum, dampening: dampening, weightDecay: 0.1,
                  nesterov: nesterov)
    expectTrajectory(trajectory(sgd, grads: OptimizerReference.grads, lrs: constant(1e-2)), expected, "SGD \(label)")
}

// MARK: - Properties

/// Zero gradients isolate the weight decay: parameters with `decay == false` must not move at all.
@Test func weightDecayOnlyWhereTheStoreSaysSo() {
    let specs = [ParameterSpec("a.weight", [2, 3]), ParameterSpec("a.bias", [2]),
                 ParameterSpec("scale", [2], decay: false), ParameterSpec("b.weight", [3])]
    let make = { () -> ParameterStore in
        let store = ParameterStore(specs)
        for i in 0..<store.count { store.values.base[i] = Float(i + 1) * 0.25 }
        return store
    }
    let optimizers: [(String, Optimizer)] = [
        ("torch AdamW", AdamW(store: make(), variant: .torch, weightDecay: 0.1)),
        ("HF AdamW", AdamW(store: make(), variant: .huggingFace, weightDecay: 0.1)),
        ("SGD", SGD(store: make(), momentum: 0.9, weightDecay: 0.1)),
    ]
    for (label, optimizer) in optimizers {
        let before = optimizer.store.flatValues.copy()
        for _ in 0..<3 { optimizer.step(lr: 1e-2) }
        let store = optimizer.store
        for (i, spec) in store.specs.enumerated() {
            let moved = (store.offsets[i]..<store.offsets[i + 1]).filter { store.values.base[$0] != before.pointer[$0] }
            if spec.decay {
                #expect(moved.count == spec.count, "\(label): \(spec.name) should shrink")
                // Every decayed value shrinks towards 0 and keeps its sign.
                for j in store.offsets[i]..<store.offsets[i + 1] {
                    #expect(store.values.base[j] < before.pointer[j] && store.values.base[j] > 0,
                            "\(label): \(spec.name)")
                }
            } else {
                #expect(moved.isEmpty, "\(label): \(spec.name) has decay == false and must not move")
            }
        }
    }
}

/// The decoupled decay with zero gradients: torch multiplies by (1 − lr·wd) per step, transformers subtracts
/// lr·wd·p; both give p·(1 − lr·wd)ᵏ up to rounding.
@Test func decoupledDecayWithZeroGradients() {
    for variant in AdamW.Variant.allCases {
        let store = ParameterStore([ParameterSpec("w", [1])])
        store.values.base[0] = 2
        let adam = AdamW(store: store, variant: variant, weightDecay: 0.1)
        for _ in 0..<4 { adam.step(lr: 0.5) }
        #expect(abs(Double(store.values.base[0]) - 2 * pow(0.95, 4)) < 1e-6, "\(variant)")
    }
}

/// Stepping, saving, restoring into a fresh optimiser over a copy of the parameters, and stepping on must equal
/// stepping straight through, bit for bit (also with the moments restored from tensors, and with 2 threads).
@Test func resumeContinuesBitIdentically() {
    let grads = OptimizerReference.grads
    func feed(_ optimizer: Optimizer, _ k: Int, lr: Double) {
        fill(optimizer.store.flatGrads, grads[(k * parameterCount)..<((k + 1) * parameterCount)])
        optimizer.step(lr: lr)
    }
    func bits(_ store: ParameterStore) -> [UInt32] { store.flatValues.array.map(\.bitPattern) }
    for variant in AdamW.Variant.allCases {
        let straight = AdamW(store: referenceStore(), variant: variant, eps: 1e-6, weightDecay: 0.1)
        for k in 0..<steps { feed(straight, k, lr: 1e-2 * Double(k + 1)) }

        let first = AdamW(store: referenceStore(), variant: variant, eps: 1e-6, weightDecay: 0.1)
        for k in 0..<2 { feed(first, k, lr: 1e-2 * Double(k + 1)) }
        let saved = first.state, savedValues = first.store.flatValues.array
        for viaTensors in [false, true] {
            let store = referenceStore()
            fill(store.flatValues, savedValues)
            let resumed = AdamW(store: store, variant: variant, eps: 1e-6, weightDecay: 0.1)
            if viaTensors {
                resumed.restore(stepCount: saved.stepCount, m: Tensor(shape: [parameterCount], data: saved.m),
                                v: Tensor(shape: [parameterCount], data: saved.v))
            } else {
                resumed.restore(saved)
            }
            #expect(resumed.state == saved)
            for k in 2..<steps { feed(resumed, k, lr: 1e-2 * Double(k + 1)) }
            #expect(bits(resumed.store) == bits(straight.store), "\(variant) resumed (via tensors: \(viaTensors))")
            #expect(resumed.state == straight.state)
        }
    }
    for nesterov in [false, true] {
        let straight = SGD(store: referenceStore(), momentum: 0.9, weightDecay: 0.1, nesterov: nesterov)
        for k in 0..<steps { feed(straight, k, lr: 1e-2) }
        let first = SGD(store: referenceStore(), momentum: 0.9, weightDecay: 0.1, nesterov: nesterov)
        for k in 0..<2 { feed(first, k, lr: 1e-2) }
        let store = referenceStore()
        store.copyValues(from: first.store)
        let resumed = SGD(store: store, momentum: 0.9, weightDecay: 0.1, nesterov: nesterov)
        resumed.restore(first.state)
        for k in 2..<steps { feed(resumed, k, lr: 1e-2) }
        #expect(bits(resumed.store) == bits(straight.store), "SGD nesterov \(nesterov) resumed")
        #expect(resumed.state == straight.state)
    }
}

/// Threads only change who computes which element. The store is big enough for the 2-thread split (≥ 2 × 32,768
/// elements) and its parameter boundaries do not fall on the split point.
@Test func threadsDoNotChangeResults() {
    let specs = [ParameterSpec("w1", [173, 211]), ParameterSpec("b1", [173]), ParameterSpec("w2", [211, 157]),
                 ParameterSpec("b2", [211])]
    func run(_ make: (ParameterStore) -> Optimizer) -> [UInt32] {
        let store = ParameterStore(specs)
        var rng = SeededRandom(seed: 7)
        for i in 0..<store.count { store.values.base[i] = rng.uniform(-1, 1) }
        let optimizer = make(store)
        for _ in 0..<2 {
            for i in 0..<store.count { store.grads.base[i] = rng.uniform(-1e-3, 1e-3) }
            optimizer.step(lr: 1e-2)
        }
        return store.flatValues.array.map(\.bitPattern)
    }
    for variant in AdamW.Variant.allCases {
        #expect(run { AdamW(store: $0, variant: variant, weightDecay: 0.1, threads: 1) }
                == run { AdamW(store: $0, variant: variant, weightDecay: 0.1, threads: 2) }, "\(variant)")
    }
    #expect(run { SGD(store: $0, momentum: 0.9, weightDecay: 0.1, nesterov: true, threads: 1) }
            == run { SGD(store: $0, momentum: 0.9, weightDecay: 0.1, nesterov: true, threads: 2) })
}

// MARK: - Reference values (generated; see the file comment)

enum OptimizerReference {
    // torch 1.13.0a0, numpy 1.24.2, transformers 4.3.2 (wheel sha256 f814f6d38d280135…), seed 20230103
    static let initial: [Float] = [
        0.1580642, 1.2337664, -0.20368409, -0.5284522, 0.6798793, 0.16334653,
        -0.52617264, -0.54769, 0.50228125, 0.09855851, 0.0059222225, -0.49367914,
        0.26746395, 0.29871017, -0.5411449,
    ]
    static let grads: [Float] = [
        0.024477838, 0.10898664, -0.020000512, -0.10645984, -0.04964744, -0.03950469,
        -0.10403099, 0.07954856, 0.10057168, -0.043467436, 0.029084897, 0.034351137,
        -0.13139264, -0.17948367, -0.08946612, -0.21615925, -0.051115584, 0.026457151,
        -0.046192065, 0.09465583, 0.031500958, 0.08212961, -0.100793704, 0.01480712,
        -0.0024461602, -0.062546074, 0.01866666, -0.10223696, -0.07786926, 0.103287436,
        -0.106675215, -0.19307289, -0.034707427, -0.056063756, -0.16376668, -0.016832994,
        0.18351126, -0.14305936, 0.1730639, -0.15567265, -0.09238345, -0.088796556,
        0.18396, 0.045061924, 0.0010572438, -0.012508134, 0.028283237, -0.13406865,
        0.21401893, -0.15041229, -0.07130792, 0.1388668, -0.1334494, -0.16361807,
        -0.096642956, 0.01771064, -0.050851293, 0.10508823, 0.11997663, -0.0760987,
        0.07867918, 0.0126381535, 0.0796257, 0.017218126, -0.040700443, -0.042353295,
        0.10240198, -0.13257068, 0.004525751, -0.06781576, -0.044207327, 0.013256907,
        0.07215429, -0.12007401, 0.15890338,
    ]
    static let tinyGrads: [Float] = [
        -1.7399627e-07, -3.626396e-08, 2.6683022e-08, 9.989628e-08, -9.3272604e-08, 1.4977994e-07,
        -4.4773248e-08, 1.8727546e-07, -3.412099e-08, -1.8526391e-07, 2.3591424e-08, 1.871181e-07,
        1.8246768e-08, -2.4406061e-08, 6.377675e-08, 1.3673257e-07, 1.2210965e-07, -4.3039865e-08,
        6.7194925e-08, -4.2046764e-08, -4.1426006e-08, 1.2426392e-07, 1.4015866e-09, -3.0914403e-08,
        3.5216587e-08, -8.910334e-08, 1.2383941e-08, -5.9382362e-08, 3.8670582e-09, 1.2710808e-07,
        3.6087783e-08, -1.5297185e-07, -8.4045695e-08, 1.6636686e-09, 2.8408868e-08, -9.799572e-08,
        -9.14e-09, -1.2009643e-07, 1.03868814e-07, 1.3810676e-07, 3.5976335e-08, 1.4208673e-07,
        -9.763769e-08, 1.1120142e-07, 9.478544e-08, 3.0541088e-07, -5.6010965e-08, 6.2596826e-08,
        3.294338e-08, -1.1418159e-07, 9.109717e-08, 4.6934556e-08, 2.5185762e-09, -1.0979651e-07,
        1.2957364e-07, -5.958142e-08, 1.9115227e-08, 6.670636e-08, 1.781372e-08, 8.23311e-09,
        2.0405787e-07, 8.867845e-08, 1.5667031e-07, -2.8672785e-08, -1.0501096e-07, 7.9585995e-08,
        9.133324e-08, -7.35333e-08, -9.402661e-09, -9.884812e-09, 1.7956515e-07, -8.779031e-08,
        7.0503496e-08, 1.005981e-07, -1.07436016e-07,
    ]
    static let torchAdamW: [Float] = [
        0.14790656, 1.2225329, -0.19348091, -0.51792383, 0.68919927, 0.17318293,
        -0.5156465, -0.55714214, 0.49177906, 0.108459726, -0.004083356, -0.50318515,
        0.27746388, 0.3087101, -0.53114504, 0.15439919, 1.2184056, -0.19518508,
        -0.50829643, 0.68503064, 0.17360687, -0.5144851, -0.5548925, 0.4835739,
        0.11545934, -0.00015542377, -0.5121228, 0.28732225, 0.3178195, -0.5323852,
        0.1616669, 1.2214221, -0.19138318, -0.4986678, 0.68822664, 0.17589167,
        -0.51885855, -0.54870856, 0.47456315, 0.12297486, 0.0067784614, -0.5087019,
        0.28769523, 0.3232461, -0.5333932, 0.16787675, 1.2229257, -0.18472499,
        -0.49929854, 0.6936022, 0.18157783, -0.52479225, -0.54105735, 0.47234973,
        0.13119945, 0.011502481, -0.5033841, 0.2857084, 0.32407644, -0.53128445,
        0.17114604, 1.2237018, -0.18243352, -0.50012696, 0.698854, 0.18821523,
        -0.5313198, -0.5326035, 0.47031248, 0.13955542, 0.017164644, -0.49950147,
        0.28267372, 0.3271949, -0.5339253,
    ]
    static let torchAdamWM: [Float] = [
        -0.016050525, -0.00840531, -0.006298417, 0.0060901195, -0.02722921, -0.012311997,
        0.0367644, -0.038984004, 0.0074230707, -0.03111915, -0.012961184, -0.006828869,
        0.015500385, -0.015012078, 0.010786873,
    ]
    static let torchAdamWV: [Float] = [
        6.4885135e-05, 5.2597108e-05, 2.6595188e-05, 6.2607374e-05, 6.241157e-05, 9.700043e-06,
        8.086422e-05, 7.2222625e-05, 6.694869e-05, 4.000287e-05, 1.5528123e-05, 1.2150768e-05,
        7.7628516e-05, 6.8955465e-05, 4.964516e-05,
    ]
    static let hfAdamW: [Float] = [
        0.14792903, 1.2225455, -0.19350618, -0.51793677, 0.68918306, 0.17316519,
        -0.5156595, -0.5571283, 0.4917921, 0.10844268, -0.004062849, -0.50316626,
        0.27746156, 0.3087084, -0.53114843, 0.15441407, 1.2184218, -0.19520672,
        -0.5083208, 0.6850189, 0.17358819, -0.5144989, -0.55488074, 0.48359695,
        0.11543027, -0.00014057747, -0.51208717, 0.28731814, 0.3178164, -0.53238827,
        0.16167341, 1.2214335, -0.19141063, -0.49870342, 0.6882104, 0.17586915,
        -0.5188668, -0.5487033, 0.47459596, 0.12293678, 0.0067845625, -0.5086701,
        0.2876911, 0.3232422, -0.53339607, 0.1678761, 1.222934, -0.18476023,
        -0.49933282, 0.69357914, 0.18154752, -0.5247933, -0.5410601, 0.47238445,
        0.13115175, 0.011502644, -0.5033584, 0.28570446, 0.32407242, -0.5312877,
        0.17114154, 1.223708, -0.18247122, -0.5001597, 0.69882435, 0.18817608,
        -0.53131306, -0.53261495, 0.4703489, 0.13949804, 0.017157795, -0.49948004,
        0.28267008, 0.32719052, -0.5339282,
    ]
    static let hfAdamWM: [Float] = [
        -0.016050525, -0.00840531, -0.006298417, 0.0060901195, -0.02722921, -0.012311997,
        0.0367644, -0.038984004, 0.0074230707, -0.03111915, -0.012961184, -0.006828869,
        0.015500385, -0.015012078, 0.010786873,
    ]
    static let hfAdamWV: [Float] = [
        6.4885135e-05, 5.2597108e-05, 2.6595188e-05, 6.2607374e-05, 6.241157e-05, 9.700043e-06,
        8.086422e-05, 7.2222625e-05, 6.694869e-05, 4.000287e-05, 1.5528123e-05, 1.2150768e-05,
        7.7628516e-05, 6.8955465e-05, 4.964516e-05,
    ]
    static let torchAdamWTiny: [Float] = [
        0.15810393, 1.23374, -0.20368578, -0.5284636, 0.6798845, 0.16330254,
        -0.52614397, -0.5477209, 0.50227606, 0.098602444, 0.005915131, -0.49371162,
        0.2674586, 0.29871732, -0.5411629, 0.1581019, 1.23369, -0.20367676,
        -0.52847064, 0.67988265, 0.16328436, -0.5261403, -0.5477282, 0.5022704,
        0.09861781, 0.005925014, -0.49372202, 0.26746508, 0.29872012, -0.5411894,
        0.15809537, 1.2336602, -0.20366006, -0.52846956, 0.67987114, 0.16328086,
        -0.52613133, -0.54771495, 0.5022503, 0.09861293, 0.005927466, -0.49373692,
        0.26747924, 0.29871026, -0.54121566, 0.15806703, 1.2336328, -0.2036516,
        -0.528467, 0.6798662, 0.16326974, -0.52612424, -0.547701, 0.5022406,
        0.09859863, 0.005934065, -0.493745, 0.26748383, 0.29870173, -0.5412352,
        0.15803197, 1.2335972, -0.20365433, -0.52845925, 0.6798645, 0.16325483,
        -0.5261212, -0.5476816, 0.5022302, 0.09858764, 0.0059268256, -0.4937418,
        0.26748246, 0.29868847, -0.54124266,
    ]
    static let hfAdamWTiny: [Float] = [
        0.1580611, 1.2337298, -0.20367824, -0.5284373, 0.6798598, 0.16334021,
        -0.5261564, -0.5476753, 0.50226647, 0.0985573, 0.005921821, -0.49366608,
        0.26746377, 0.2987104, -0.5411455, 0.1580565, 1.2336923, -0.20367199,
        -0.5284226, 0.6798403, 0.16333465, -0.5261412, -0.54766005, 0.5022518,
        0.09855527, 0.005922121, -0.49365255, 0.26746407, 0.29871053, -0.5411468,
        0.15805165, 1.2336558, -0.20366527, -0.5284076, 0.6798205, 0.16332984,
        -0.52612585, -0.5476438, 0.5022364, 0.09855219, 0.005922095, -0.4936396,
        0.2674649, 0.29870996, -0.54114836, 0.15804516, 1.2336196, -0.20365901,
        -0.5283926, 0.67980117, 0.1633245, -0.52611065, -0.5476275, 0.5022217,
        0.09854843, 0.0059223683, -0.4936264, 0.2674652, 0.2987094, -0.5411497,
        0.1580379, 1.2335827, -0.20365357, -0.52837735, 0.6797822, 0.16331883,
        -0.5260958, -0.5476108, 0.502207, 0.098544836, 0.0059216474, -0.49361247,
        0.2674651, 0.2987084, -0.5411503,
    ]
    static let torchAdamWDefaults: [Float] = [
        0.15706262, 1.232754, -0.20268205, -0.5274469, 0.6808725, 0.16434489,
        -0.5251674, -0.5486845, 0.50127625, 0.09955753, 0.0049221637, -0.49467418,
        0.26846394, 0.29971015, -0.5401449, 0.1577251, 1.2324511, -0.20286979,
        -0.5265307, 0.68051773, 0.16440296, -0.5250976, -0.5485097, 0.5004999,
        0.10026736, 0.005314507, -0.49561334, 0.26944977, 0.3006211, -0.54026896,
        0.15846573, 1.2328622, -0.20250708, -0.52561337, 0.680899, 0.16464716,
        -0.5255812, -0.5479413, 0.49964216, 0.101029456, 0.006007837, -0.4953175,
        0.26948708, 0.30116376, -0.54036975, 0.1591013, 1.2331223, -0.20185836,
        -0.5257211, 0.6814986, 0.16523172, -0.5262212, -0.5472256, 0.49946326,
        0.101863205, 0.0064808647, -0.49483162, 0.2692884, 0.3012468, -0.54015887,
        0.15944344, 1.2333099, -0.20164566, -0.5258486, 0.68208635, 0.16591197,
        -0.5269212, -0.5464288, 0.49930176, 0.10271091, 0.0070481766, -0.49448875,
        0.2689849, 0.30155864, -0.540423,
    ]
    static let hfAdamWDefaults: [Float] = [
        0.1570655, 1.2327667, -0.20268567, -0.5274525, 0.6808787, 0.16434573,
        -0.52517295, -0.5486896, 0.50128156, 0.09955778, 0.0049233087, -0.49467823,
        0.2684637, 0.29971, -0.5401453, 0.15772946, 1.2324764, -0.20287526,
        -0.5265418, 0.68053085, 0.1644054, -0.5251084, -0.5485204, 0.50051045,
        0.100268096, 0.0053155217, -0.4956216, 0.26944935, 0.3006208, -0.54026926,
        0.15847158, 1.2328998, -0.20251481, -0.52563, 0.6809189, 0.16465111,
        -0.5255971, -0.54795754, 0.49965787, 0.10103105, 0.006008715, -0.4953308,
        0.26948664, 0.30116338, -0.54037005, 0.15910865, 1.2331723, -0.20186827,
        -0.52574295, 0.6815252, 0.16523711, -0.52624226, -0.54724735, 0.499484,
        0.10186567, 0.0064816745, -0.49485004, 0.26928797, 0.3012464, -0.5401592,
        0.15945233, 1.2333722, -0.20165762, -0.5258757, 0.68211967, 0.16591881,
        -0.52694744, -0.54645616, 0.49932754, 0.10271426, 0.007048907, -0.4945122,
        0.26898453, 0.30155823, -0.5404233,
    ]
    static let hfAdamWNoCorrection: [Float] = [
        0.12635574, 1.2009507, -0.17193913, -0.496342, 0.7107704, 0.19474907,
        -0.4940649, -0.57872087, 0.47019774, 0.13002814, -0.025640544, -0.52474755,
        0.29907912, 0.33032736, -0.5095333, 0.1544168, 1.1874208, -0.17981605,
        -0.45718277, 0.69529235, 0.19708776, -0.49083006, -0.57095844, 0.43699133,
        0.16005337, -0.008964117, -0.5642714, 0.3409656, 0.36903265, -0.51480216,
        0.19096227, 1.2071736, -0.16181105, -0.41163355, 0.7137871, 0.20904127,
        -0.5145082, -0.5425545, 0.39439124, 0.19762369, 0.025325224, -0.54932696,
        0.34281176, 0.39589152, -0.5197911, 0.2254037, 1.2207783, -0.12650181,
        -0.4173607, 0.7460329, 0.24068876, -0.5490671, -0.50340647, 0.38454512,
        0.24279772, 0.051010806, -0.5226414, 0.33200133, 0.40040937, -0.50831836,
        0.24508172, 1.231134, -0.114176676, -0.4246315, 0.77971494, 0.27992722,
        -0.5893562, -0.45708212, 0.37509856, 0.29169986, 0.08381018, -0.5025534,
        0.31441066, 0.41848543, -0.52362555,
    ]
    static let hfAdamWCosineTMax2: [Float] = [
        0.15775985, 1.2334296, -0.20337847, -0.52813643, 0.68015873, 0.1636414,
        -0.5258569, -0.5479734, 0.50196624, 0.098855324, 0.00562238, -0.49396405,
        0.26776388, 0.29901013, -0.54084504, 0.15785708, 1.2333676, -0.20340386,
        -0.5279919, 0.6800964, 0.16364789, -0.5258394, -0.5479398, 0.50184304,
        0.09896039, 0.005681127, -0.49409813, 0.26791173, 0.29914674, -0.54086363,
        0.15785708, 1.2333676, -0.20340386, -0.5279919, 0.6800964, 0.16364789,
        -0.5258394, -0.5479398, 0.50184304, 0.09896039, 0.005681127, -0.49409813,
        0.26791173, 0.29914674, -0.54086363, 0.15795027, 1.23339, -0.20330383,
        -0.5280009, 0.68017715, 0.16373333, -0.5259283, -0.54782504, 0.5018094,
        0.0990841, 0.0057519847, -0.49401858, 0.26788193, 0.2991592, -0.540832,
        0.15804863, 1.233413, -0.20323454, -0.52802485, 0.6803351, 0.16393292,
        -0.52612406, -0.54757124, 0.50174737, 0.0993357, 0.0059219766, -0.49390242,
        0.2677909, 0.29925275, -0.5409112,
    ]
    static let sgdMomentum: [Float] = [
        0.15766136, 1.2314428, -0.2032804, -0.52685916, 0.6796959, 0.16357823,
        -0.52460617, -0.54793775, 0.50077325, 0.098894626, 0.0056254514, -0.49352896,
        0.26877788, 0.300505, -0.54025024, 0.15930274, 1.2286313, -0.20297837,
        -0.52443665, 0.6779046, 0.16330817, -0.52349305, -0.5466049, 0.4987672,
        0.099122696, 0.0059781927, -0.49308693, 0.27098277, 0.30289906, -0.54047793,
        0.16168742, 1.226803, -0.2021565, -0.52117133, 0.6772522, 0.16307014,
        -0.5238028, -0.5434281, 0.49473235, 0.10078556, 0.007213516, -0.49130806,
        0.27112758, 0.30460307, -0.5406934, 0.16379704, 1.2236478, -0.19987397,
        -0.51985157, 0.67749184, 0.16340593, -0.5249465, -0.5386911, 0.49224243,
        0.10314778, 0.008140988, -0.48870727, 0.27020702, 0.30493692, -0.5401263,
        0.16474509, 1.2194582, -0.19841607, -0.5183161, 0.67743707, 0.16396825,
        -0.5264749, -0.5325634, 0.489464, 0.1058488, 0.009409644, -0.4860104,
        0.26865697, 0.30643812, -0.541205,
    ]
    static let sgdNesterov: [Float] = [
        0.1572988, 1.2293515, -0.20291708, -0.52542543, 0.67953086, 0.16378675,
        -0.52319634, -0.5481608, 0.49941605, 0.09919713, 0.0053583574, -0.4933938,
        0.2699604, 0.30212036, -0.53944504, 0.16078065, 1.2261049, -0.20270725,
        -0.5222591, 0.6762927, 0.16306472, -0.5224939, -0.5454049, 0.49696434,
        0.099327385, 0.006296167, -0.4926894, 0.2729672, 0.30505368, -0.54068285,
        0.1638318, 1.225168, -0.20141831, -0.5182405, 0.67666847, 0.1628558,
        -0.52408737, -0.54057074, 0.4911081, 0.10228094, 0.008325427, -0.48970824,
        0.2712579, 0.30613667, -0.54088736, 0.16568884, 1.2208254, -0.19782308,
        -0.5186801, 0.6777136, 0.16370846, -0.52598286, -0.53443575, 0.49001795,
        0.10526936, 0.008973655, -0.48637116, 0.26937854, 0.30523738, -0.53961605,
        0.16558534, 1.2157147, -0.19711228, -0.51695764, 0.6773951, 0.16447432,
        -0.52785695, -0.52706754, 0.48698923, 0.10826969, 0.010546839, -0.48359397,
        0.26726195, 0.3077892, -0.5421759,
    ]
    static let sgdDampening: [Float] = [
        0.15766136, 1.2314428, -0.2032804, -0.52685916, 0.6796959, 0.16357823,
        -0.52460617, -0.54793775, 0.50077325, 0.098894626, 0.0056254514, -0.49352896,
        0.26877788, 0.300505, -0.54025024, 0.15830077, 1.2289914, -0.20294774,
        -0.524931, 0.67871773, 0.16354746, -0.5233447, -0.54738283, 0.49909163,
        0.09915991, 0.005668275, -0.4932404, 0.2704716, 0.30250973, -0.53996146,
        0.15933046, 1.227136, -0.20237331, -0.5226529, 0.67831683, 0.16352215,
        -0.52286524, -0.54589444, 0.4964633, 0.10012745, 0.0061658993, -0.49229005,
        0.27107614, 0.30408865, -0.5397069, 0.16024005, 1.2247112, -0.20108481,
        -0.5214114, 0.6783689, 0.16377416, -0.5228666, -0.5436147, 0.49466768,
        0.10143139, 0.006522125, -0.49093434, 0.2710948, 0.3049098, -0.53909725,
        0.16058518, 1.2218533, -0.20022273, -0.5201194, 0.6782801, 0.16413085,
        -0.52311844, -0.54062825, 0.49278164, 0.1028933, 0.0070605036, -0.48953503,
        0.27075082, 0.3062492, -0.5393431,
    ]
    static let sgdPlain: [Float] = [
        0.15766136, 1.2314428, -0.2032804, -0.52685916, 0.6796959, 0.16357823,
        -0.52460617, -0.54793775, 0.50077325, 0.098894626, 0.0056254514, -0.49352896,
        0.26877788, 0.300505, -0.54025024, 0.1596653, 1.2307225, -0.2033417,
        -0.5258704, 0.67806965, 0.16309965, -0.5249029, -0.5463819, 0.5001244,
        0.098820195, 0.0062452867, -0.4932221, 0.26980025, 0.30128372, -0.54128313,
        0.1605724, 1.2314225, -0.20279127, -0.52478385, 0.6790292, 0.16310488,
        -0.5262131, -0.5444049, 0.49789363, 0.1002781, 0.007162876, -0.4918409,
        0.26796064, 0.3008331, -0.5412937, 0.1605369, 1.2299083, -0.2012478,
        -0.52639925, 0.67985433, 0.16365485, -0.5270756, -0.542526, 0.49903193,
        0.101144254, 0.006978607, -0.49084055, 0.26690975, 0.29963335, -0.5405327,
        0.15958957, 1.2285521, -0.2018428, -0.526045, 0.67958146, 0.16391473,
        -0.5275725, -0.54065776, 0.49848765, 0.101721264, 0.0074137016, -0.49048227,
        0.2661882, 0.3008341, -0.54212177,
    ]
}
