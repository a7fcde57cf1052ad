// Stochastic gradient descent with momentum over a ParameterStore, as torch.optim.SGD.

/// SGD with optional momentum, dampening, Nesterov momentum and L2 weight decay, matching `torch.optim.SGD` of
/// torch 1.13 (single-tensor path, `maximize=False`). Defaults as PyTorch: momentum 0, dampening 0,
/// weight_decay 0, nesterov false; PyTorch has no default lr and neither does `step(lr:)`.
/// ```
/// d ← g + wd·p                       // only for parameters with `decay` true (see below)
/// b ← d                              // first step
/// b ← μ·b + (1 − dampening)·d        // later steps
/// d ← d + μ·b   (Nesterov)   or   d ← b
/// p ← p + (−lr)·d
/// ```
/// With momentum 0 there is no buffer and d is used directly. Deliberate divergence: PyTorch applies `weight_decay` to
/// every parameter of its group; here it applies only where `ParameterSpec.decay` is true, so the store's flag plays
/// the part of the two parameter groups (decay on / `weight_decay` 0). Every parameter takes part in every step
/// (PyTorch skips parameters whose `.grad` is None), so "first step" is `stepCount == 0` for all of them.
///
/// Scalars are rounded to Float once per step and each element is updated in Float in the kernels' order; PyTorch's
/// vectorised `add(…, alpha:)` fuses `a + α·b` into an FMA, so agreement is to about an ulp per step.
public final class SGD: Optimizer, @unchecked Sendable {
    public let store: ParameterStore
    public let momentum: Double
    public let dampening: Double
    public let weightDecay: Double
    public let nesterov: Bool
    public let threads: Int
    /// The momentum buffer, flat in the store's element order: (store.count), or (0) when momentum is 0.
    public let momentumBuffer: Tensor
    public private(set) var stepCount = 0
    private let runs: [DecayRun]

    public init(store: ParameterStore, momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false, threads: Int = 1) {
        precondition(momentum >= 0 && weightDecay >= 0,
                     "SGD: momentum (\(momentum)) and weight decay (\(weightDecay)) must be ≥ 0")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "SGD: Nesterov momentum requires a momentum > 0 and zero dampening (as torch.optim.SGD)")
        precondition(threads >= 1, "SGD: threads must be ≥ 1, got \(threads)")
        self.store = store
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.threads = threads
        momentumBuffer = Tensor(zeros: [momentum == 0 ? 0 : store.count])
        runs = store.decayRuns
    }

    /// One SGD step with learning rate `lr` on the gradients in `store.grads` (which it does not zero).
    public func step(lr: Double) {
        precondition(lr.isFinite && lr >= 0, "SGD.step: learning rate must be finite and ≥ 0, got \(lr)")
        let kernel = Kernel(
            p: store.values.base, g: store.grads.base,
            buffer: momentumBuffer.pointer, weightDecay: Float(weightDecay),
            momentum: Float(momentum), oneMinusDampening: Float(1 - dampening), negLR: Float(-lr),
            mode: momentum == 0 ? .plain : stepCount == 0 ? .firstMomentum : .momentum, nesterov: nesterov)
        let decays = weightDecay != 0
        forEachPiece(of: runs, total: store.count, threads: threads) { range, decay in
            kernel.update(range, decay: decay && decays)
        }
        stepCount += 1
    }

    // MARK: - Checkpoints

    /// What the optimiser carries between steps: the step count (whether the buffer exists yet) and the momentum
    /// buffer, flat in the store's element order (empty when momentum is 0).
    public struct State: Sendable, Equatable {
        public var stepCount: Int
        public var momentumBuffer: [Float]
        public init(stepCount: Int, momentumBuffer: [Float]) {
            self.stepCount = stepCount
            self.momentumBuffer = momentumBuffer
        }
    }

    public var state: State { State(stepCount: stepCount, momentumBuffer: momentumBuffer.array) }

    /// Replaces the state; an optimiser with the same store table and hyperparameters then continues bit for bit.
    public func restore(_ state: State) {
        precondition(state.stepCount >= 0, "SGD.restore: negative step count \(state.stepCount)")
        copyState(state.momentumBuffer, into: momentumBuffer, what: "the momentum buffer")
        stepCount = state.stepCount
    }

    // MARK: - The element loop

    private struct Kernel {
        enum Mode: Sendable { case plain, firstMomentum, momentum }
        let p, g, buffer: UnsafeMutablePointer<Float>
        let weightDecay, momentum, oneMinusDampening, negLR: Float
        let mode: Mode
        let nesterov: Bool

        func update(_ range: Range<Int>, decay: Bool) {
            // Literal flags, so each inlined copy has a branch-free loop the vectorizer accepts.
            switch (decay, nesterov) {
            case (false, false): loop(range, decay: false, nesterov: false)
            case (false, true): loop(range, decay: false, nesterov: true)
            case (true, false): loop(range, decay: true, nesterov: false)
            case (true, true): loop(range, decay: true, nesterov: true)
            }
        }

        @inline(__always)
        private func loop(_ range: Range<Int>, decay: Bool, nesterov: Bool) {
            let p = p, g = g, b = buffer
            let weightDecay = weightDecay, momentum = momentum, oneMinusDampening = oneMinusDampening, negLR = negLR
            switch mode {
            case .plain:
                for i in range {
                    let d = decay ? g[i] + weightDecay * p[i] : g[i]  // d_p.add(param, alpha=weight_decay)
                    p[i] = p[i] + negLR * d  // param.add_(d_p, alpha=-lr)
                }
            case .firstMomentum:
                for i in range {
                    let d = decay ? g[i] + weightDecay * p[i] : g[i]
                    b[i] = d  // buf = torch.clone(d_p)
                    p[i] = p[i] + negLR * (nesterov ? d + momentum * d : d)
                }
            case .momentum:
                for i in range {
                    let d = decay ? g[i] + weightDecay * p[i] : g[i]
                    let bi = b[i] * momentum + oneMinusDampening * d  // buf.mul_(momentum).add_(d_p, alpha=1-dampening)
                    b[i] = bi
                    p[i] = p[i] + negLR * (nesterov ? d + momentum * bi : bi)  // d_p.add(buf, alpha=momentum)
                }
            }
        }
    }
}
