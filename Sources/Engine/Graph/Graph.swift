/// One attribute value of a node, decoded from ONNX.
public enum AttributeValue {
    case float(Float)
    case int(Int)
    case string(String)
    case tensor(Tensor)
    case floats([Float])
    case ints([Int])
    case strings([String])
    /// A kind qscope does not interpret (subgraphs, sparse tensors, type protos); the name is kept for messages.
    case unsupported(String)
}

/// A dimension of a declared tensor shape: a number, or a symbol fixed only when an input arrives.
public enum Dimension: Equatable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let s): return s.isEmpty ? "?" : s
        }
    }
}

/// A declared graph input or output: name, element type and (possibly symbolic) shape.
public struct ValueInfo {
    public var name: String
    /// ONNX data-type number; `DType(rawValue:)` is nil for types qscope does not compute with.
    public var elementType: Int
    /// nil when the model declares no shape at all.
    public var dims: [Dimension]?

    public init(name: String, elementType: Int, dims: [Dimension]?) {
        self.name = name
        self.elementType = elementType
        self.dims = dims
    }

    /// The shape as text, e.g. `[N, 3, 224, 224]`.
    public var shapeText: String {
        guard let dims else { return "[?]" }
        return "[" + dims.map(\.description).joined(separator: ", ") + "]"
    }
}

/// One operator application in the graph.
public struct Node {
    /// Unique within the graph; synthesized as `OpType_index` when the file has none.
    public var name: String
    public var opType: String
    /// "" for the default ONNX domain.
    public var domain: String
    /// Input tensor names; "" marks an omitted optional input.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: AttributeValue]

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: AttributeValue] = [:]) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// `domain::OpType`, or just `OpType` in the default domain.
    public var qualifiedOp: String {
        domain.isEmpty || domain == "ai.onnx" ? opType : "\(domain)::\(opType)"
    }
}

/// A model's computation graph: nodes in file order, weights, declared inputs and outputs.
public struct Graph {
    public var name: String
    public var nodes: [Node]
    /// Weights and constants by tensor name (Constant nodes are folded in here at load time).
    public var initializers: [String: Tensor]
    /// Inputs the caller must supply (declared inputs that are not initializers).
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]

    public init(name: String, nodes: [Node], initializers: [String: Tensor], inputs: [ValueInfo], outputs: [ValueInfo]) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A loaded model: the graph plus where it came from and which operator-set versions it targets.
public struct Model {
    public var graph: Graph
    /// Operator-set version by domain ("" is the default ONNX domain).
    public var opsets: [String: Int]
    public var producer: String
    /// The file it was loaded from, for messages ("" when built in memory).
    public var path: String

    public init(graph: Graph, opsets: [String: Int], producer: String = "", path: String = "") {
        self.graph = graph
        self.opsets = opsets
        self.producer = producer
        self.path = path
    }

    /// The default-domain opset version.
    public var opset: Int { opsets[""] ?? opsets["ai.onnx"] ?? 21 }
}
