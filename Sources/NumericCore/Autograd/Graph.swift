// Reverse-mode gradients: a tape of tensor-level operations.
//
// Design: a tape (micrograd's idea at tensor granularity) rather than hand-written forward/backward pairs per layer.
// SECLA, its faithful and clean variants, and SECLA-B compose the same few primitives in many ways (two score
// directions, agreement terms, matched / unmatched / prototype groups that reuse one model three times per step).
// Hand-deriving the backward of every composition would be error-prone; with a tape each primitive's backward is
// written and checked against finite differences once, and every composition is then correct by construction.
// Primitives are coarse (a whole linear layer, a whole set reduction), so the tape adds a few closure calls per
// layer, negligible next to the sgemm calls that dominate; the benchmark `secla-bench core` measures this.
//
// Each primitive lives in `Ops+*.swift` with its forward and backward side by side; the backward's comment quotes the
// forward line it differentiates. Nodes are appended in execution order, so reverse order is a topological order:
// backward is one loop, no recursion. Gradients accumulate (+=), so a value used twice gets both contributions.
//
// Dimension letters used in comments across the Autograd files: R rows, C columns, G sets (segments), K inputs.

import Dispatch

/// One sgemm call: `C[m×n] = op(A)·op(B) + beta·C` with inner dimension k.
public struct GemmShape: Hashable, Sendable {
    public let transA: Bool, transB: Bool
    public let m: Int, n: Int, k: Int
    public let beta: Float
    /// Wall time of the call.
    public var seconds: Double = 0
    /// Floating-point operations (a multiply and an add per term).
    public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
}

/// Time spent in one kind of operation (see `Graph.profiles`).
public struct OpTiming: Sendable {
    public var calls = 0
    public var forward = 0.0
    public var backward = 0.0
}

/// A value recorded on a `Graph` tape (an index into it).
public struct Var: Hashable, Sendable {
    public let id: Int
}

public final class Graph {
    /// Backward of one node: reads the node's output gradient from the graph and accumulates into its inputs.
    typealias Backward = (Graph) -> Void

    struct Node {
        let op: String
        let value: Tensor
        var grad: Tensor?
        let requiresGrad: Bool
        let backward: Backward?
    }

    private(set) var nodes: [Node] = []

    /// When true, every sgemm the tape issues (forward and backward) is logged in `gemmLog`, so a benchmark can
    /// count the step's floating-point work and replay the same products on their own.
    public let logsGemms: Bool
    public private(set) var gemmLog: [GemmShape] = []

    /// When true, forward and backward wall time is summed per operation kind in `profile` (for benchmarks).
    public let profiles: Bool
    public private(set) var profile: [String: OpTiming] = [:]
    private var lastRecord = DispatchTime.now().uptimeNanoseconds

    public init(logsGemms: Bool = false, profiles: Bool = false) {
        self.logsGemms = logsGemms
        self.profiles = profiles
    }

    @inline(__always)
    func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
               b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard logsGemms else {
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let start = DispatchTime.now().uptimeNanoseconds
        BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        gemmLog.append(GemmShape(transA: transA, transB: transB, m: m, n: n, k: k, beta: beta,
                                 seconds: Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9))
    }

    public var count: Int { nodes.count }

    // MARK: - Leaves

    /// An input that needs no gradient (features, targets, masks).
    public func constant(_ value: Tensor) -> Var {
        append(Node(op: "constant", value: value, grad: nil, requiresGrad: false, backward: nil))
    }

    /// An input whose gradient is wanted; it is accumulated into `grad` when given (a parameter's view in a
    /// `ParameterStore`, so repeated uses and repeated graphs add up until `zeroGrad`), else into a new buffer.
    public func variable(_ value: Tensor, grad: Tensor? = nil) -> Var {
        if let grad {
            shapeCheck(grad.shape == value.shape, "gradient buffer \(describe(grad.shape)) for a value \(describe(value.shape))")
        }
        return append(Node(op: "variable", value: value, grad: grad, requiresGrad: true, backward: nil))
    }

    /// The named parameter of `store`, with its gradient accumulated into the store's gradient buffer.
    public func parameter(_ store: ParameterStore, _ name: String) -> Var {
        guard let i = store.index(of: name) else {
            preconditionFailure("Graph.parameter: no parameter named \(name); known: \(store.names.joined(separator: ", "))")
        }
        return variable(store.value(at: i), grad: store.grad(at: i))
    }

