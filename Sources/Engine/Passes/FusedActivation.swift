/// Runs a node's own operator, then clamps its first (float) output: how nodes carrying the
/// `qscope_activation` attribute (set by `ActivationFusion`) execute. The inner operator is built from the
/// node without the qscope attributes, so operator implementations need not know about fusion.
public final class FusedActivation: Operator {
    public static let activationKey = "qscope_activation"
    public static let minKey = "qscope_clip_min"
    public static let maxKey = "qscope_clip_max"

    private let inner: Operator
    private let lower: Float
    private let upper: Float

    public init(_ context: BuildContext) throws {
        var node = context.node
        let kind = try node.string(FusedActivation.activationKey) ?? ""
        switch kind {
        case "Relu":
            (lower, upper) = (0, .infinity)
        case "Clip":
            lower = try node.float(FusedActivation.minKey, default: -.infinity)
            upper = try node.float(FusedActivation.maxKey, default: .infinity)
        default:
            throw OpError("attribute '\(FusedActivation.activationKey)' is '\(kind)'; expected Relu or Clip")
        }
        for key in [FusedActivation.activationKey, FusedActivation.minKey, FusedActivation.maxKey] {
            node.attributes[key] = nil
        }
        inner = try OperatorRegistry.make(BuildContext(node: node, opset: context.opset, constants: context.constants))
    }

    public func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        if let fusing = inner as? ClampFusing {
            return try fusing.run(inputs, clamp: FloatClamp(lower: lower, upper: upper))
        }
        var outputs = try inner.run(inputs)
        guard !outputs.isEmpty, case .float(var values) = outputs[0].data else {
            throw OpError("a fused activation needs a float output")
        }
        outputs[0].data = .float([])  // drop the second reference so the clamp below writes in place
        let lo = lower, hi = upper
        values.withUnsafeMutableBufferPointer { buffer in
            // Same semantics as Clip: min(max(x, lo), hi).
            for i in buffer.indices { buffer[i] = Swift.min(Swift.max(buffer[i], lo), hi) }
        }
        outputs[0].data = .float(values)
        return outputs
    }
}
