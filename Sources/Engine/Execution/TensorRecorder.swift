/// An observer that keeps every produced tensor by name: the "capture all" mode of an analysis.
public final class TensorRecorder: ExecutionObserver {
    public private(set) var tensors: [String: Tensor] = [:]
    /// Tensor names in the order they were produced.
    public private(set) var order: [String] = []

    public init() {}

    public func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        if tensors.updateValue(tensor, forKey: name) == nil { order.append(name) }
    }
}
