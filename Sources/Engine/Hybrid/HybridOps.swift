/// Which inputs of an accelerator operator are integer activations, and which kernel computes it.
enum HybridOps {
    /// The inputs the accelerator holds as integer tensors: the data input of layers and single-input
    /// operators, every non-constant input of Add, Mul and Concat.
    static func dataInputs(_ node: Node, initializers: [String: Tensor]? = nil) -> [String] {
        switch node.opType {
        case "Add", "Mul", "Concat":
            return node.inputs.filter { !$0.isEmpty && initializers?[$0] == nil }
        default:
            return node.inputs.first.map { $0.isEmpty ? [] : [$0] } ?? []
        }
    }

    /// The Relu or Clip a node computes, with Clip's bounds from its attributes (opset < 11) or constant
    /// inputs.
    static func activation(_ node: Node, _ constants: [Int: Tensor], opset: Int) throws -> IntegerActivation? {
        switch node.opType {
        case "Relu": return .relu
        case "Clip":
            if opset < 11 {
                return .clip(min: try node.float("min"), max: try node.float("max"))
            }
            func bound(_ i: Int) throws -> Float? {
                guard let t = constants[i] else { return nil }
                guard t.count == 1 else { throw OpError("Clip bound \(i) must be a scalar") }
                return t.asFloats()[0]
            }
            return .clip(min: try bound(1), max: try bound(2))
        default: return nil
        }
    }

    /// The accelerator kernel for a node.
    static func kernel(_ ctx: KernelContext) throws -> AccKernel {
        switch ctx.node.opType {
        case "Conv": return try ConvKernel(ctx)
        case "Gemm", "MatMul": return try MatMulKernel(ctx) ?? EmulatedKernel(ctx)
        case "Add", "Mul": return try BinaryKernel(ctx)
        case "Concat": return try ConcatKernel(ctx)
        case "MaxPool", "AveragePool": return try PoolKernel(ctx)
        case "GlobalAveragePool", "GlobalMaxPool": return try GlobalPoolKernel(ctx)
        case "Resize":
            return try ctx.node.string("mode", default: "nearest") == "nearest" ? GatherKernel(ctx) : EmulatedKernel(ctx)
        case "Relu", "Clip": return try ClampKernel(ctx)
        case "PRelu": return try PReluKernel(ctx)
        default:
            if let f = try LookupTableKernel.function(ctx.node) { return try LookupTableKernel(ctx, function: f) }
            return try EmulatedKernel(ctx)
        }
    }
}
