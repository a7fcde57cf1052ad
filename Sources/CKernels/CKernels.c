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

// The kernels run on several threads at once, so the cached answer is read and written with relaxed atomics (a plain
// int was a data race, found by ThreadSanitizer); threads that both find it unset store the same value.
static int has_avx(void) {
    static int cached = -1;
    int known = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx") ? 1 : 0;
        __atomic_store_n(&cached, known, __ATOMIC_RELAXED);
    }
    return known;
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

// ---- GELU ----------------------------------------------------------------------------------------------------------
// gelu(z) = z·½·(1 + erf(z/√2)) with a single-precision erf (|error| ≤ 1.5e-7 absolute, checked against libm's double
// erf over every float in the test suite's sweep). Coefficients: scripts/reference/fit_erf.py, which states the
// split. Every branch is computed in every lane and selected by masks, so the vector and scalar paths agree.

static const float ERF_P[7] = {1.1283791f, -0.37612626f, 0.112835854f, -0.026853815f, 0.0051883324f,
                               -0.00080102327f, 7.853979e-05f};
static const float ERF_Q[8] = {0.25539568f, 0.14239529f, 0.02685091f, 0.002925125f, 4.6077508e-05f,
                               -2.8774164e-05f, -1.1487396e-06f, 4.2515435e-07f};
// exp(−s) for s in [0, 16]: e^r·2^k with k = ⌈−s·log₂e − ½⌉ (truncation of a non-positive value), r = −s − k·ln 2 in
// two parts (k·LN2_HI is exact), e^r by its Taylor series to r⁷ (|r| ≤ 0.35: remainder < 2e-9 relative).
#define EXP_LOG2E 1.44269504f
#define EXP_LN2_HI 0.693359375f
#define EXP_LN2_LO -2.12194440e-4f
static const float EXP_TAYLOR[8] = {1.0f, 1.0f, 0.5f, 0.166666667f, 0.0416666667f, 0.00833333333f,
                                    0.00138888889f, 0.000198412698f};

static inline float gelu_scalar(float z) {
    float x = z * 0.70710678f, a = fabsf(x), s = a * a;
    float p = ERF_P[6];
    for (int k = 5; k >= 0; k--) p = p * s + ERF_P[k];
    float small = a * p;
    float t = 1.0f / (1.0f + a * 0.5f), w = t * 6.0f + -3.0f;
    float q = ERF_Q[7];
    for (int k = 6; k >= 0; k--) q = q * w + ERF_Q[k];
    float y = -(s < 16.0f ? s : 16.0f);
    float kf = (float)(int)(y * EXP_LOG2E - 0.5f);
    float r = (y - kf * EXP_LN2_HI) - kf * EXP_LN2_LO;
    float e = EXP_TAYLOR[7];
    for (int k = 6; k >= 0; k--) e = e * r + EXP_TAYLOR[k];
    union { int i; float f; } scale = {.i = ((int)kf + 127) << 23};
    float large = 1.0f - (e * scale.f) * q;
    float erf_abs = a < 1.0f ? small : (a < 4.0f ? large : 1.0f);
    return z * 0.5f * (1.0f + copysignf(erf_abs, x));
}

