// Learning-rate schedules with PyTorch's stepping convention, computed in Double as Python computes them.

import Foundation

/// A learning rate that changes once per `step()`, as a PyTorch `lr_scheduler`.
///
/// The convention is PyTorch's `optimizer.step(); scheduler.step()`: `lr` starts at the schedule's value for
/// `stepCount` 0, the training loop steps the optimiser with `lr` and then calls `step()`. So the k-th optimiser step
/// (k = 0, 1, …) uses the lr after k calls to `step()`, which is `param_groups[0]["lr"]` after k `scheduler.step()`
/// calls in PyTorch.
/// ```
/// optimizer.step(lr: schedule.lr)
/// schedule.step()
/// ```
public protocol LearningRateSchedule: Sendable {
    /// The learning rate for the next optimiser step.
    var lr: Double { get }
    /// Number of `step()` calls so far (PyTorch's `last_epoch`).
    var stepCount: Int { get }
    mutating func step()
}

/// A constant learning rate (Hugging Face's `get_constant_schedule`; PyTorch without a scheduler).
public struct ConstantLearningRate: LearningRateSchedule {
    public let lr: Double
    public private(set) var stepCount = 0

    public init(_ lr: Double) { self.lr = lr }

    public mutating func step() { stepCount += 1 }
}

/// Cosine annealing as `torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max, eta_min=0)` of torch 1.13,
/// reproducing its recursive (chainable) update exactly, in Double with Python's operation order:
/// ```
/// lr₀ = base_lr
/// lr_t = lr_{t−1} + (base_lr − eta_min)·(1 − cos(π/T_max))/2          if (t − 1 − T_max) mod 2·T_max = 0
/// lr_t = (1 + cos(π·t/T_max)) / (1 + cos(π·(t − 1)/T_max)) · (lr_{t−1} − eta_min) + eta_min      otherwise
/// ```
/// It is not clamped at T_max: stepped past it the lr rises again and repeats with period 2·T_max, following the
/// closed form `eta_min + (base_lr − eta_min)·(1 + cos(π·t/T_max))/2` (`closedForm(at:)`) up to rounding. The
/// official SECLA code steps `T_max = 32` every batch, so its lr cycles every 64 steps, equal to eta_min at
/// t = 32, 96, … (exactly: the numerator 1 + cos(π·t/T_max) rounds to 0 there).
///
/// Divergence: PyTorch's first `step()` of a scheduler created with `last_epoch ≥ 0` uses the closed form; here a
/// resumed schedule restores its exact lr instead (`init(baseLR:tMax:etaMin:resumingAt:lr:)`), which continues bit
/// for bit.
public struct CosineAnnealingLR: LearningRateSchedule {
    public let baseLR: Double
    public let tMax: Int
    public let etaMin: Double
    /// PyTorch's `last_epoch`.
    public private(set) var stepCount: Int
    public private(set) var lr: Double

    public init(baseLR: Double, tMax: Int, etaMin: Double = 0) {
        precondition(tMax > 0, "CosineAnnealingLR: tMax must be > 0, got \(tMax)")
        self.baseLR = baseLR
        self.tMax = tMax
        self.etaMin = etaMin
        stepCount = 0
        lr = baseLR
    }

    /// A schedule that has been stepped `stepCount` times and reached `lr` (both from a checkpoint).
    public init(baseLR: Double, tMax: Int, etaMin: Double = 0, resumingAt stepCount: Int, lr: Double) {
        precondition(stepCount >= 0, "CosineAnnealingLR: negative step count \(stepCount)")
        self.init(baseLR: baseLR, tMax: tMax, etaMin: etaMin)
        self.stepCount = stepCount
        self.lr = lr
    }

    public mutating func step() {
        stepCount += 1
        let t = stepCount, tMax = Double(tMax)
        let period = 2 * self.tMax
        if ((t - 1 - self.tMax) % period + period) % period == 0 {  // Python's % is never negative
            lr = lr + (baseLR - etaMin) * (1 - cos(Double.pi / tMax)) / 2
        } else {
            lr = (1 + cos(Double.pi * Double(t) / tMax)) / (1 + cos(Double.pi * Double(t - 1) / tMax))
                * (lr - etaMin) + etaMin
        }
    }

    /// The closed form `eta_min + (base_lr − eta_min)·(1 + cos(π·t/T_max))/2` (PyTorch's `_get_closed_form_lr`).
    public func closedForm(at t: Int) -> Double {
        etaMin + (baseLR - etaMin) * (1 + cos(Double.pi * Double(t) / Double(tMax))) / 2
    }
}

/// Linear warm-up then cosine decay, as Hugging Face's `get_cosine_schedule_with_warmup(optimizer,
/// num_warmup_steps, num_training_steps, num_cycles=0.5)` (transformers 4.3.2): a `LambdaLR` with
/// `lr_t = base_lr · factor(t)` and
/// ```
/// factor(t) = t / max(1, warmup)                                    if t < warmup
/// factor(t) = max(0, (1 + cos(π · num_cycles · 2 · progress)) / 2)   otherwise,
/// progress  = (t − warmup) / max(1, total − warmup)
/// ```
/// Not clamped at `totalSteps`: with num_cycles 0.5 the factor rises again after it, as in transformers.
public struct CosineWithWarmupLR: LearningRateSchedule {
    public let baseLR: Double
    public let warmupSteps: Int
    public let totalSteps: Int
    public let numCycles: Double
    public private(set) var stepCount: Int

    public init(baseLR: Double, warmupSteps: Int, totalSteps: Int, numCycles: Double = 0.5,
                resumingAt stepCount: Int = 0) {
        precondition(warmupSteps >= 0 && totalSteps >= 0 && stepCount >= 0,
                     "CosineWithWarmupLR: warmupSteps (\(warmupSteps)), totalSteps (\(totalSteps)) and stepCount "
                     + "(\(stepCount)) must be ≥ 0")
        self.baseLR = baseLR
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.numCycles = numCycles
        self.stepCount = stepCount
    }

    public var lr: Double { baseLR * factor(at: stepCount) }

    public mutating func step() { stepCount += 1 }

    /// The `lr_lambda` of transformers, in its operation order.
    public func factor(at t: Int) -> Double {
        if t < warmupSteps { return Double(t) / Double(max(1, warmupSteps)) }
        let progress = Double(t - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return max(0, 0.5 * (1 + cos(Double.pi * numCycles * 2 * progress)))
    }
}
