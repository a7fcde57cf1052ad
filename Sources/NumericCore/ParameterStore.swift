// Trainable parameters in one contiguous buffer with named views (the llm.c layout): the optimiser, zero-grad,
// gradient norm and checkpoint writing are each one loop, and names, shapes and offsets come from one table.

/// One named parameter tensor. `decay` says whether AdamW's weight decay applies (PyTorch parameter groups).
public struct ParameterSpec: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let decay: Bool

    /// `decay` defaults to the rule of the official SECLA code: every parameter except those named "…bias…".
    public init(_ name: String, _ shape: [Int], decay: Bool? = nil) {
        self.name = name
        self.shape = shape
        self.decay = decay ?? !name.contains("bias")
    }

    public var count: Int { Tensor.elementCount(shape) }
}

public final class ParameterStore: @unchecked Sendable {
    public let specs: [ParameterSpec]
    /// Start of each parameter in the flat buffers; `offsets[i] + specs[i].count == offsets[i + 1]`.
    public let offsets: [Int]
    /// Total number of scalars.
    public let count: Int
    public let values: TensorStorage
    public let grads: TensorStorage
    private let indexByName: [String: Int]

    public init(_ specs: [ParameterSpec]) {
        var offsets = [Int](), total = 0, index = [String: Int]()
        for (i, spec) in specs.enumerated() {
            precondition(index[spec.name] == nil, "ParameterStore: duplicate parameter name \(spec.name)")
            index[spec.name] = i
            offsets.append(total)
            total += spec.count
        }
        offsets.append(total)
        self.specs = specs
        self.offsets = offsets
        self.count = total
        self.indexByName = index
        values = TensorStorage(zeros: total)
        grads = TensorStorage(zeros: total)
    }

    public var names: [String] { specs.map(\.name) }

    public func index(of name: String) -> Int? { indexByName[name] }

    private func checkedIndex(_ name: String) -> Int {
        guard let i = indexByName[name] else {
            preconditionFailure("ParameterStore: no parameter named \(name); known: \(names.joined(separator: ", "))")
        }
        return i
    }

    /// The parameter's values (a view into the flat buffer: writing it changes the parameter).
    public func value(_ name: String) -> Tensor { value(at: checkedIndex(name)) }
    public func value(at i: Int) -> Tensor { Tensor(shape: specs[i].shape, storage: values, offset: offsets[i]) }

    /// The parameter's accumulated gradient (a view into the flat gradient buffer).
    public func grad(_ name: String) -> Tensor { grad(at: checkedIndex(name)) }
    public func grad(at i: Int) -> Tensor { Tensor(shape: specs[i].shape, storage: grads, offset: offsets[i]) }

    /// All values / gradients as one flat tensor of shape [count].
    public var flatValues: Tensor { Tensor(shape: [count], storage: values) }
    public var flatGrads: Tensor { Tensor(shape: [count], storage: grads) }

    public func zeroGrad() { grads.base.update(repeating: 0, count: count) }

    /// Euclidean norm of the whole gradient, accumulated in Double.
    public func gradNorm() -> Double {
        var s = 0.0
        let g = grads.base
        for i in 0..<count { s += Double(g[i]) * Double(g[i]) }
        return s.squareRoot()
    }

    /// Copies every value from a store with the same table.
    public func copyValues(from other: ParameterStore) {
        precondition(other.specs == specs, "ParameterStore.copyValues: the parameter tables differ")
        values.base.update(from: other.values.base, count: count)
    }

    /// PyTorch's `nn.Linear` default initialisation for a weight [out, in] and its optional bias [out]:
    /// `kaiming_uniform_(a=√5)` on the weight equals U(−1/√in, 1/√in); the bias is U(−1/√in, 1/√in).
    /// Weight first, then bias, each in row-major order, as PyTorch draws them.
    public func initialiseLinear(weight: String, bias: String?, rng: inout SeededRandom) {
        let w = value(weight)
        precondition(w.rank == 2, "initialiseLinear: \(weight) has shape \(describe(w.shape)), expected [out, in]")
        let bound = 1 / Float(w.shape[1]).squareRoot()
        for i in 0..<w.count { w.pointer[i] = rng.uniform(-bound, bound) }
        if let bias {
            let b = value(bias)
            precondition(b.shape == [w.shape[0]], "initialiseLinear: \(bias) has shape \(describe(b.shape)), expected [\(w.shape[0])]")
            for i in 0..<b.count { b.pointer[i] = rng.uniform(-bound, bound) }
        }
    }
}
