#include "CAllocator.h"
#include <stdlib.h> /* defines __GLIBC__ on glibc systems */
#if defined(__GLIBC__)
#include <malloc.h>
int secla_reuse_freed_buffers(void) {
    int a = mallopt(M_MMAP_THRESHOLD, 32 << 20); /* the largest value glibc accepts on 64-bit (HEAP_MAX_SIZE / 2) */
    int b = mallopt(M_TRIM_THRESHOLD, 512 << 20);
    return a == 1 && b == 1;
}
#else
int secla_reuse_freed_buffers(void) { return 0; }
#endif
