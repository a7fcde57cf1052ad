#include "CKernels.h"
#include <math.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

void secla_sqrt_f32(const float *x, float *y, long n) {
    long i = 0;
#if defined(__SSE__)
    for (; i + 4 <= n; i += 4) _mm_storeu_ps(y + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));  /* sqrtps: correctly rounded */
#endif
    for (; i < n; i++) y[i] = sqrtf(x[i]);
}
