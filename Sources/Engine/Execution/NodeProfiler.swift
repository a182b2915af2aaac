import Foundation

/// An opt-in observer that times each node: the wall time from the previous node's first output to this
/// node's first output (so it includes the executor's bookkeeping for the node). It can forward every tensor
/// to another observer, e.g. a `TensorRecorder`, to profile a capture-all run.
public final class NodeProfiler: ExecutionObserver {
    /// Accumulated seconds and call count per node name.
    public private(set) var seconds: [String: Double] = [:]
    public private(set) var calls: [String: Int] = [:]
    /// Op type per node name, for totals by operator.
    public private(set) var opTypes: [String: String] = [:]
    /// Receives every tensor after it is timed.
    public var forward: ExecutionObserver?
    private var last: Double?
    private var lastNode: String?

    public init(forward: ExecutionObserver? = nil) { self.forward = forward }

    /// Without an observer to forward to, the profile is of the plain run that `qscope run` times: fused
    /// activations and channel-blocked chains, where a node's time includes the activation folded into it.
    public var acceptsPlainPlan: Bool { forward == nil }

    /// Starts a run: the next output is timed from now.
    public func start() {
        last = Self.clock()
        lastNode = nil
    }

    public func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        record(node, fallbackName: name)
        forward?.didProduce(name, tensor, by: node)
        last = Self.clock()
    }

    public func didFinish(_ node: Node) {
        record(node, fallbackName: "?")
        last = Self.clock()
    }

    private func record(_ node: Node, fallbackName: String) {
        let key = node.name.isEmpty ? (node.outputs.first ?? fallbackName) : node.name
        if lastNode != key {
            let t = Self.clock()
            seconds[key, default: 0] += t - (last ?? t)
            calls[key, default: 0] += 1
            opTypes[key] = node.qualifiedOp
            lastNode = key
        }
    }

    /// A text report: totals by operator type, then the slowest nodes, in milliseconds per run.
    public func report(runs: Int, top: Int = 25) -> String {
        let n = Double(max(runs, 1))
        var byOp: [String: Double] = [:]
        for (k, s) in seconds { byOp[opTypes[k] ?? "?", default: 0] += s }
        let total = seconds.values.reduce(0, +)
        var out = String(format: "total %.3f ms/run\n", total * 1000 / n)
        for (op, s) in byOp.sorted(by: { $0.value > $1.value }) {
            out += String(format: "  %-24@ %8.3f ms\n", op as NSString, s * 1000 / n)
        }
        for (k, s) in seconds.sorted(by: { $0.value > $1.value }).prefix(top) {
            out += String(format: "  %8.3f ms  %-18@ %@\n", s * 1000 / n, (opTypes[k] ?? "?") as NSString, k as NSString)
        }
        return out
    }

    private static func clock() -> Double { MonotonicClock.seconds() }
}
