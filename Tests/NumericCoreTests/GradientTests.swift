// Every differentiable primitive against central finite differences (see `checkGradients` for the tolerance).

import Foundation
import NumericCore
import Testing
import TestSupport

/// Values ±(0.1 + 0.05·k) in random order and sign, all magnitudes at least 0.05 apart and 0.1 away from 0, so that
/// no max, arg-max or ReLU kink lies within the finite-difference step (h = 0.01) of any input.
func spread(_ shape: [Int], seed: UInt64) -> Tensor {
    var rng = SeededRandom(seed: seed)
    let n = Tensor.elementCount(shape)
    let order = rng.permutation(n)
    let t = Tensor(uninitialized: shape)
    for k in 0..<n {
        t.pointer[k] = (rng.int(below: 2) == 0 ? -1 : 1) * (0.1 + Float(order[k]) * 0.05)
    }
    return t
}

func normal(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
    var rng = SeededRandom(seed: seed)
    return rng.normalTensor(shape, std: std)
}

@Suite struct Gradients {
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func matmul(transA: Bool, transB: Bool) {
        let a = normal(transA ? [4, 3] : [3, 4], seed: 1), b = normal(transB ? [5, 4] : [4, 5], seed: 2)
        expectGradientsMatch([a, b], "matmul transA \(transA) transB \(transB)") { g, x in
            g.matmul(x[0], x[1], transA: transA, transB: transB)
        }
    }

    @Test func linearWithBias() {
        expectGradientsMatch([normal([5, 4], seed: 3), normal([3, 4], seed: 4), normal([3], seed: 5)], "linear") { g, x in
            g.linear(x[0], weight: x[1], bias: x[2])
        }
    }

    @Test func linearWithoutBias() {
        expectGradientsMatch([normal([5, 4], seed: 6), normal([3, 4], seed: 7)], "linear without bias") { g, x in
            g.linear(x[0], weight: x[1])
        }
    }

    @Test func relu() {
        expectGradientsMatch([spread([4, 6], seed: 8)], "relu") { g, x in g.relu(x[0]) }
    }

    @Test func elementwise() {
        let a = normal([3, 4], seed: 9), b = normal([3, 4], seed: 10)
        expectGradientsMatch([a, b], "add") { g, x in g.add(x[0], x[1]) }
        expectGradientsMatch([a, b], "sub") { g, x in g.sub(x[0], x[1]) }
        expectGradientsMatch([a, b], "mul") { g, x in g.mul(x[0], x[1]) }
        expectGradientsMatch([a], "scale") { g, x in g.scale(x[0], -2.5) }
        expectGradientsMatch([a], "sum") { g, x in g.sum(x[0]) }
        expectGradientsMatch([a], "mean") { g, x in g.mean(x[0]) }
        expectGradientsMatch([a, b], "mse") { g, x in g.mse(x[0], x[1]) }
        expectGradientsMatch([a], "transpose") { g, x in g.transpose(x[0]) }
        expectGradientsMatch([a], "reshape") { g, x in g.reshape(x[0], [2, 6]) }
        expectGradientsMatch([normal([4, 4], seed: 11)], "diagonal") { g, x in g.diagonal(x[0]) }
    }

    @Test func selectionAndIndexing() {
        let a = normal([3, 4], seed: 12), b = normal([3, 4], seed: 13), c = normal([2, 4], seed: 14)
        let mask = (0..<12).map { $0 % 3 == 0 }
        expectGradientsMatch([a, b], "select") { g, x in g.select(mask, x[0], x[1]) }
        expectGradientsMatch([a], "maskedFill") { g, x in g.maskedFill(x[0], mask: mask, 0.5) }
        expectGradientsMatch([a, c], "concatRows") { g, x in g.concatRows([x[0], x[1], x[0]]) }
        expectGradientsMatch([a], "gatherRows with repeats") { g, x in g.gatherRows(x[0], [2, 0, 2, 1]) }
    }

    @Test func setReductions() {
        // Column sets of sizes 2, 1, 3 and row sets of sizes 1, 3, 0, 2 (an empty set is allowed in a sum).
        let columns = SetLayout(sizes: [2, 1, 3]), rows = SetLayout(sizes: [1, 3, 0, 2])
        expectGradientsMatch([spread([4, 6], seed: 15)], "segmentMax") { g, x in g.segmentMax(x[0], columns: columns) }
        expectGradientsMatch([normal([6, 3], seed: 16)], "segmentSum") { g, x in
            g.segmentSum(x[0], rows: rows, scale: [0.5, 2, 1, -1])
        }
        expectGradientsMatch([normal([6, 3], seed: 17)], "segmentMean") { g, x in g.segmentMean(x[0], rows: rows) }
    }

    @Test func softmaxAndCrossEntropy() {
        let logits = normal([4, 5], seed: 18, std: 3)
        expectGradientsMatch([logits], "logSoftmax") { g, x in g.logSoftmax(x[0]) }
        expectGradientsMatch([logits], "crossEntropy") { g, x in g.crossEntropy(x[0], targets: [0, 4, 2, 2]) }
    }

