#ifndef SECLA_CKERNELS_H
#define SECLA_CKERNELS_H
// Element loops that Swift on Linux does not vectorise (its `squareRoot()` is a guarded libm call, its `erf` a scalar
// libm call), and a spin hint.
// Every kernel performs the same IEEE single-precision operations in the same order in every lane and on every path
// (AVX2/AVX, SSE, scalar; no fused multiply-add), so results are identical bit for bit whichever path a CPU takes.

/// The constants of one AdamW step, already rounded to float (see AdamW.swift for the formulas).
typedef struct {
    float beta1, one_minus_beta1, beta2, one_minus_beta2, eps, neg_step_size;
    /// torch: √(1 − β2ᵗ); unused by the Hugging Face update.
    float bias_correction2_sqrt;
    /// torch: the factor 1 − lr·wd (1 for no decay); Hugging Face: the coefficient −lr·wd (0 for no decay).
    float decay;
} secla_adamw_constants;

/// `torch.optim.AdamW` (torch 1.13, single-tensor path) on n elements:
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g·g;  p ← p·decay + (−step·m) / (√v / √(1−β2ᵗ) + eps)
void secla_adamw_torch(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c);

/// `transformers.AdamW` (4.3.2) on n elements:
///   m, v as above;  p ← p + (−step·m) / (√v + eps);  then, when decay ≠ 0, p ← p + decay·p
void secla_adamw_hf(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c);

/// y[i] = max(x[i], 0), with 0 for NaN inputs as the comparison `x > 0` gives.
void secla_relu_forward(const float *x, float *y, long n);

/// dx[i] (+)= y[i] > 0 ? dy[i] : 0, where y is the ReLU output; `accumulate` adds instead of storing.
void secla_relu_backward(const float *y, const float *dy, float *dx, long n, int accumulate);

/// In place, x[i] ← gelu(x[i]) = x·½·(1 + erf(x/√2)) with a single-precision erf (absolute error ≤ 1.5e-7).
void secla_gelu(float *x, long n);

/// The same function without vector instructions, for tests that compare the paths bit for bit.
void secla_gelu_scalar(float *x, long n);

/// A spin-wait hint (x86 `pause`) for a thread polling a flag.
static inline void secla_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
#endif
