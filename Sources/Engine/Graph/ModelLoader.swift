import Foundation
import SwiftProtobuf

/// Reads ONNX files into `Model`s.
public enum ModelLoader {
    /// Loads a model file; external-data tensors are read from beside it.
    public static func load(path: String) throws -> Model {
        // The file's bytes are released when `decode` returns, before the tensors are built.
        var proto = try decode(path)
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try convert(consuming: &proto, path: path, baseDirectory: base)
    }

    private static func decode(_ path: String) throws -> Onnx_ModelProto {
        let bytes = try FileIO.read(path)
        guard !bytes.isEmpty else { throw QScopeError.invalidFile(path: path, reason: "the file is empty") }
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 200
            return try Onnx_ModelProto(serializedBytes: bytes, options: options)
        } catch {
            throw QScopeError.invalidFile(path: path, reason:
                "it is not an ONNX model, or it is truncated (protobuf decoding failed: \(error))")
        }
    }

    /// Converts a decoded `ModelProto`, folding `Constant` nodes into initializers.
    public static func convert(_ proto: Onnx_ModelProto, path: String, baseDirectory: URL?) throws -> Model {
        var copy = proto
        return try convert(consuming: &copy, path: path, baseDirectory: baseDirectory)
    }

    /// Converts `proto` and empties it as it goes: each initializer and node message is dropped once it has
    /// been converted, so the protobuf copy of the weights and their float tensors are not both held in full
    /// (that pair was the peak of a run's memory).
    static func convert(consuming proto: inout Onnx_ModelProto, path: String, baseDirectory: URL?) throws -> Model {
        guard proto.hasGraph, !proto.graph.output.isEmpty else {
            throw QScopeError.invalidFile(path: path, reason:
                "it is not an ONNX model: it has no graph with outputs (garbage, or a different protobuf file)")
        }
        var initializerProtos = proto.graph.initializer
        var nodeProtos = proto.graph.node
        proto.graph.initializer = []
        proto.graph.node = []
        let g = proto.graph
        var opsets: [String: Int] = [:]
        for o in proto.opsetImport { opsets[o.domain == "ai.onnx" ? "" : o.domain] = Int(o.version) }
        if opsets[""] == nil, proto.opsetImport.isEmpty { opsets[""] = 1 }

        var initializers: [String: Tensor] = [:]
        for i in initializerProtos.indices {
            let t = initializerProtos[i]
            initializers[t.name] = try TensorProtoCodec.decode(t, baseDirectory: baseDirectory, context: path)
            initializerProtos[i] = Onnx_TensorProto()
        }

        var nodes: [Node] = []
        var usedNames = Set(nodeProtos.map(\.name).filter { !$0.isEmpty })
        for i in nodeProtos.indices {
            let n = nodeProtos[i]
            defer { nodeProtos[i] = Onnx_NodeProto() }
            var name = n.name
            if name.isEmpty || nodes.contains(where: { $0.name == name }) {
                name = "\(n.opType)_\(i)"
                while usedNames.contains(name) { name += "_" }
                usedNames.insert(name)
            }
            var attrs: [String: AttributeValue] = [:]
            for a in n.attribute {
                attrs[a.name] = try attribute(a, node: name, path: path, base: baseDirectory)
            }
            let node = Node(name: name, opType: n.opType, domain: n.domain == "ai.onnx" ? "" : n.domain,
                            inputs: n.input, outputs: n.output, attributes: attrs)
            if node.opType == "Constant", node.domain.isEmpty, node.outputs.count == 1,
               let value = try? constantValue(node) {
                initializers[node.outputs[0]] = value
                continue
            }
            nodes.append(node)
        }

        let inputs = g.input.filter { initializers[$0.name] == nil }.map(valueInfo)
        let outputs = g.output.map(valueInfo)
        let graph = Graph(name: g.name, nodes: nodes, initializers: initializers, inputs: inputs, outputs: outputs)
        return Model(graph: graph, opsets: opsets, producer: proto.producerName, path: path)
    }

    /// The value a `Constant` node produces, from whichever `value*` attribute it carries.
    public static func constantValue(_ node: Node) throws -> Tensor {
        if let t = try node.tensor("value") { return t }
        if let f = try node.float("value_float"), node.has("value_float") { return Tensor(scalar: f) }
        if let fs = try node.floats("value_floats"), node.has("value_floats") { return Tensor(shape: [fs.count], floats: fs) }
        if case .int(let i)? = node.attributes["value_int"] { return Tensor(shape: [], int64s: [Int64(i)]) }
        if let i = try node.ints("value_ints") { return Tensor(shape: [i.count], int64s: i.map { Int64($0) }) }
        throw OpError("Constant has no value attribute qscope can read (sparse and string constants are not supported)")
    }

    static func valueInfo(_ v: Onnx_ValueInfoProto) -> ValueInfo {
        guard case .tensorType(let t)? = v.type.value else { return ValueInfo(name: v.name, elementType: 0, dims: nil) }
        let dims: [Dimension]? = t.hasShape ? t.shape.dim.map { d in
            if case .dimValue(let n)? = d.value { return .fixed(Int(n)) }
            if case .dimParam(let s)? = d.value { return .symbolic(s) }
            return .symbolic("")
        } : nil
        return ValueInfo(name: v.name, elementType: Int(t.elemType), dims: dims)
    }

    static func attribute(_ a: Onnx_AttributeProto, node: String, path: String, base: URL?) throws -> AttributeValue {
        // Older exporters leave `type` unset; infer it from which field is filled.
        switch a.type {
        case .float: return .float(a.f)
        case .int: return .int(Int(a.i))
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .tensor: return .tensor(try TensorProtoCodec.decode(a.t, baseDirectory: base, context: "\(path), node '\(node)'"))
        case .floats: return .floats(a.floats)
        case .ints: return .ints(a.ints.map { Int($0) })
        case .strings: return .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
        case .undefined:
            if !a.ints.isEmpty { return .ints(a.ints.map { Int($0) }) }
            if !a.floats.isEmpty { return .floats(a.floats) }
            if a.hasT { return .tensor(try TensorProtoCodec.decode(a.t, baseDirectory: base, context: path)) }
            if !a.s.isEmpty { return .string(String(decoding: a.s, as: UTF8.self)) }
            if a.f != 0 { return .float(a.f) }
            return .int(Int(a.i))
        default: return .unsupported("\(a.type)")
        }
    }
}
