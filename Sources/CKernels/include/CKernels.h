#ifndef SECLA_CKERNELS_H
#define SECLA_CKERNELS_H
/// y[i] = sqrt(x[i]) for i < n, IEEE correctly rounded (the same bits as a scalar sqrtf), four lanes at a time where
/// the CPU has SSE. Swift on Linux compiles `squareRoot()` to a guarded libm call that blocks vectorisation; AdamW
/// spends a third of its time there.
void secla_sqrt_f32(const float *x, float *y, long n);
#endif
