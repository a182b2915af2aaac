/// Folds an inference BatchNormalization into the Conv, ConvTranspose or Gemm that feeds it:
/// `bn(y) = y * s + (B - mean * s)` with `s = scale / sqrt(var + epsilon)` per output channel, so the weights
/// are scaled by `s` along the output-channel axis and the bias becomes `(bias - mean) * s + B`.
///
/// Only when the BN is the single reader of that output, all weights and BN parameters are float constants,
/// and the BN is in inference mode. The fused node keeps its own name but writes the BN's output tensor; its
/// former output is recorded as fused into it. New weights get new names (the old ones may be shared).
public struct BatchNormFolding: GraphPass {
    public let name = "fold-batchnorm"
    public let description = "fold BatchNormalization into a preceding Conv, ConvTranspose or Gemm with constant weights"

    public init() {}

    public func apply(_ state: inout PassState) throws {
        var graph = state.graph
        var removed: Set<Int> = []
        for b in graph.nodes.indices where graph.nodes[b].opType == "BatchNormalization" && isDefault(graph.nodes[b]) {
            let bn = graph.nodes[b]
            guard let factors = try? channelFactors(bn, graph),
                  let p = graph.producer(of: bn.inputs[0]), !removed.contains(p),
                  let single = graph.hasSingleConsumer(bn.inputs[0]), single.node == b, single.slot == 0
            else { continue }
            let producer = graph.nodes[p]
            guard isDefault(producer), producer.outputs.first == bn.inputs[0] else { continue }
            let folded: (weight: Tensor, bias: Tensor, extraAttributes: [String: AttributeValue])?
            switch producer.opType {
            case "Conv": folded = try? foldConv(producer, graph, factors, transposed: false)
            case "ConvTranspose": folded = try? foldConv(producer, graph, factors, transposed: true)
            case "Gemm": folded = try? foldGemm(producer, graph, factors)
            default: folded = nil
            }
            guard let folded else { continue }

            var fused = producer
            let weightName = graph.unusedTensorName(producer.inputs[1] + "_bnfold")
            graph.initializers[weightName] = folded.weight
            let biasName = graph.unusedTensorName((producer.inputs.count > 2 && !producer.inputs[2].isEmpty
                                                   ? producer.inputs[2] : producer.name + "_bias") + "_bnfold")
            graph.initializers[biasName] = folded.bias
            fused.inputs = [producer.inputs[0], weightName, biasName]
            fused.outputs = [bn.outputs[0]]
            fused.attributes.merge(folded.extraAttributes) { _, new in new }
            graph.nodes[p] = fused
            graph.nodes[b].inputs = []
            graph.nodes[b].outputs = []
            removed.insert(b)
            state.recordFused(producer.outputs[0], into: producer.name)
            state.recordMerged(bn.name, into: producer.name)
            state.note(name, "folded BatchNormalization '\(bn.name)' into \(producer.opType) '\(producer.name)'",
                       nodes: [bn.name, producer.name])
        }
        graph.removeNodes(removed)
        state.graph = graph
    }

    private func isDefault(_ n: Node) -> Bool { n.domain.isEmpty || n.domain == "ai.onnx" }

    /// Per-channel (multiplier, offset) of an inference BatchNormalization, or an error when it cannot fold.
    func channelFactors(_ bn: Node, _ graph: Graph) throws -> (scale: [Float], shift: [Float]) {
        guard bn.inputs.count >= 5, !bn.inputs[0].isEmpty else { throw OpError("BatchNormalization needs 5 inputs") }
        if try bn.int("training_mode", default: 0) != 0 { throw OpError("training mode") }
        // Extra outputs (running statistics in training mode) must not be read.
        for extra in bn.outputs.dropFirst() where !extra.isEmpty {
            if graph.isGraphOutput(extra) || !graph.consumers(of: extra).isEmpty { throw OpError("statistics are read") }
        }
        let params = try bn.inputs[1...4].map { name -> [Float] in
            guard let t = graph.constant(name) else { throw OpError("'\(name)' is not a constant") }
            return try t.floats()
        }
        let c = params[0].count
        guard c > 0, params.allSatisfy({ $0.count == c }) else { throw OpError("parameter sizes differ") }
        let epsilon = try bn.float("epsilon", default: 1e-5)
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        for i in 0..<c {
            let s = params[0][i] / (params[3][i] + epsilon).squareRoot()
            scale[i] = s
            shift[i] = params[1][i] - params[2][i] * s
        }
        return (scale, shift)
    }

