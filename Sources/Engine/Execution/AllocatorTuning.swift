/// Process-wide allocator settings for inference. Every operator allocates its output afresh; with glibc's
/// defaults, large buffers are mmapped and unmapped on each run, and the page faults that refill them cost
/// as much as the arithmetic of a small convolution. Keeping freed memory in the heap avoids that.
public enum AllocatorTuning {
    /// Serves large allocations from the heap and stops returning freed memory to the system. Call once at
    /// startup, before running models.
    public static func retainFreedMemory() {
        #if os(Linux)
        // glibc's <malloc.h> is not part of the Glibc module; these are its M_TRIM_THRESHOLD and
        // M_MMAP_THRESHOLD parameter numbers.
        _ = glibcMallopt(-3, 1 << 30)
        _ = glibcMallopt(-1, 32 << 20)  // the largest mmap threshold glibc accepts on 64-bit
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
