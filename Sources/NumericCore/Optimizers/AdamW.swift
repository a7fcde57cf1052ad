// AdamW over a ParameterStore, in PyTorch's and in Hugging Face transformers' formulation.

import CKernels
import Foundation

/// AdamW (Adam with decoupled weight decay) over every parameter of a `ParameterStore`, in one of two formulations
/// that differ where the gradients are about the size of eps, and in whether the weight decay comes before or after
/// the Adam update. Neither amsgrad nor maximize is supported.
///
/// `.torch` matches `torch.optim.AdamW` of torch 1.13 (the single-tensor path, `foreach=False`). Defaults: lr 1e-3,
/// betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2.
/// ```
/// p ← p · (1 − lr·wd)                                  // decay first, on the old weights
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g·g
/// p ← p + (−lr/(1 − β1ᵗ) · m) / (√v / √(1 − β2ᵗ) + eps)
/// ```
/// `.huggingFace` matches `transformers.AdamW` of transformers 4.3.2, which the official SECLA code uses. Defaults:
/// lr 1e-3, betas (0.9, 0.999), eps 1e-6, weight_decay 0, correct_bias true.
/// ```
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g·g
/// s ← lr·√(1 − β2ᵗ)/(1 − β1ᵗ)                          // s ← lr when correct_bias is false
/// p ← p + (−s · m) / (√v + eps)
/// p ← p + (−lr·wd) · p                                 // decay last, on the updated weights
/// ```
/// t counts this optimiser's steps from 1. Weight decay applies only to parameters whose `ParameterSpec.decay` is
/// true, which stands for PyTorch's parameter groups (`weight_decay` 0 for the others, the biases in SECLA).
///
/// The arithmetic follows the PyTorch kernels: the per-step scalars are computed in Double as Python computes them and
/// rounded to Float once (as torch casts a Python float to the tensor's dtype), and each element is updated in Float
/// with the kernels' operation order. PyTorch's vectorised `add(…, alpha:)` kernel fuses `a + α·b` into one FMA
/// where Swift rounds the product first, so results agree with PyTorch to about an ulp per step, not bit for bit.
/// Results do not depend on `threads`.
///
/// The learning rate is an argument of `step(lr:)` so a schedule can drive it; see `Optimizer`.
///
/// Not thread-safe: one owner steps it (Sendable so it can move with its store, like `ParameterStore`).
public final class AdamW: Optimizer, @unchecked Sendable {
    public enum Variant: String, Sendable, CaseIterable {
        /// `torch.optim.AdamW` (torch 1.13).
        case torch
        /// `transformers.AdamW` (transformers 4.3.2).
        case huggingFace

        public var defaultEps: Double { self == .torch ? 1e-8 : 1e-6 }
        public var defaultWeightDecay: Double { self == .torch ? 1e-2 : 0 }
    }

    /// The default learning rate of both PyTorch classes (here a caller's choice: `step(lr:)` takes it every step).
    public static let defaultLearningRate = 1e-3

    public let store: ParameterStore
    public let variant: Variant
    public let beta1: Double
    public let beta2: Double
    public let eps: Double
    public let weightDecay: Double
    /// Hugging Face's `correct_bias`; always true for `.torch`.
    public let correctBias: Bool
    /// Threads the element loop is split over (results are identical for any value); nil follows `BLAS.threads`.
    public let threads: Int?
    /// First moment (`exp_avg`), flat in the store's element order: (store.count).
    public let m: Tensor
    /// Second moment (`exp_avg_sq`), flat in the store's element order: (store.count).
    public let v: Tensor
    public private(set) var stepCount = 0
    private let runs: [DecayRun]