    /// Conv weights are [M, C/group, k...]; ConvTranspose weights are [C, M/group, k...] where input channel c
    /// of group g contributes to output channels g*(M/group) ..< (g+1)*(M/group).
    func foldConv(_ conv: Node, _ graph: Graph, _ f: (scale: [Float], shift: [Float]), transposed: Bool) throws
        -> (weight: Tensor, bias: Tensor, extraAttributes: [String: AttributeValue]) {
        guard conv.inputs.count >= 2, let w = graph.constant(conv.inputs[1]), w.rank >= 3 else {
            throw OpError("weights are not a constant")
        }
        var weights = try w.floats()
        let group = try conv.int("group", default: 1)
        let m = f.scale.count
        let inner = w.shape.dropFirst(2).reduce(1, *)
        if transposed {
            let cIn = w.shape[0], perGroup = w.shape[1]
            guard group > 0, cIn % group == 0, perGroup * group == m else { throw OpError("channel mismatch") }
            let inPerGroup = cIn / group
            for c in 0..<cIn {
                let g = c / inPerGroup
                for j in 0..<perGroup {
                    let s = f.scale[g * perGroup + j]
                    let base = (c * perGroup + j) * inner
                    for k in 0..<inner { weights[base + k] *= s }
                }
            }
        } else {
            guard w.shape[0] == m else { throw OpError("channel mismatch") }
            let per = weights.count / m
            for o in 0..<m { for k in 0..<per { weights[o * per + k] *= f.scale[o] } }
        }
        var bias = [Float](repeating: 0, count: m)
        if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
            guard let b = graph.constant(conv.inputs[2]), b.count == m else { throw OpError("bias is not a constant") }
            bias = try b.floats()
        }
        for o in 0..<m { bias[o] = bias[o] * f.scale[o] + f.shift[o] }
        return (Tensor(shape: w.shape, floats: weights), Tensor(shape: [m], floats: bias), [:])
    }

    /// Gemm: Y = alpha * A' * B' + beta * C with output columns along B's N axis (B is [K, N], or [N, K] when
    /// transB). C (any shape broadcastable to [M, N]) becomes beta * C * s + shift and beta becomes 1.
    func foldGemm(_ gemm: Node, _ graph: Graph, _ f: (scale: [Float], shift: [Float])) throws
        -> (weight: Tensor, bias: Tensor, extraAttributes: [String: AttributeValue]) {
        guard gemm.inputs.count >= 2, let b = graph.constant(gemm.inputs[1]), b.rank == 2 else {
            throw OpError("B is not a constant matrix")
        }
        let transB = try gemm.int("transB", default: 0) != 0
        let n = transB ? b.shape[0] : b.shape[1]
        guard n == f.scale.count else { throw OpError("channel mismatch") }
        var weights = try b.floats()
        for row in 0..<b.shape[0] {
            for col in 0..<b.shape[1] { weights[row * b.shape[1] + col] *= f.scale[transB ? row : col] }
        }
        let beta = try gemm.float("beta", default: 1)
        var biasShape = [n]
        var bias = f.shift
        if gemm.inputs.count > 2, !gemm.inputs[2].isEmpty {
            guard let c = graph.constant(gemm.inputs[2]), c.rank <= 2 else { throw OpError("C is not a constant") }
            let cValues = try c.floats()
            biasShape = try ShapeMath.broadcast([c.shape, [n]])
            let index = ShapeMath.broadcastIndices(from: c.shape, to: biasShape)
            bias = index.enumerated().map { i, src in
                beta * cValues[src] * f.scale[i % n] + f.shift[i % n]
            }
        }
        return (Tensor(shape: b.shape, floats: weights), Tensor(shape: biasShape, floats: bias), ["beta": .float(1)])
    }
}
