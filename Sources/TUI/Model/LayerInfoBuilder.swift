import Foundation
import Engine

/// Builds the layer view models from a loaded model, before any metric exists.
public enum LayerInfoBuilder {
    /// One `LayerInfo` per node in topological order, with producers, consumers, attributes and, for
    /// convolutions with constant weights, per-channel weight ranges.
    /// - Parameter shapes: tensor shapes by name when known (e.g. recorded by an execution observer);
    ///   declared graph output shapes are used otherwise.
    public static func build(model: Model, shapes: [String: [Int]] = [:]) throws -> [LayerInfo] {
        let graph = model.graph
        let order = try GraphPlanner.topologicalOrder(graph)
        var producerOf: [String: Int] = [:]
        for (position, nodeIndex) in order.enumerated() {
            for o in graph.nodes[nodeIndex].outputs where !o.isEmpty { producerOf[o] = position }
        }
        var consumersOf: [Int: [Int]] = [:]
        for (position, nodeIndex) in order.enumerated() {
            var seen = Set<Int>()
            for i in graph.nodes[nodeIndex].inputs where !i.isEmpty {
                if let p = producerOf[i], seen.insert(p).inserted { consumersOf[p, default: []].append(position) }
            }
        }
        let declared = Dictionary(graph.outputs.map { ($0.name, $0.shapeText) }, uniquingKeysWith: { a, _ in a })

        return order.enumerated().map { position, nodeIndex in
            let node = graph.nodes[nodeIndex]
            let first = node.outputs.first ?? ""
            let shape: String
            if let s = shapes[first] { shape = s.map(String.init).joined(separator: "x") }
            else if let d = declared[first] { shape = d.dropFirst().dropLast().replacingOccurrences(of: ", ", with: "x") }
            else { shape = "?" }
            return LayerInfo(
                index: position, name: node.name, op: node.qualifiedOp, outputShape: shape,
                inputs: node.inputs, outputs: node.outputs,
                producers: node.inputs.map { $0.isEmpty ? nil : producerOf[$0] },
                consumers: (consumersOf[position] ?? []).sorted(),
                constantShapes: Dictionary(node.inputs.compactMap { name in
                    graph.initializers[name].map { (name, $0.shape.isEmpty ? "scalar" : $0.shape.map(String.init).joined(separator: "x")) }
                }, uniquingKeysWith: { a, _ in a }),
                attributes: attributeLines(node),
                channelRanges: channelRanges(node, graph))
        }
    }

    /// "key = value" per attribute, sorted; long lists and tensors summarised.
    public static func attributeLines(_ node: Node) -> [String] {
        node.attributes.keys.sorted().map { key in "\(key) = \(describe(node.attributes[key]!))" }
    }

    static func describe(_ value: AttributeValue) -> String {
        func list<T>(_ xs: [T]) -> String {
            let shown = xs.prefix(8).map { "\($0)" }.joined(separator: ", ")
            return "[" + shown + (xs.count > 8 ? ", … (\(xs.count))" : "") + "]"
        }
        switch value {
        case .int(let v): return String(v)
        case .float(let v): return formatNumber(Double(v))
        case .string(let s): return "\"\(s)\""
        case .ints(let v): return list(v)
        case .floats(let v): return list(v.map { formatNumber(Double($0)) })
        case .strings(let v): return list(v.map { "\"\($0)\"" })
        case .tensor(let t): return "tensor \(t.dtype) [\(t.shape.map(String.init).joined(separator: "x"))]"
        case .unsupported(let kind): return "<\(kind)>"
        }
    }

    /// (min, max) of each output channel of a Conv / ConvTranspose weight that is an initializer.
    static func channelRanges(_ node: Node, _ graph: Graph) -> [ClosedRange<Double>] {
        guard node.opType == "Conv" || node.opType == "ConvTranspose", node.inputs.count > 1,
              let w = graph.initializers[node.inputs[1]], w.rank >= 2, case .float(let values) = w.data
        else { return [] }
        // ConvTranspose weights are [Cin, Cout/group, ...]; ranges are per leading axis either way.
        let channels = w.shape[0]
        guard channels > 0, values.count % channels == 0 else { return [] }
        let per = values.count / channels
        guard per > 0 else { return [] }
        return (0..<channels).map { c in
            let slice = values[(c * per)..<((c + 1) * per)]
            return Double(slice.min()!)...Double(slice.max()!)
        }
    }
}

/// Compact number formatting shared by the panes: 4 significant digits, exponent for extremes.
func formatNumber(_ v: Double) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 { return String(format: "%.3e", v) }
    var s = String(format: "%.4g", v)
    if s.contains("e") { s = String(format: "%.3e", v) }
    return s
}
