#include "CKernels.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define SECLA_X86 1
#endif

// No contraction of a*b+c into an FMA: the scalar tail and every vector path must round identically.
#pragma STDC FP_CONTRACT OFF

// ---- AdamW ---------------------------------------------------------------------------------------------------------

static inline void moments_scalar(float g, float *m, float *v, secla_adamw_constants c) {
    *m = *m * c.beta1 + c.one_minus_beta1 * g;          // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
    *v = *v * c.beta2 + c.one_minus_beta2 * g * g;      // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
}

static inline void torch_scalar(float *p, const float *g, float *m, float *v, long i, long n, secla_adamw_constants c) {
    for (; i < n; i++) {
        moments_scalar(g[i], m + i, v + i, c);
        float denom = sqrtf(v[i]) / c.bias_correction2_sqrt + c.eps;
        p[i] = p[i] * c.decay + c.neg_step_size * m[i] / denom;
    }
}

static inline void hf_scalar(float *p, const float *g, float *m, float *v, long i, long n, secla_adamw_constants c) {
    for (; i < n; i++) {
        moments_scalar(g[i], m + i, v + i, c);
        float updated = p[i] + c.neg_step_size * m[i] / (sqrtf(v[i]) + c.eps);
        p[i] = c.decay != 0 ? updated + c.decay * updated : updated;
    }
}

#if defined(SECLA_X86)
// One macro body per vector width; W is the lane type, P the intrinsic prefix.
#define ADAMW_MOMENTS(P, W)                                                                                       \
    W gi = P##_loadu_ps(g + i);                                                                                   \
    W mi = P##_add_ps(P##_mul_ps(P##_loadu_ps(m + i), b1), P##_mul_ps(omb1, gi));                                 \
    W vi = P##_add_ps(P##_mul_ps(P##_loadu_ps(v + i), b2), P##_mul_ps(P##_mul_ps(omb2, gi), gi));                 \
    P##_storeu_ps(m + i, mi);                                                                                     \
    P##_storeu_ps(v + i, vi);

#define ADAMW_SETUP(P, W)                                                                                         \
    W b1 = P##_set1_ps(c.beta1), omb1 = P##_set1_ps(c.one_minus_beta1), b2 = P##_set1_ps(c.beta2);               \
    W omb2 = P##_set1_ps(c.one_minus_beta2), eps = P##_set1_ps(c.eps), step = P##_set1_ps(c.neg_step_size);      \
    W bc2 = P##_set1_ps(c.bias_correction2_sqrt), decay = P##_set1_ps(c.decay);                                   \
    (void)bc2; (void)decay;

__attribute__((target("avx")))
static void torch_avx(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c) {
    ADAMW_SETUP(_mm256, __m256)
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        ADAMW_MOMENTS(_mm256, __m256)
        __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2), eps);
        __m256 pi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(p + i), decay), _mm256_div_ps(_mm256_mul_ps(step, mi), denom));
        _mm256_storeu_ps(p + i, pi);
    }
    torch_scalar(p, g, m, v, i, n, c);
}

static void torch_sse(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c) {
    ADAMW_SETUP(_mm, __m128)
    long i = 0;
    for (; i + 4 <= n; i += 4) {
        ADAMW_MOMENTS(_mm, __m128)
        __m128 denom = _mm_add_ps(_mm_div_ps(_mm_sqrt_ps(vi), bc2), eps);
        __m128 pi = _mm_add_ps(_mm_mul_ps(_mm_loadu_ps(p + i), decay), _mm_div_ps(_mm_mul_ps(step, mi), denom));
        _mm_storeu_ps(p + i, pi);
    }
    torch_scalar(p, g, m, v, i, n, c);
}

__attribute__((target("avx")))
static void hf_avx(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c) {
    ADAMW_SETUP(_mm256, __m256)
    long i = 0;
    int decays = c.decay != 0;
    for (; i + 8 <= n; i += 8) {
        ADAMW_MOMENTS(_mm256, __m256)
        __m256 pi = _mm256_add_ps(_mm256_loadu_ps(p + i),
                                  _mm256_div_ps(_mm256_mul_ps(step, mi), _mm256_add_ps(_mm256_sqrt_ps(vi), eps)));
        if (decays) pi = _mm256_add_ps(pi, _mm256_mul_ps(decay, pi));
        _mm256_storeu_ps(p + i, pi);
    }
    hf_scalar(p, g, m, v, i, n, c);
}

static void hf_sse(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c) {
    ADAMW_SETUP(_mm, __m128)
    long i = 0;
    int decays = c.decay != 0;
    for (; i + 4 <= n; i += 4) {
        ADAMW_MOMENTS(_mm, __m128)
        __m128 pi = _mm_add_ps(_mm_loadu_ps(p + i), _mm_div_ps(_mm_mul_ps(step, mi), _mm_add_ps(_mm_sqrt_ps(vi), eps)));
        if (decays) pi = _mm_add_ps(pi, _mm_mul_ps(decay, pi));
        _mm_storeu_ps(p + i, pi);
    }
    hf_scalar(p, g, m, v, i, n, c);
}

static int has_avx(void) {
    static int cached = -1;
    if (cached < 0) { __builtin_cpu_init(); cached = __builtin_cpu_supports("avx") ? 1 : 0; }
    return cached;
}
#endif

void secla_adamw_torch(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c) {
#if defined(SECLA_X86)
    if (has_avx()) torch_avx(p, g, m, v, n, c); else torch_sse(p, g, m, v, n, c);
#else
    torch_scalar(p, g, m, v, 0, n, c);
#endif
}

void secla_adamw_hf(float *p, const float *g, float *m, float *v, long n, secla_adamw_constants c) {
#if defined(SECLA_X86)
    if (has_avx()) hf_avx(p, g, m, v, n, c); else hf_sse(p, g, m, v, n, c);
#else
    hf_scalar(p, g, m, v, 0, n, c);
#endif
}

// ---- ReLU ----------------------------------------------------------------------------------------------------------
// Branch-free SSE (the sign of a pre-activation is a coin flip, so a branch mispredicts half the time). max(x, 0) and
// the masked dy give the same bits as the scalar expressions, NaN → 0 included (maxps returns its second operand).

void secla_relu_forward(const float *restrict x, float *restrict y, long n) {
    long i = 0;
#if defined(SECLA_X86)
    __m128 zero = _mm_setzero_ps();
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm_max_ps(_mm_loadu_ps(x + i), zero));
#endif
    for (; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

void secla_relu_backward(const float *restrict y, const float *restrict dy, float *restrict dx, long n, int accumulate) {
    long i = 0;
#if defined(SECLA_X86)
    __m128 zero = _mm_setzero_ps();
    if (accumulate) {
        for (; i + 4 <= n; i += 4) {
            __m128 d = _mm_and_ps(_mm_cmpgt_ps(_mm_loadu_ps(y + i), zero), _mm_loadu_ps(dy + i));
            _mm_storeu_ps(dx + i, _mm_add_ps(_mm_loadu_ps(dx + i), d));
        }
    } else {
        for (; i + 4 <= n; i += 4)
            _mm_storeu_ps(dx + i, _mm_and_ps(_mm_cmpgt_ps(_mm_loadu_ps(y + i), zero), _mm_loadu_ps(dy + i)));
    }
#endif
    if (accumulate) for (; i < n; i++) dx[i] += y[i] > 0 ? dy[i] : 0;
    else for (; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}
