/// Which tensors have shapes (and which have values) fixed by the graph-input shapes alone, independent of
/// the input data. Shape nodes reading such tensors can become constants for those input shapes.
enum StaticShapes {
    /// Operators whose output shape depends on input values in ways no static rule captures.
    static let dataDependent: Set<String> = [
        "NonZero", "Unique", "Compress", "NonMaxSuppression", "Loop", "If", "Scan", "SequenceConstruct",
        "SplitToSequence", "ConcatFromSequence", "StringSplit", "TfIdfVectorizer", "RandomNormalLike",
        "RandomUniformLike", "Multinomial", "Bernoulli",
    ]

    /// For operators with shape-determining inputs (sizes, axes, pads, repeats...): the positions of those
    /// inputs. Their values must be static for the output shape to be.
    static let shapeInputs: [String: [Int]] = [
        "Reshape": [1], "Expand": [1], "Tile": [1], "Slice": [1, 2, 3, 4], "Pad": [1, 3], "Resize": [1, 2, 3],
        "Upsample": [1], "ConstantOfShape": [0], "Range": [0, 1, 2], "TopK": [1], "Split": [1], "Squeeze": [1],
        "Unsqueeze": [1], "ReduceSum": [1], "ReduceMean": [1], "ReduceMax": [1], "ReduceMin": [1],
        "ReduceProd": [1], "ReduceL1": [1], "ReduceL2": [1], "ReduceLogSum": [1], "ReduceLogSumExp": [1],
        "ReduceSumSquare": [1], "OneHot": [1], "CenterCropPad": [1], "MaxUnpool": [2], "Col2Im": [1, 2],
        "AffineGrid": [1], "DFT": [1, 2], "STFT": [1, 2, 3], "BlackmanWindow": [0], "HannWindow": [0],
        "HammingWindow": [0],
    ]

    /// Operators whose output values depend only on the input's shape.
    static let shapeReaders: Set<String> = ["Shape", "Size"]

    /// The tensors whose shapes are static, and those whose values are static (initializers and everything
    /// computed only from them and from shapes of static-shape tensors). `order` is a topological order.
    static func analyze(_ graph: Graph, order: [Int]) -> (shapes: Set<String>, values: Set<String>) {
        var shapes = Set(graph.inputs.map(\.name)).union(graph.initializers.keys)
        var values = Set(graph.initializers.keys).subtracting(graph.inputs.map(\.name))
        for i in order {
            let node = graph.nodes[i]
            let present = node.inputs.filter { !$0.isEmpty }
            let defaultDomain = node.domain.isEmpty || node.domain == "ai.onnx"
            let outs = node.outputs.filter { !$0.isEmpty }
            guard defaultDomain, !dataDependent.contains(node.opType) else { continue }
            let inputShapesStatic = present.allSatisfy { shapes.contains($0) }
            if shapeReaders.contains(node.opType) {
                if inputShapesStatic { shapes.formUnion(outs); values.formUnion(outs) }
                continue
            }
            if !present.isEmpty && present.allSatisfy({ values.contains($0) }) {
                shapes.formUnion(outs)
                values.formUnion(outs)
                continue
            }
            let sizing = (shapeInputs[node.opType] ?? []).filter { $0 < node.inputs.count && !node.inputs[$0].isEmpty }
            if inputShapesStatic && sizing.allSatisfy({ values.contains(node.inputs[$0]) }) {
                shapes.formUnion(outs)
            }
        }
        return (shapes, values)
    }
}