    /// - Parameters:
    ///   - eps, weightDecay: nil takes the variant's default (`Variant.defaultEps`, `Variant.defaultWeightDecay`).
    ///   - threads: nil (default) follows `BLAS.threads`; 2 made a step on 1.07M parameters 1.5–1.8× faster
    ///     (release, 2-core machine, both cores idle); stores under 64K elements always run on one thread.
    public init(store: ParameterStore, variant: Variant = .torch, betas: (Double, Double) = (0.9, 0.999),
                eps: Double? = nil, weightDecay: Double? = nil, correctBias: Bool = true, threads: Int? = nil) {
        let eps = eps ?? variant.defaultEps
        let weightDecay = weightDecay ?? variant.defaultWeightDecay
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1),
                     "AdamW: betas must lie in [0, 1), got \(betas)")
        precondition(eps >= 0 && weightDecay >= 0,
                     "AdamW: eps (\(eps)) and weight decay (\(weightDecay)) must be ≥ 0")
        precondition(correctBias || variant == .huggingFace,
                     "AdamW: correctBias false exists only in the Hugging Face variant; torch always corrects")
        precondition((threads ?? 1) >= 1, "AdamW: threads must be ≥ 1, got \(threads ?? 0)")
        self.store = store
        self.variant = variant
        (beta1, beta2) = betas
        self.eps = eps
        self.weightDecay = weightDecay
        self.correctBias = correctBias
        self.threads = threads
        m = Tensor(zeros: [store.count])
        v = Tensor(zeros: [store.count])
        runs = store.decayRuns
    }

    /// One AdamW step with learning rate `lr` on the gradients in `store.grads` (which it does not zero).
    public func step(lr: Double) {
        precondition(lr.isFinite && lr >= 0, "AdamW.step: learning rate must be finite and ≥ 0, got \(lr)")
        stepCount += 1
        // This step's scalars, in Double as Python computes them (`beta1 ** step`, …); rounded to Float once below.
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        let stepSize, biasCorrection2Sqrt, decay: Double
        switch variant {
        case .torch:  // step_size = lr / bias_correction1; param.mul_(1 - lr * weight_decay)
            stepSize = lr / biasCorrection1
            biasCorrection2Sqrt = biasCorrection2.squareRoot()
            decay = 1 - lr * weightDecay
        case .huggingFace:  // step_size = lr * math.sqrt(bias_correction2) / bias_correction1; alpha=-lr * wd
            stepSize = correctBias ? lr * biasCorrection2.squareRoot() / biasCorrection1 : lr
            biasCorrection2Sqrt = 1  // unused
            decay = -lr * weightDecay
        }
        let kernel = Kernel(
            variant: variant, p: store.values.base, g: store.grads.base,
            m: m.pointer, v: v.pointer, beta1: Float(beta1),
            oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2), eps: Float(eps),
            negStepSize: Float(-stepSize), biasCorrection2Sqrt: Float(biasCorrection2Sqrt), decay: Float(decay))
        // transformers skips the decay when weight_decay is 0; `p + 0·p` would turn an infinite p into NaN.
        let decays = weightDecay != 0
        forEachPiece(of: runs, total: store.count, threads: threads ?? BLAS.threads) { range, decay in
            kernel.update(range, decay: decay && decays)
        }
    }

    // MARK: - Checkpoints

    /// What the optimiser carries between steps (PyTorch's `state_dict()["state"]`): the step count and the moments,
    /// flat in the store's element order. The hyperparameters are the caller's to restore.
    public struct State: Sendable, Equatable {
        public var stepCount: Int
        public var m: [Float]
        public var v: [Float]
        public init(stepCount: Int, m: [Float], v: [Float]) {
            self.stepCount = stepCount
            self.m = m
            self.v = v
        }
    }

    /// A copy of the current state.
    public var state: State { State(stepCount: stepCount, m: m.array, v: v.array) }

    /// Replaces the state; an optimiser with the same store table and hyperparameters then continues bit for bit as
    /// the one the state was taken from.
    public func restore(_ state: State) {
        precondition(state.stepCount >= 0, "AdamW.restore: negative step count \(state.stepCount)")
        copyState(state.m, into: m, what: "m")
        copyState(state.v, into: v, what: "v")
        stepCount = state.stepCount
    }

    /// `restore(_:)` from tensors (for example views of a checkpoint file); the values are copied.
    public func restore(stepCount: Int, m: Tensor, v: Tensor) {
        restore(State(stepCount: stepCount, m: m.array, v: v.array))
    }

    // MARK: - The element loop

    /// The constants of one step (already Float) and the buffers; the element loop is C (CKernels.c), which
    /// vectorises the square root and division that Swift on Linux leaves scalar, with the same operations in the
    /// same order as the formulas above.
    private struct Kernel {
        let variant: Variant
        let p, g, m, v: UnsafeMutablePointer<Float>
        let beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, negStepSize, biasCorrection2Sqrt: Float
        /// `.torch`: the factor 1 − lr·wd; `.huggingFace`: the coefficient −lr·wd.
        let decay: Float

        func update(_ range: Range<Int>, decay applyDecay: Bool) {
            let c = secla_adamw_constants(
                beta1: beta1, one_minus_beta1: oneMinusBeta1, beta2: beta2, one_minus_beta2: oneMinusBeta2, eps: eps,
                neg_step_size: negStepSize, bias_correction2_sqrt: biasCorrection2Sqrt,
                // No decay: p·1 is exact (torch); Hugging Face skips the add, as `p + 0·p` would turn an infinite p into NaN.
                decay: applyDecay ? decay : (variant == .torch ? 1 : 0))
            let o = range.lowerBound, n = range.count
            switch variant {
            case .torch: secla_adamw_torch(p + o, g + o, m + o, v + o, n, c)
            case .huggingFace: secla_adamw_hf(p + o, g + o, m + o, v + o, n, c)
            }
        }
    }
}
