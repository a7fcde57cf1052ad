#ifndef SECLA_CALLOCATOR_H
#define SECLA_CALLOCATOR_H
/// Raises glibc's mmap and trim thresholds so freed multi-megabyte buffers are reused instead of returned to the
/// kernel (see NumericCore/Memory.swift). Returns 1 when both settings were accepted, 0 otherwise (non-glibc: 0).
int secla_reuse_freed_buffers(void);
#endif
