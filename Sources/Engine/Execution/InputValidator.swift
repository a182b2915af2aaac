/// Checks the tensors a caller feeds against the graph's declared inputs.
public enum InputValidator {
    public static func validate(_ feeds: [String: Tensor], against graph: Graph) throws {
        let names = graph.inputs.map(\.name)
        for name in feeds.keys where !names.contains(name) {
            throw QScopeError.badInput(name: name, reason: "the model has no such input; its inputs are "
                + names.map { "'\($0)'" }.joined(separator: ", "))
        }
        for info in graph.inputs {
            guard let t = feeds[info.name] else {
                throw QScopeError.badInput(name: info.name, reason: "no value given; the model expects "
                    + "\(DType(rawValue: info.elementType)?.name ?? DType.onnxName(info.elementType)) of shape \(info.shapeText)")
            }
            if let want = DType(rawValue: info.elementType), want != t.dtype {
                throw QScopeError.badInput(name: info.name, reason: "it holds \(t.dtype.name) but the model expects \(want.name)")
            } else if info.elementType != 0, DType(rawValue: info.elementType) == nil {
                throw QScopeError.badInput(name: info.name, reason:
                    "the model expects \(DType.onnxName(info.elementType)), which qscope does not support")
            }
            if let dims = info.dims {
                let mismatch = dims.count != t.shape.count || zip(dims, t.shape).contains { d, n in
                    if case .fixed(let f) = d { return f != n && f > 0 }
                    return false
                }
                if mismatch {
                    throw QScopeError.badInput(name: info.name, reason:
                        "it has shape \(t.shape) but the model expects \(info.shapeText)")
                }
            }
        }
    }

    /// The concrete shape for an input: declared fixed dimensions, with symbolic ones taken from `override`
    /// (a full shape) or set to 1 for a leading batch dimension. nil when a dimension stays unknown.
    public static func concreteShape(_ info: ValueInfo, override: [Int]?) -> [Int]? {
        if let override { return override }
        guard let dims = info.dims else { return nil }
        var shape: [Int] = []
        for (i, d) in dims.enumerated() {
            switch d {
            case .fixed(let n) where n > 0: shape.append(n)
            default:
                if i == 0 { shape.append(1) } else { return nil }
            }
        }
        return shape
    }
}
