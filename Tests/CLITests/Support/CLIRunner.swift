import Engine
import Foundation
import XCTest

/// Runs the built `qscope` binary as a user would and captures what it prints.
struct CLIResult {
    let code: Int32
    let stdout: String
    let stderr: String
}

enum CLI {
    /// The directory holding the test bundle also holds the built executables.
    static var binary: URL {
        var dir = Bundle(for: BundleMarker.self).bundleURL
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("qscope").path), dir.path != "/" {
            dir.deleteLastPathComponent()
        }
        return dir.appendingPathComponent("qscope")
    }

    static func run(_ args: [String]) throws -> CLIResult {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIResult(code: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
    }

    /// A fresh temporary directory for one test.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

final class BundleMarker {}

/// Builds small ONNX models in memory, the way an exporter writes them.
enum ProtoBuilder {
    static func valueInfo(_ name: String, _ dims: [Int], type: Int32 = 1) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = type
        var s = Onnx_TensorShapeProto()
        s.dim = dims.map { d in var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = Int64(d); return x }
        t.shape = s
        v.type.value = .tensorType(t)
        return v
    }

    static func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.name = name
        return n
    }

    static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                      initializers: [String: Tensor] = [:], opset: Int64 = 17) -> Onnx_ModelProto {
        var g = Onnx_GraphProto()
        g.name = "test"
        g.node = nodes
        g.input = inputs
        g.output = outputs
        g.initializer = initializers.sorted { $0.key < $1.key }.map { TensorProtoCodec.encode($0.value, name: $0.key) }
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto()
        o.version = opset
        m.opsetImport = [o]
        m.graph = g
        return m
    }

    static func write(_ model: Onnx_ModelProto, to url: URL) throws {
        try model.serializedData().write(to: url)
    }

    static func writeTensor(_ t: Tensor, name: String, to url: URL) throws {
        try TensorProtoCodec.encode(t, name: name).serializedData().write(to: url)
    }
}
