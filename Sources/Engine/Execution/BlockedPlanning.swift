import Foundation

extension Executor {
    /// QSCOPE_BLOCKED=0 keeps every tensor of a plain run in NCHW (to compare with the blocked chains).
    static let blockedLayoutEnabled = getenv("QSCOPE_BLOCKED").map { String(cString: $0) != "0" } ?? true

    /// Runs chains of depthwise and pointwise convolutions on channel-blocked tensors (`BlockedLayout`), as
    /// ONNX Runtime's NCHWc kernels do: a tensor stays blocked when a `BlockedConvOp`-capable convolution makes
    /// it and every reader is one too (as its data input) and it is not a graph output. A convolution runs
    /// blocked when its input or its output is a blocked tensor; it packs an NCHW input or unpacks its output
    /// itself where the neighbour needs NCHW. Lone convolutions keep their usual kernels, as packing both ways
    /// would cost more than it saves.
    static func blockedSteps(_ steps: [Step], graph: Graph, opset: Int, graphOutputs: Set<Int>) -> [Step] {
        guard blockedLayoutEnabled else { return steps }
        var capable = Set<Int>()
        for (i, step) in steps.enumerated() where step.inPlace == nil {
            if BlockedConvOp.kind(of: step.node, constants: constants(of: step.node, graph: graph)) != nil {
                capable.insert(i)
            }
        }
        var readers: [Int: [Int]] = [:]
        for (i, step) in steps.enumerated() {
            for s in Set(step.inputSlots.compactMap { $0 }) { readers[s, default: []].append(i) }
        }
        var blocked = Set<Int>()
        for i in capable {
            guard let out = steps[i].outputSlots.first ?? nil, !graphOutputs.contains(out),
                  let rs = readers[out], !rs.isEmpty else { continue }
            let onlyAsData = rs.allSatisfy { r in
                capable.contains(r) && steps[r].inputSlots.first == out && !steps[r].inputSlots.dropFirst().contains(out)
            }
            if onlyAsData { blocked.insert(out) }
        }
        if blocked.isEmpty { return steps }
        var result = steps
        for i in capable.sorted() {
            let step = steps[i]
            let inputBlocked = step.inputSlots.first.flatMap { $0 }.map(blocked.contains) ?? false
            let outputBlocked = step.outputSlots.first.flatMap { $0 }.map(blocked.contains) ?? false
            guard inputBlocked || outputBlocked else { continue }
            let context = BuildContext(node: step.node, opset: opset, constants: constants(of: step.node, graph: graph))
            let epilogue = step.epilogue ?? step.fused.map { ConvEpilogue(affine: nil, activation: .clamp($0.clamp)) }
            guard let op = try? BlockedConvOp(context, inputBlocked: inputBlocked, outputBlocked: outputBlocked,
                                               epilogue: epilogue) else {
                // Its neighbours already expect blocked tensors: fall back to the plain plan as a whole.
                return steps
            }
            result[i] = Step(node: step.node, op: op, inputSlots: step.inputSlots, outputSlots: step.outputSlots,
                             release: step.release, inPlace: nil)
        }
        return result
    }

    /// The node's inputs that are initializers, by position (as the operators were built with).
    static func constants(of node: Node, graph: Graph) -> [Int: Tensor] {
        var consts: [Int: Tensor] = [:]
        let inputNames = Set(graph.inputs.map(\.name))
        for (k, name) in node.inputs.enumerated() where !name.isEmpty && !inputNames.contains(name) {
            if let t = graph.initializers[name] { consts[k] = t }
        }
        return consts
    }
}
