/// Where a node runs in the simulated hybrid: on the int8 accelerator or on the CPU in float.
public enum Placement: String, Equatable, Sendable {
    case accelerator = "ACC"
    case cpu = "CPU"
}

/// The assignment of every node to the accelerator or the CPU, with the reason for every CPU node.
public struct Partition: Equatable {
    /// Placement by node name.
    public var placement: [String: Placement]
    /// Why each CPU node is on the CPU, by node name.
    public var reasons: [String: String]

    public init(placement: [String: Placement], reasons: [String: String]) {
        self.placement = placement
        self.reasons = reasons
    }

    /// Nodes on the accelerator.
    public var acceleratorNodes: Set<String> { Set(placement.filter { $0.value == .accelerator }.keys) }

    /// Assigns nodes for `target`. A node goes to the CPU when its operator is not supported, an attribute is
    /// out of range, it is listed in `run_on_cpu` (the target's or `runOnCPU`), a tensor it reads or writes
    /// has no quantization parameters, or it would be a lone accelerator node surrounded by CPU nodes.
    /// - Parameters:
    ///   - points: the quantization points; tensors with `activationParams` are the ones the accelerator can
    ///     hold as integers.
    public init(model: Model, target: TargetDescription, points: QuantizationPoints,
                activationParams: [String: QuantParams], runOnCPU: Set<String> = []) throws {
        let graph = model.graph
        let order = try GraphPlanner.topologicalOrder(graph)
        var place: [String: Placement] = [:]
        var why: [String: String] = [:]
        func cpu(_ node: Node, _ reason: String) {
            place[node.name] = .cpu
            if why[node.name] == nil { why[node.name] = reason }
        }
        var producer: [String: Node] = [:]
        var consumers: [String: [Node]] = [:]
        for n in graph.nodes {
            for o in n.outputs where !o.isEmpty { producer[o] = n }
            for i in n.inputs where !i.isEmpty { consumers[i, default: []].append(n) }
        }

        // 1. Per-node checks: listing, support, attributes, constant side inputs.
        for idx in order {
            let node = graph.nodes[idx]
            if target.runOnCPU.contains(node.name) || runOnCPU.contains(node.name) {
                cpu(node, "listed in run_on_cpu")
            } else if !(node.domain.isEmpty || node.domain == "ai.onnx") || target.operators[node.opType] == nil {
                cpu(node, "operator \(node.qualifiedOp) is not supported by target '\(target.name)'")
            } else if let limits = target.operators[node.opType],
                      let problem = AttributeCheck.problem(node, limits, graph) {
                cpu(node, problem)
            } else {
                place[node.name] = .accelerator
            }
        }

        // 2. Tensors: an accelerator node must read and write quantized tensors. Repeated until stable,
        // because moving a layer to the CPU can strand its fused activation and the other way round.
        var changed = true
        while changed {
            changed = false
            for idx in order {
                let node = graph.nodes[idx]
                guard place[node.name] == .accelerator else { continue }
                var problem: String?
                for i in HybridOps.dataInputs(node, initializers: graph.initializers) where problem == nil {
                    if activationParams[i] != nil { continue }
                    if points.fusedInto[i] == node.name, let p = producer[i] {
                        if place[p.name] != .accelerator { problem = "it is fused into layer '\(p.name)', which runs on the CPU" }
                        continue
                    }
                    problem = "its input '\(i)' has no quantization parameters"
                }
                for o in node.outputs where !o.isEmpty && problem == nil {
                    if activationParams[o] != nil { continue }
                    if let act = points.fusedInto[o] {
                        if place[act] != .accelerator { problem = "its fused activation '\(act)' runs on the CPU" }
                        continue
                    }
                    problem = "its output '\(o)' has no quantization parameters"
                }
                if let problem {
                    cpu(node, problem)
                    changed = true
                }
            }
        }

        // 3. A lone accelerator node whose every neighbour runs on the CPU costs two transfers for one
        // operator: it runs on the CPU. Graph inputs and outputs are not neighbours.
        changed = true
        while changed {
            changed = false
            for idx in order {
                let node = graph.nodes[idx]
                guard place[node.name] == .accelerator else { continue }
                var neighbours: [Node] = node.inputs.compactMap { producer[$0] }
                for o in node.outputs where !o.isEmpty { neighbours += consumers[o] ?? [] }
                // A fused pair (layer + activation) is one accelerator layer: look through it.
                let partners = neighbours.filter { n in
                    node.outputs.contains { points.fusedInto[$0] == n.name } || n.outputs.contains { points.fusedInto[$0] == node.name }
                }
                if !partners.isEmpty { continue }
                if !neighbours.isEmpty, neighbours.allSatisfy({ place[$0.name] == .cpu }) {
                    cpu(node, "isolated between CPU nodes")
                    changed = true
                }
            }
        }
        placement = place
        reasons = why
    }
}
