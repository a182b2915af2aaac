import Engine

/// Compares every tensor a stage produces with the same-named tensor of a reference run, accumulating the
/// metrics over samples without storing the stage's tensors.
public final class ComparingObserver: ExecutionObserver {
    /// The reference tensors of the current sample, by name.
    public var reference: [String: Tensor] = [:]
    /// Accumulated metrics by tensor name, over all samples seen.
    public private(set) var metrics: [String: MetricsAccumulator] = [:]

    public init() {}

    public func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        compare(name, tensor)
    }

    /// Compares one tensor (also used for graph inputs, which no node produces).
    public func compare(_ name: String, _ tensor: Tensor) {
        guard let ref = reference[name], case .float(let a) = ref.data, case .float(let b) = tensor.data else { return }
        metrics[name, default: MetricsAccumulator()].add(reference: a, candidate: b)
    }

    /// The accumulated result per tensor.
    public var results: [String: TensorMetrics] { metrics.mapValues(\.result) }
}
