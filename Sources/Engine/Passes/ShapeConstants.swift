/// Replaces Shape and Size nodes whose input shape is fixed by the graph-input shapes with constants.
///
/// The shapes come from one run of the float model on zero-filled inputs of the given shapes (an observer
/// keeps the Shape outputs); `StaticShapes` decides which Shape nodes are data-independent. The
/// optimized model is then specialized to those input shapes. Constant folding afterwards collapses the
/// Shape -> Gather -> Concat -> Reshape chains that read them.
public struct ShapeConstants: GraphPass {
    public let name = "constant-shapes"
    public let description = "replace Shape/Size of tensors whose shape is fixed by the input shapes with constants"

    public init() {}

    public func apply(_ state: inout PassState) throws {
        var graph = state.graph
        let order = try GraphPlanner.topologicalOrder(graph)
        let analysis = StaticShapes.analyze(graph, order: order)
        let candidates = graph.nodes.indices.filter { i in
            let n = graph.nodes[i]
            return (n.domain.isEmpty || n.domain == "ai.onnx") && StaticShapes.shapeReaders.contains(n.opType)
                && n.inputs.count == 1 && analysis.shapes.contains(n.inputs[0]) && n.outputs.count == 1
                && !n.outputs[0].isEmpty
        }
        guard !candidates.isEmpty else { return }

        var feeds: [String: Tensor] = [:]
        for info in graph.inputs {
            guard let shape = InputValidator.concreteShape(info, override: state.inputShapes[info.name]) else {
                state.note(name, "skipped: input '\(info.name)' has no concrete shape (declared \(info.shapeText))")
                return
            }
            guard let dtype = DType(rawValue: info.elementType) ?? (info.elementType == 0 ? .float : nil) else {
                state.note(name, "skipped: input '\(info.name)' has an element type qscope does not support")
                return
            }
            feeds[info.name] = try Tensor.zeros(dtype, shape: shape)
        }
        let recorder = SelectiveRecorder(Set(candidates.map { graph.nodes[$0].outputs[0] }))
        do {
            _ = try Executor(model: ShapeConstants.subModel(state.model, computing: candidates)).run(feeds, observer: recorder)
        } catch {
            state.note(name, "skipped: the float model did not run on zero inputs of the given shapes: \(error)")
            return
        }
        var removed: Set<Int> = []
        for i in candidates {
            let node = graph.nodes[i]
            guard let value = recorder.tensors[node.outputs[0]] else { continue }
            graph.initializers[node.outputs[0]] = value
            state.foldedConstants.insert(node.outputs[0])
            removed.insert(i)
            state.note(name, "\(node.opType) '\(node.name)' is the constant \(value.int64s()) for these input shapes",
                       nodes: [node.name])
        }
        graph.removeNodes(removed)
        // The constants hold for these input shapes only: declare them, so that a written model refuses other
        // shapes up front instead of failing (or computing garbage) deep inside.
        if !removed.isEmpty {
            for i in graph.inputs.indices {
                let info = graph.inputs[i]
                guard let shape = feeds[info.name]?.shape, info.dims != shape.map(Dimension.fixed) else { continue }
                graph.inputs[i].dims = shape.map(Dimension.fixed)
                state.note(name, "input '\(info.name)' (declared \(info.shapeText)) is now fixed to "
                           + "\(shape.map(String.init).joined(separator: "x")): the constants hold for this shape only")
            }
        }
        state.graph = graph
    }
}

extension ShapeConstants {
    /// The part of the model the given nodes depend on, with their outputs as the graph outputs: running it
    /// costs less than the whole model and does not trip over operators the shapes do not need.
    static func subModel(_ model: Model, computing targets: [Int]) -> Model {
        var graph = model.graph
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var needed = Set(targets)
        var stack = targets
        while let i = stack.popLast() {
            for name in graph.nodes[i].inputs {
                if let p = producer[name], needed.insert(p).inserted { stack.append(p) }
            }
        }
        graph.outputs = targets.flatMap { graph.nodes[$0].outputs }.filter { !$0.isEmpty }
            .map { ValueInfo(name: $0, elementType: 7, dims: nil) }
        graph.nodes = graph.nodes.enumerated().filter { needed.contains($0.offset) }.map(\.element)
        var sub = model
        sub.graph = graph
        return sub
    }
}

/// Keeps only the named tensors of a run (a full recorder would hold every activation of a large model).
private final class SelectiveRecorder: ExecutionObserver {
    let wanted: Set<String>
    var tensors: [String: Tensor] = [:]

    init(_ wanted: Set<String>) { self.wanted = wanted }

    func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        if wanted.contains(name) { tensors[name] = tensor }
    }
}
