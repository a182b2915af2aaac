extension Executor {
    /// Folds into a Conv of the plain plan the BatchNormalization (with constant statistics) that is the only
    /// reader of its output, and then the Relu, Clip or HardSwish that is the only reader of that (or of the
    /// Conv's output directly, for HardSwish; `fuseActivations` has already taken a Conv's lone Relu or Clip).
    /// Neither intermediate may be a graph output. The chain then runs as one step, and a blocked chain of
    /// depthwise and pointwise layers is not broken by the normalization and activation between them, as in
    /// networks exported without folding BatchNormalization (PP-LCNet, MobileNetV3).
    static func fuseEpilogues(_ steps: [Step], graph: Graph, opset: Int, graphOutputs: Set<Int>) -> [Step] {
        var readers: [Int: [Int]] = [:]
        for (i, step) in steps.enumerated() {
            for s in Set(step.inputSlots.compactMap { $0 }) { readers[s, default: []].append(i) }
        }
        /// The step that alone reads step `i`'s only output, as its data input, when that output is no graph output.
        func soleReader(_ i: Int) -> Int? {
            guard steps[i].outputSlots.count == 1, let out = steps[i].outputSlots[0], !graphOutputs.contains(out),
                  let rs = readers[out], rs.count == 1, rs[0] > i, steps[rs[0]].inputSlots.first == out,
                  !steps[rs[0]].inputSlots.dropFirst().contains(out) else { return nil }
            let node = steps[rs[0]].node
            return node.domain.isEmpty || node.domain == "ai.onnx" ? rs[0] : nil
        }
        var result = steps
        var removed = Set<Int>()
        for (i, step) in steps.enumerated() where step.op is ConvOp && step.fused == nil && step.epilogue == nil {
            var epilogue = ConvEpilogue(affine: nil, activation: .none)
            var chain: [Int] = []
            var candidate = soleReader(i)
            if let j = candidate, steps[j].node.opType == "BatchNormalization",
               let affine = foldedNormalization(steps[j], graph) {
                epilogue.affine = affine
                chain.append(j)
                candidate = soleReader(j)
            }
            if let k = candidate, steps[k].node.outputs.count == 1,
               let activation = activation(steps[k].node, graph: graph, opset: opset) {
                epilogue.activation = activation
                chain.append(k)
            }
            guard let last = chain.last else { continue }
            var fused = step
            fused.outputSlots = [steps[last].outputSlots[0]]
            fused.epilogue = epilogue
            result[i] = fused
            removed.formUnion(chain)
        }
        return result.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// A BatchNormalization's multiplier and offset per channel, when its statistics are initializers and it is in
    /// inference mode with one output read.
    private static func foldedNormalization(_ step: Step, _ graph: Graph) -> (scale: [Float], shift: [Float])? {
        let node = step.node
        let consts = constants(of: node, graph: graph)
        guard node.inputs.count == 5, (1...4).allSatisfy({ consts[$0] != nil }),
              node.outputs.dropFirst().allSatisfy(\.isEmpty),
              (try? node.int("training_mode", default: 0)) == 0,
              let epsilon = try? node.float("epsilon", default: 1e-5) else { return nil }
        return try? BatchNormalizationOp.fold(consts[1]!, consts[2]!, consts[3]!, consts[4]!, epsilon: epsilon)
    }

    private static func activation(_ node: Node, graph: Graph, opset: Int) -> ConvEpilogue.Activation? {
        if node.opType == "HardSwish" { return .hardSwish }
        return activationClamp(node, graph: graph, opset: opset).map { .clamp($0) }
    }

    /// Applies a fused epilogue in place to a convolution's NCHW output.
    static func apply(_ epilogue: ConvEpilogue, to outputs: inout [Tensor]) throws {
        guard !outputs.isEmpty, outputs[0].rank >= 2, outputs[0].dtype == .float else {
            throw OpError("a fused BatchNormalization or activation needs a float [N, C, ...] output")
        }
        let shape = outputs[0].shape
        if let affine = epilogue.affine, affine.scale.count != shape[1] {
            throw OpError("the output has \(shape[1]) channels but the BatchNormalization statistics \(affine.scale.count)")
        }
        _ = outputs[0].updateFloats { base, _ in
            epilogue.apply(base, batch: shape[0], channels: shape[1], plane: shape[2...].reduce(1, *))
        }
    }
}
