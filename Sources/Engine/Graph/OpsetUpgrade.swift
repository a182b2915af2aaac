/// Rewrites a model's default-domain nodes into their opset-13 forms, with the same results.
///
/// A QDQ export needs opset 13 (per-axis DequantizeLinear). Raising the declared opset alone leaves nodes in
/// forms that opset 13 does not accept (Slice, Pad, Clip, Split, Squeeze, Unsqueeze and ReduceSum with
/// attributes that became inputs; Upsample, removed; Resize-10's two inputs) or that it reads differently
/// (Softmax and LogSoftmax, which before 13 normalize over all axes from `axis` on): ONNX Runtime refuses the
/// first and silently computes something else for the second.
public enum OpsetUpgrade {
    /// The model at opset 13, or unchanged when it is already there. Throws, naming the node, for a form with
    /// no opset-13 equivalent.
    public static func raiseTo13(_ model: Model) throws -> Model {
        let from = model.opset
        guard from < 13 else { return model }
        var graph = model.graph
        var names = NameSource(graph)
        var nodes: [Node] = []
        for node in graph.nodes {
            guard node.domain.isEmpty || node.domain == "ai.onnx" else { nodes.append(node); continue }
            do {
                nodes += try upgrade(node, from: from, graph: &graph, names: &names)
            } catch let e as OpError {
                throw QScopeError.nodeFailed(node: node.name, op: node.qualifiedOp,
                                             reason: "cannot be written at opset 13: \(e.message)")
            }
        }
        graph.nodes = nodes
        var upgraded = model
        upgraded.graph = graph
        upgraded.opsets[""] = 13
        return upgraded
    }

    private static func upgrade(_ node: Node, from: Int, graph: inout Graph, names: inout NameSource) throws -> [Node] {
        var n = node
        func constant(_ suffix: String, _ tensor: Tensor) -> String {
            let name = names.fresh("\(node.name)_\(suffix)")
            graph.initializers[name] = tensor
            return name
        }
        func int64s(_ values: [Int]) -> Tensor { Tensor(shape: [values.count], int64s: values.map(Int64.init)) }
        /// Moves an integer-list attribute to input `index` (inputs before it padded with "").
        func attributeToInput(_ key: String, at index: Int) throws {
            guard let values = try node.ints(key) else { return }
            n.attributes[key] = nil
            while n.inputs.count < index { n.inputs.append("") }
            n.inputs.insert(constant(key, int64s(values)), at: index)
        }

        switch node.opType {
        case "Clip" where from < 11:
            let lo = try node.float("min", default: -Float.greatestFiniteMagnitude)
            let hi = try node.float("max", default: Float.greatestFiniteMagnitude)
            n.attributes = [:]
            n.inputs = [node.inputs[0], constant("min", Tensor(scalar: lo)), constant("max", Tensor(scalar: hi))]
        case "Slice" where from < 10:
            guard let starts = try node.ints("starts"), let ends = try node.ints("ends") else {
                throw OpError("attributes 'starts' and 'ends' are required")
            }
            var inputs = [node.inputs[0], constant("starts", int64s(starts)), constant("ends", int64s(ends))]
            if let axes = try node.ints("axes") { inputs.append(constant("axes", int64s(axes))) }
            n.attributes = [:]
            n.inputs = inputs
        case "Pad" where from < 11:
            guard let pads = try node.ints("pads") ?? node.ints("paddings") else { throw OpError("attribute 'pads' is required") }
            let value = try node.float("value", default: 0)
            n.attributes = node.attributes.filter { $0.key == "mode" }
            n.inputs = [node.inputs[0], constant("pads", int64s(pads)), constant("value", Tensor(scalar: value))]
        case "Split":
            try attributeToInput("split", at: 1)
        case "Squeeze", "Unsqueeze", "ReduceSum":
            try attributeToInput("axes", at: 1)
        case "Dropout" where from < 12:
            // Inference ignores the ratio; opset 13 takes it as an input.
            let ratio = try node.float("ratio", default: 0.5)
            n.attributes = [:]
            n.inputs = [node.inputs[0], constant("ratio", Tensor(scalar: ratio))]
        case "BatchNormalization" where from < 9:
            if try node.int("spatial", default: 1) != 1 { throw OpError("spatial=0 has no opset-13 form") }
            n.attributes = node.attributes.filter { $0.key == "epsilon" || $0.key == "momentum" }
        case "Upsample":
            let scales: String
            if let attribute = try node.floats("scales") {
                scales = constant("scales", Tensor(shape: [attribute.count], floats: attribute))
            } else {
                guard node.inputs.count > 1, !node.inputs[1].isEmpty else { throw OpError("no scales") }
                scales = node.inputs[1]
            }
            let mode = try node.string("mode", default: "nearest")
            n.opType = "Resize"
            n.inputs = [node.inputs[0], "", scales]
            // Upsample scales are at least 1, where its nearest rule is floor.
            n.attributes = ["mode": .string(mode == "bilinear" ? "linear" : mode),
                            "coordinate_transformation_mode": .string("asymmetric"), "nearest_mode": .string("floor")]
        case "Resize" where from < 11:
            let mode = try node.string("mode", default: "nearest")
            n.inputs = [node.inputs[0], "", node.inputs.count > 1 ? node.inputs[1] : ""]
            n.attributes = ["mode": .string(mode), "coordinate_transformation_mode": .string("asymmetric")]
            if mode == "nearest" { n.attributes["nearest_mode"] = .string(try nearestRule(scales: n.inputs[2], graph: graph)) }
        case "Softmax", "LogSoftmax":
            return try normalizeOverTrailingAxes(node, graph: &graph, names: &names)
        default:
            break
        }
        return [n]
    }

