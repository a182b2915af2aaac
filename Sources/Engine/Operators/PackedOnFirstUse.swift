import Foundation

/// A value an operator derives from its constant inputs (repacked weights) and builds on its first run, not
/// when the plan is built. The executor builds two plans over the same model: the observed one (every operator
/// on its own, NCHW) and the plain one (fused, channel-blocked). A run takes one of them, so packing eagerly
/// kept, for every convolution, a packed copy of its weights for a kernel that run never calls.
final class PackedOnFirstUse<Value>: @unchecked Sendable {
    // Runs are sequential per executor, but the TUI's background jobs may share one, hence the lock.
    private let lock = NSLock()
    private var value: Value?
    private var build: (() -> Value)?

    init(_ build: @escaping () -> Value) { self.build = build }

    /// The value, built by the first caller.
    var get: Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let v = build!()
        value = v
        build = nil
        return v
    }

    /// Whether a run has built the value yet (for tests of what a plan keeps).
    var isBuilt: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value != nil
    }
}