    // MARK: - Reading

    public func value(_ v: Var) -> Tensor { nodes[v.id].value }

    /// The accumulated gradient of `v` after `backward`, or nil when nothing flowed into it.
    public func grad(_ v: Var) -> Tensor? { nodes[v.id].grad }

    public func requiresGrad(_ v: Var) -> Bool { nodes[v.id].requiresGrad }

    public func shape(_ v: Var) -> [Int] { nodes[v.id].value.shape }

    // MARK: - Recording (used by the primitives)

    /// Records an operation's output. `backward` runs only if some input requires a gradient; it reads the output's
    /// gradient with `outputGrad` and adds into its inputs' gradients with `accumulate(into:)`. Public so a new
    /// primitive can be added outside this module (PyTorch's `autograd.Function`); check it with `checkGradients`.
    public func record(_ value: Tensor, inputs: [Var], op: String = #function, backward: @escaping (Graph, Var) -> Void) -> Var {
        let needs = inputs.contains { nodes[$0.id].requiresGrad }
        let id = nodes.count
        let out = Var(id: id)
        return append(Node(op: op, value: value, grad: nil, requiresGrad: needs, backward: needs ? { g in backward(g, out) } : nil))
    }

    private func append(_ node: Node) -> Var {
        if profiles {
            // An operation computes its value just before recording it: the time since the previous record is its forward.
            let now = DispatchTime.now().uptimeNanoseconds
            let name = String(node.op.prefix { $0 != "(" })  // "linear(_:weight:bias:)" → "linear"
            profile[name, default: OpTiming()].forward += Double(now - lastRecord) * 1e-9
            profile[name, default: OpTiming()].calls += 1
            lastRecord = now
        }
        nodes.append(node)
        return Var(id: nodes.count - 1)
    }

    /// The gradient flowing into `v` (zeros if none arrived, e.g. an output that did not reach the loss).
    public func outputGrad(_ v: Var) -> Tensor {
        if let g = nodes[v.id].grad { return g }
        let z = Tensor(zeros: nodes[v.id].value.shape)
        nodes[v.id].grad = z
        return z
    }

    /// Calls `body` with a pointer to `v`'s gradient buffer to accumulate into (allocated as zeros on first use),
    /// or does nothing when `v` needs no gradient.
    public func accumulate(into v: Var, _ body: (UnsafeMutablePointer<Float>) -> Void) {
        guard nodes[v.id].requiresGrad else { return }
        if nodes[v.id].grad == nil { nodes[v.id].grad = Tensor(zeros: nodes[v.id].value.shape) }
        body(nodes[v.id].grad!.pointer)
    }

    /// Like `accumulate(into:_:)` but avoids zero-filling a new buffer: when no gradient has reached `v` yet, `set` is
    /// called on an uninitialised buffer and must write every element; otherwise `add` adds into the existing one.
    public func accumulate(into v: Var, set: (UnsafeMutablePointer<Float>) -> Void, add: (UnsafeMutablePointer<Float>) -> Void) {
        guard nodes[v.id].requiresGrad else { return }
        if let existing = nodes[v.id].grad {
            add(existing.pointer)
        } else {
            let fresh = Tensor(uninitialized: nodes[v.id].value.shape)
            set(fresh.pointer)
            nodes[v.id].grad = fresh
        }
    }

    // MARK: - Backward

    /// Seeds d`loss` = 1 (`loss` must hold one element) and runs every recorded backward in reverse order.
    public func backward(_ loss: Var) {
        shapeCheck(nodes[loss.id].value.count == 1, "backward needs a scalar loss, got \(describe(nodes[loss.id].value.shape))")
        accumulate(into: loss) { $0[0] += 1 }
        for id in stride(from: loss.id, through: 0, by: -1) {
            guard let backward = nodes[id].backward, nodes[id].grad != nil else { continue }
            if profiles {
                let start = DispatchTime.now().uptimeNanoseconds
                backward(self)
                profile[String(nodes[id].op.prefix { $0 != "(" }), default: OpTiming()].backward
                    += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
            } else {
                backward(self)
            }
        }
    }
}