    /// A SECLA-shaped loss end to end: two projection heads, all face–name products of a batch, max over faces,
    /// mean over names (and the reverse), cross-entropy both ways and a squared agreement term on the diagonal.
    @Test func composedContrastiveLoss() {
        let faces = SetLayout(sizes: [1, 3, 2]), names = SetLayout(sizes: [2, 2, 4])
        let inputs = [normal([6, 5], seed: 19), normal([8, 7], seed: 20),
                      normal([4, 5], seed: 21, std: 0.5), normal([4], seed: 22, std: 0.5),
                      normal([4, 7], seed: 23, std: 0.5), normal([3, 4], seed: 24, std: 0.5)]
        // Random products put some ReLU kinks and arg-max ties within 1e-3 of an input, so the step is h = 3e-4. The
        // Float rounding noise of the quotient then grows to ≈ 3e-4 (measured), still well inside atol = 2e-3;
        // a wrong term in any backward gives errors of the size of the gradient itself (≈ 1e-2 … 3e-1 here).
        expectGradientsMatch(inputs, h: 3e-4, rtol: 2e-2, atol: 2e-3, "composed loss") { g, x in
            let u = g.linear(g.relu(g.linear(x[0], weight: x[2], bias: x[3])), weight: x[5])  // (ΣF, 3)
            let v = g.linear(g.relu(g.linear(x[1], weight: x[4])), weight: x[5])  // (ΣN, 3)
            let nameToFace = g.segmentMean(g.segmentMax(g.matmul(v, u, transB: true), columns: faces), rows: names)  // (B, B)
            let faceToName = g.segmentMean(g.segmentMax(g.matmul(u, v, transB: true), columns: names), rows: faces)  // (B, B)
            let agree = g.mse(g.diagonal(nameToFace), g.diagonal(faceToName))
            return g.sum([g.crossEntropy(nameToFace, targets: [0, 1, 2]), g.crossEntropy(faceToName, targets: [0, 1, 2]),
                          g.scale(agree, 0.15)])
        }
    }
}

@Suite struct TapeBehaviour {
    /// The checker itself must catch a wrong backward: y = x² recorded with the gradient of x³ instead of 2x.
    @Test func gradientCheckRejectsAWrongBackward() {
        let checks = checkGradients([normal([5], seed: 40)]) { g, x in
            let X = g.value(x[0]), Y = Tensor(uninitialized: X.shape)
            for i in 0..<X.count { Y.pointer[i] = X.pointer[i] * X.pointer[i] }
            return g.record(Y, inputs: [x[0]]) { g, y in
                let dy = g.outputGrad(y).pointer
                g.accumulate(into: x[0]) { dx in for i in 0..<X.count { dx[i] += dy[i] * 3 * X.pointer[i] * X.pointer[i] } }
            }
        }
        #expect(!checks[0].closeness.passes)
    }

    @Test func gradientsAccumulateOverUsesAndIntoParameterStore() {
        let store = ParameterStore([ParameterSpec("w", [2, 3])])
        store.value("w").withUnsafeMutableBufferPointer { for i in 0..<6 { $0[i] = Float(i) - 2 } }
        let x = Tensor(shape: [1, 3], data: [1, 2, 3])
        for _ in 0..<2 {  // two graphs, without zeroGrad in between: gradients add up, as in PyTorch
            let g = Graph()
            let w = g.parameter(store, "w")
            let y = g.linear(g.constant(x), weight: w)  // (1, 2)
            g.backward(g.sum(g.add(y, y)))  // d/dW Σ 2·(x Wᵀ) = 2·x for each output row
        }
        assertClose(store.grad("w"), [4, 8, 12, 4, 8, 12], "accumulated parameter gradient")
        store.zeroGrad()
        assertClose(store.grad("w"), [0, 0, 0, 0, 0, 0], "after zeroGrad")
    }

    @Test func constantsGetNoGradient() {
        let g = Graph()
        let a = g.constant(Tensor(shape: [2], data: [1, 2])), b = g.variable(Tensor(shape: [2], data: [3, 4]))
        g.backward(g.sum(g.mul(a, b)))
        #expect(g.grad(a) == nil)
        assertClose(g.grad(b)!, [1, 2])
    }
}

@Suite struct ForwardValues {
    @Test func matmulMatchesNaiveProduct() {
        let a = normal([7, 5], seed: 30), b = normal([5, 6], seed: 31)
        let g = Graph()
        let c = g.value(g.matmul(g.constant(a), g.constant(b)))
        var expected = [Double]()
        for i in 0..<7 { for j in 0..<6 { expected.append((0..<5).reduce(0.0) { $0 + Double(a[i, $1]) * Double(b[$1, j]) }) } }
        assertClose(c, expected, rtol: 1e-5, atol: 1e-5, "sgemm vs naive")
    }

    @Test func setReductionsAndCrossEntropyByHand() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [2, 5], data: [1, 5, 2, -1, 0, 3, -2, 7, 4, 4]))
        let m = g.segmentMax(x, columns: SetLayout(sizes: [2, 3]))
        assertClose(g.value(m), [5, 2, 3, 7], "segmentMax")
        let s = g.segmentSum(x, rows: SetLayout(sizes: [2]), scale: [0.5])
        assertClose(g.value(s), [2, 1.5, 4.5, 1.5, 2], "segmentSum")
        // cross-entropy of rows [1, 5] → target 0 and [3, -2] → target 1, by hand: log(1 + e^4) and log(1 + e^5).
        let ce = g.crossEntropy(g.constant(Tensor(shape: [2, 2], data: [1, 5, 3, -2])), targets: [0, 1])
        let expected = (log(1 + exp(4.0)) + log(1 + exp(5.0))) / 2
        assertClose(g.value(ce), [expected], "crossEntropy")
        // large logits must not overflow
        let big = g.crossEntropy(g.constant(Tensor(shape: [1, 2], data: [1000, 0])), targets: [1])
        assertClose(g.value(big), [1000], "crossEntropy with large logits")
    }
}
