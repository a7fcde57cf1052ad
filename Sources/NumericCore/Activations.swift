import CKernels

/// Element-wise activations on raw buffers, for inference code that runs outside the autograd graph.
public enum Activations {
    /// In place, x ← gelu(x) = x·½·(1 + erf(x/√2)), the exact (erf, not tanh) GELU of PyTorch's `nn.GELU()` and
    /// Hugging Face's "gelu". The erf is a vectorised single-precision one (CKernels, |error| ≤ 1.5e-7, as accurate as
    /// libm's `erff` here and 5–10× faster); buffers of 16 Ki elements or more are split over `threads` (default
    /// `BLAS.threads`). x: [count]
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, threads: Int? = nil) {
        let parts = count >= 1 << 14 ? max(1, threads ?? BLAS.threads) : 1
        if parts == 1 { secla_gelu(x, count); return }
        WorkSplitter.shared.run(parts: parts) { part in
            let lo = count * part / parts, hi = count * (part + 1) / parts
            secla_gelu(x + lo, hi - lo)
        }
    }

    /// The same function through the kernel's scalar path; tests compare it with `gelu` bit for bit.
    public static func geluScalar(_ x: UnsafeMutablePointer<Float>, count: Int) {
        secla_gelu_scalar(x, count)
    }
}
