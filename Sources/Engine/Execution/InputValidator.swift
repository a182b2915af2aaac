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

    /// Checks a shape the user gave for an input (`--shape`, `input_shape`) against its declaration: the same
    /// number of dimensions, and every fixed dimension left as declared. `source` says where the shape came
    /// from, for the message.
    public static func checkGivenShape(_ shape: [Int], for info: ValueInfo, source: String) throws {
        guard let dims = info.dims else { return }
        guard shape.count == dims.count else {
            throw QScopeError.badInput(name: info.name, reason: "\(source) gives \(shape.count) dimension"
                + "\(shape.count == 1 ? "" : "s") \(shape), but the model declares \(dims.count): \(info.shapeText)")
        }
        var conflicts: [(index: Int, given: Int, fixed: Int)] = []
        for (i, (d, n)) in zip(dims, shape).enumerated() {
            if case .fixed(let f) = d, f > 0, f != n { conflicts.append((i, n, f)) }
        }
        guard conflicts.isEmpty else {
            let list = conflicts.map { "dimension \($0.index) to \($0.given) (fixed at \($0.fixed))" }
            throw QScopeError.badInput(name: info.name, reason: "\(source) sets " + list.joined(separator: " and ")
                + ", but the model declares \(info.shapeText) and only its dynamic dimensions can be given")
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
