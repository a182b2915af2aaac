import Foundation
import SwiftProtobuf

/// Turns a `Model` back into ONNX bytes (for exported quantized and optimized models).
public enum ModelWriter {
    /// The `ModelProto` of a model. Initializers are written with `raw_data`.
    public static func proto(_ model: Model, producer: String = "qscope") -> Onnx_ModelProto {
        var g = Onnx_GraphProto()
        g.name = model.graph.name.isEmpty ? "qscope" : model.graph.name
        g.node = model.graph.nodes.map(nodeProto)
        // Constants nothing reads (folded Shape outputs kept under their names for the analysis) are left out:
        // ONNX Runtime warns about each one.
        var read = Set(model.graph.outputs.map(\.name)).union(model.graph.inputs.map(\.name))
        for n in model.graph.nodes { read.formUnion(n.inputs) }
        g.initializer = model.graph.initializers.filter { read.contains($0.key) }.sorted { $0.key < $1.key }
            .map { TensorProtoCodec.encode($0.value, name: $0.key) }
        g.input = model.graph.inputs.map(valueInfoProto)
        g.output = model.graph.outputs.map(valueInfoProto)
        var m = Onnx_ModelProto()
        m.irVersion = 8
        m.producerName = producer
        m.opsetImport = model.opsets.sorted { $0.key < $1.key }.map { domain, version in
            var o = Onnx_OperatorSetIdProto()
            o.domain = domain
            o.version = Int64(version)
            return o
        }
        m.graph = g
        return m
    }

    /// Serializes and writes atomically.
    public static func write(_ model: Model, to path: String) throws {
        let data: Data
        do { data = try proto(model).serializedData() } catch {
            throw QScopeError.fileUnreadable(path: path, reason: "cannot encode the model (\(error))")
        }
        try FileIO.writeAtomically(data, to: path)
    }

    static func nodeProto(_ n: Node) -> Onnx_NodeProto {
        var p = Onnx_NodeProto()
        p.name = n.name
        p.opType = n.opType
        p.domain = n.domain
        p.input = n.inputs
        p.output = n.outputs
        p.attribute = n.attributes.sorted { $0.key < $1.key }.compactMap { attributeProto($0.key, $0.value) }
        return p
    }

    static func attributeProto(_ name: String, _ value: AttributeValue) -> Onnx_AttributeProto? {
        var a = Onnx_AttributeProto()
        a.name = name
        switch value {
        case .float(let f): a.type = .float; a.f = f
        case .int(let i): a.type = .int; a.i = Int64(i)
        case .string(let s): a.type = .string; a.s = Data(s.utf8)
        case .tensor(let t): a.type = .tensor; a.t = TensorProtoCodec.encode(t, name: "")
        case .floats(let f): a.type = .floats; a.floats = f
        case .ints(let i): a.type = .ints; a.ints = i.map { Int64($0) }
        case .strings(let s): a.type = .strings; a.strings = s.map { Data($0.utf8) }
        case .unsupported: return nil
        }
        return a
    }

    static func valueInfoProto(_ v: ValueInfo) -> Onnx_ValueInfoProto {
        var p = Onnx_ValueInfoProto()
        p.name = v.name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(v.elementType)
        if let dims = v.dims {
            var s = Onnx_TensorShapeProto()
            s.dim = dims.map { d in
                var x = Onnx_TensorShapeProto.Dimension()
                switch d {
                case .fixed(let n): x.dimValue = Int64(n)
                case .symbolic(let name): x.dimParam = name
                }
                return x
            }
            t.shape = s
        }
        p.type.value = .tensorType(t)
        return p
    }
}