#if defined(SECLA_X86)
// One body per width: P the float prefix, PI the integer prefix (AVX2 for 256 bits, SSE2 for 128), W/WI the types,
// CAST the integer-to-float bit cast.
#define GELU_BODY(P, PI, W, WI, CAST)                                                                                   \
    W z = P##_loadu_ps(x + i);                                                                                      \
    W xs = P##_mul_ps(z, P##_set1_ps(0.70710678f));                                                                 \
    W sign = P##_and_ps(xs, P##_set1_ps(-0.0f));                                                                    \
    W a = P##_andnot_ps(P##_set1_ps(-0.0f), xs), s = P##_mul_ps(a, a);                                              \
    W p = P##_set1_ps(ERF_P[6]);                                                                                    \
    for (int k = 5; k >= 0; k--) p = P##_add_ps(P##_mul_ps(p, s), P##_set1_ps(ERF_P[k]));                           \
    W small = P##_mul_ps(a, p);                                                                                     \
    W t = P##_div_ps(one, P##_add_ps(one, P##_mul_ps(a, P##_set1_ps(0.5f))));                                       \
    W w = P##_add_ps(P##_mul_ps(t, P##_set1_ps(6.0f)), P##_set1_ps(-3.0f));                                         \
    W q = P##_set1_ps(ERF_Q[7]);                                                                                    \
    for (int k = 6; k >= 0; k--) q = P##_add_ps(P##_mul_ps(q, w), P##_set1_ps(ERF_Q[k]));                           \
    W y = P##_sub_ps(P##_setzero_ps(), P##_min_ps(s, P##_set1_ps(16.0f)));                                          \
    WI ki = P##_cvttps_epi32(P##_sub_ps(P##_mul_ps(y, P##_set1_ps(EXP_LOG2E)), P##_set1_ps(0.5f)));                 \
    W kf = P##_cvtepi32_ps(ki);                                                                                     \
    W r = P##_sub_ps(P##_sub_ps(y, P##_mul_ps(kf, P##_set1_ps(EXP_LN2_HI))),                                        \
                     P##_mul_ps(kf, P##_set1_ps(EXP_LN2_LO)));                                                      \
    W e = P##_set1_ps(EXP_TAYLOR[7]);                                                                               \
    for (int k = 6; k >= 0; k--) e = P##_add_ps(P##_mul_ps(e, r), P##_set1_ps(EXP_TAYLOR[k]));                      \
    W scale = CAST(PI##_slli_epi32(PI##_add_epi32(ki, PI##_set1_epi32(127)), 23));                 \
    W large = P##_sub_ps(one, P##_mul_ps(P##_mul_ps(e, scale), q));                                                 \
    W below1 = P##_cmplt_ps(a, one), below4 = P##_cmplt_ps(a, P##_set1_ps(4.0f));                                   \
    W mid = P##_or_ps(P##_and_ps(below4, large), P##_andnot_ps(below4, one));                                       \
    W erf_abs = P##_or_ps(P##_and_ps(below1, small), P##_andnot_ps(below1, mid));                                   \
    W out = P##_mul_ps(P##_mul_ps(z, P##_set1_ps(0.5f)), P##_add_ps(one, P##_or_ps(erf_abs, sign)));                \
    P##_storeu_ps(x + i, out);

#define _mm256_cmplt_ps(a, b) _mm256_cmp_ps(a, b, _CMP_LT_OQ)
__attribute__((target("avx2")))
static long gelu_avx2(float *x, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= n; i += 8) { GELU_BODY(_mm256, _mm256, __m256, __m256i, _mm256_castsi256_ps) }
    return i;
}
static long gelu_sse2(float *x, long n) {
    __m128 one = _mm_set1_ps(1.0f);
    long i = 0;
    for (; i + 4 <= n; i += 4) { GELU_BODY(_mm, _mm, __m128, __m128i, _mm_castsi128_ps) }
    return i;
}

static int has_avx2(void) {  // relaxed atomics as in has_avx
    static int cached = -1;
    int known = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") ? 1 : 0;
        __atomic_store_n(&cached, known, __ATOMIC_RELAXED);
    }
    return known;
}
#endif

void secla_gelu(float *x, long n) {
    long i = 0;
#if defined(SECLA_X86)
    i = has_avx2() ? gelu_avx2(x, n) : gelu_sse2(x, n);
#endif
    for (; i < n; i++) x[i] = gelu_scalar(x[i]);
}

void secla_gelu_scalar(float *x, long n) {
    for (long i = 0; i < n; i++) x[i] = gelu_scalar(x[i]);
}
