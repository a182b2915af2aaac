/// Checks a node's attributes against a target's limits; the problem names the attribute, its value and the
/// limit.
enum AttributeCheck {
    /// Why the node cannot run on the accelerator, or nil when it can.
    static func problem(_ node: Node, _ limits: TargetDescription.OperatorLimits, _ graph: Graph) -> String? {
        do {
            return try check(node, limits, graph)
        } catch {
            return "its attributes cannot be read (\(error))"
        }
    }

    private static func check(_ node: Node, _ limits: TargetDescription.OperatorLimits, _ graph: Graph) throws -> String? {
        func within(_ name: String, _ values: [Int], _ limit: Int?) -> String? {
            guard let limit, let worst = values.max(), worst > limit else { return nil }
            return "attribute \(name) \(values) exceeds the limit \(limit)"
        }
        func constant(_ i: Int, _ what: String) -> String? {
            guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
            return graph.initializers[node.inputs[i]] == nil ? "its \(what) '\(node.inputs[i])' is not a constant" : nil
        }
        switch node.opType {
        case "Conv":
            guard node.inputs.count > 1, let w = graph.initializers[node.inputs[1]] else {
                return "its weight is not a constant"
            }
            guard w.rank == 4 else { return "only 2-D convolutions run on the accelerator (weight rank \(w.rank))" }
            if let p = constant(2, "bias") { return p }
            let kernel = try node.ints("kernel_shape") ?? Array(w.shape[2...])
            if let p = within("kernel_shape", kernel, limits.kernelMax) { return p }
            if let p = within("strides", try node.ints("strides") ?? [1, 1], limits.strideMax) { return p }
            if let p = within("dilations", try node.ints("dilations") ?? [1, 1], limits.dilationMax) { return p }
            let group = try node.int("group", default: 1)
            let kind = group == 1 ? "regular" : (w.shape[1] == 1 ? "depthwise" : "grouped")
            if let allowed = limits.groups, !allowed.contains(kind) {
                return "attribute group \(group) makes a \(kind) convolution; the target supports \(allowed.sorted().joined(separator: ", "))"
            }
        case "Gemm":
            if let p = constant(1, "weight") ?? constant(2, "bias") { return p }
            if node.inputs.count < 2 { return "its weight input is missing" }
        case "MatMul":
            guard node.inputs.count > 1, let w = graph.initializers[node.inputs[1]] else {
                return "its second input is not a constant weight"
            }
            if w.rank != 2 { return "its weight has rank \(w.rank); the accelerator takes 2-D weights" }
        case "MaxPool", "AveragePool":
            let kernel = try node.ints("kernel_shape") ?? []
            if kernel.count != 2 { return "only 2-D pooling runs on the accelerator (kernel_shape \(kernel))" }
            if let p = within("kernel_shape", kernel, limits.kernelMax) { return p }
            if let p = within("strides", try node.ints("strides") ?? [1, 1], limits.strideMax) { return p }
            if let p = within("dilations", try node.ints("dilations") ?? [1, 1], limits.dilationMax) { return p }
            if node.outputs.count > 1, !node.outputs[1].isEmpty { return "its Indices output is used" }
        case "Resize":
            let mode = try node.string("mode", default: "nearest")
            if let modes = limits.modes, !modes.contains(mode) {
                return "attribute mode '\(mode)' is not supported (the target supports \(modes.sorted().joined(separator: ", ")))"
            }
        case "Clip":
            if let p = constant(1, "min") ?? constant(2, "max") { return p }
        case "PRelu":
            if node.inputs.count < 2 || node.inputs[1].isEmpty { return "its slope input is missing" }
            if let p = constant(1, "slope") { return p }
        default:
            break
        }
        return nil
    }
}
