/// Process-wide allocator settings for inference. Every operator allocates its output afresh; with glibc's
/// defaults, large buffers are mmapped and unmapped on each run, and the page faults that refill them cost
/// as much as the arithmetic of a small convolution. Keeping freed memory in the heap avoids that.
public enum AllocatorTuning {
    /// Serves large allocations from the heap and stops returning freed memory to the system. Call once at
    /// startup, before running models.
    public static func retainFreedMemory() {
        #if os(Linux)
        // glibc's <malloc.h> is not part of the Glibc module; there M_TRIM_THRESHOLD is -1 and
        // M_MMAP_THRESHOLD is -3. (Swapped, the trim threshold became 32 MiB and a capture-all run, which
        // frees more than that at once, gave its memory back and page-faulted it in again on every run.)
        _ = glibcMallopt(-1, 1 << 30)
        _ = glibcMallopt(-3, 32 << 20)  // the largest mmap threshold glibc accepts on 64-bit
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