    /// Resize-10 rounds a nearest coordinate down when enlarging and up when shrinking, axis by axis; opset 13
    /// has one rule per node, so the scales must be constant and not mix the two (axes of scale 1 land on whole
    /// coordinates, where both rules agree).
    private static func nearestRule(scales: String, graph: Graph) throws -> String {
        guard let values = try graph.initializers[scales]?.floats() else {
            throw OpError("Resize-10 with scales computed at run time has no opset-13 form")
        }
        let moving = values.filter { $0 != 1 }
        if moving.allSatisfy({ $0 > 1 }) { return "floor" }
        if moving.allSatisfy({ $0 < 1 }) { return "ceil" }
        throw OpError("Resize-10 that enlarges some axes and shrinks others (scales \(values)) has no opset-13 form")
    }

    /// Softmax/LogSoftmax before 13 normalize the input viewed as 2-D at `axis` (default 1). When that is the
    /// last axis (the rank is known from a graph output's declared shape) the opset-13 node is the same;
    /// otherwise Flatten at `axis`, normalize the last axis, and Reshape back to the input's shape.
    private static func normalizeOverTrailingAxes(_ node: Node, graph: inout Graph, names: inout NameSource) throws -> [Node] {
        let axis = try node.int("axis", default: 1)
        var n = node
        n.attributes["axis"] = .int(-1)
        let rank = graph.outputs.first { $0.name == node.outputs[0] }?.dims?.count
        if let rank, axis == -1 || axis == rank - 1 { return [n] }
        let x = node.inputs[0], y = node.outputs[0]
        let flat = names.fresh("\(node.name)_flat"), normalized = names.fresh("\(node.name)_2d"),
            shape = names.fresh("\(node.name)_shape")
        n.inputs = [flat]
        n.outputs = [normalized]
        return [
            Node(name: names.fresh("\(node.name)_Flatten"), opType: "Flatten", inputs: [x], outputs: [flat],
                 attributes: ["axis": .int(axis)]),
            n,
            Node(name: names.fresh("\(node.name)_Shape"), opType: "Shape", inputs: [x], outputs: [shape]),
            Node(name: names.fresh("\(node.name)_Reshape"), opType: "Reshape", inputs: [normalized, shape], outputs: [y]),
        ]
    }
}

/// Tensor and node names not yet used in a graph.
private struct NameSource {
    private var used: Set<String>

    init(_ graph: Graph) {
        used = Set(graph.initializers.keys).union(graph.inputs.map(\.name)).union(graph.nodes.map(\.name))
        for n in graph.nodes { used.formUnion(n.outputs) }
    }

    mutating func fresh(_ base: String) -> String {
        var name = base
        var k = 1
        while used.contains(name) { name = "\(base)_\(k)"; k += 1 }
        used.insert(name)
        return name
    }
}
