// Allocation policy for tensor buffers.

import CAllocator

public enum Memory {
    /// Keeps freed tensor buffers inside the process for reuse instead of returning them to the kernel.
    ///
    /// A training step frees and re-allocates the same few-MB activation buffers every iteration. By default glibc
    /// serves such sizes with fresh `mmap`s and gives them back on `free`, so every step pays page faults to zero the
    /// same memory again (measured: ≈8k faults per batch-256 step). Raising the mmap and trim thresholds makes glibc
    /// recycle them from its heap. Call once at program start; it changes only where freed memory goes.
    /// Returns whether the allocator accepted the setting (false on non-glibc systems).
    @discardableResult
    public static func reuseFreedBuffers() -> Bool { secla_reuse_freed_buffers() == 1 }
}
