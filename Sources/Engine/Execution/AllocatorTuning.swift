import Foundation

/// Process-wide allocator settings, in two phases.
///
/// Loading (a model, its inputs): every large buffer gets its own mapping, so the loader's transient copies
/// (file bytes, protobuf fields, decoded tensors) go back to the system when freed. Kept in the heap, they
/// left holes that the long-lived weights and inputs sat between, and the first run's activations, which did
/// not fit in them, grew the heap past them (UltraFace: 10.6 MB of heap for 4.7 MB of weights and live
/// activations).
///
/// Inference (from the first run on): large buffers come from the heap, and freed memory stays there. Every
/// operator allocates its output afresh; with glibc's defaults, large buffers are mmapped and unmapped on each
/// run, and the page faults that refill them cost as much as the arithmetic of a small convolution.
public enum AllocatorTuning {
    nonisolated(unsafe) private static var enabled = false
    private static let lock = NSLock()

    /// Opts the process in (the command line does, at startup; library users and tests keep glibc's
    /// defaults) and enters the loading phase.
    public static func enable() {
        lock.lock()
        defer { lock.unlock() }
        enabled = true
        #if os(Linux)
        // An explicit threshold also stops glibc raising it when a mapped buffer is freed.
        _ = glibcMallopt(mmapThreshold, 64 << 10)
        #endif
    }

    /// Enters the inference phase, once, if `enable` was called. `Executor.run` calls it.
    static func inferenceStarting() {
        lock.lock()
        defer { lock.unlock() }
        guard enabled else { return }
        enabled = false
        #if os(Linux)
        _ = glibcMallopt(trimThreshold, 1 << 30)
        _ = glibcMallopt(mmapThreshold, 32 << 20)  // the largest mmap threshold glibc accepts on 64-bit
        #endif
    }

    // glibc's <malloc.h> is not part of the Glibc module. (Swapped, the trim threshold became 32 MiB and a
    // capture-all run, which frees more than that at once, gave its memory back and page-faulted it in again
    // on every run.)
    private static let trimThreshold: Int32 = -1
    private static let mmapThreshold: Int32 = -3
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
