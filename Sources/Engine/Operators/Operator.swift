/// What an operator sees while it is being built: its node, the opset, and the inputs known before any run.
public struct BuildContext {
    public let node: Node
    /// The default-domain opset version the model targets.
    public let opset: Int
    /// Input tensors that are initializers (weights, folded constants), by input position.
    public let constants: [Int: Tensor]

    public init(node: Node, opset: Int, constants: [Int: Tensor]) {
        self.node = node
        self.opset = opset
        self.constants = constants
    }

    /// The constant at input `i`, if that input is a weight.
    public func constant(_ i: Int) -> Tensor? { constants[i] }
}

/// One ONNX operator's float reference implementation. An instance is built once per node (where it may
/// pre-pack constant weights) and then run any number of times.
public protocol Operator: AnyObject {
    init(_ context: BuildContext) throws
    /// Computes the outputs. `inputs[i]` is nil when optional input `i` is omitted.
    func run(_ inputs: [Tensor?]) throws -> [Tensor]
}

extension Array where Element == Tensor? {
    /// The input at `i`, or an error saying it is missing.
    public func required(_ i: Int) throws -> Tensor {
        guard i < count, let t = self[i] else { throw OpError("required input \(i) is missing") }
        return t
    }

    /// The input at `i` when present.
    public func optional(_ i: Int) -> Tensor? { i < count ? self[i] : nil }
}
