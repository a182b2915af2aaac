#if canImport(Glibc)
import Glibc
#endif
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

    static func run(_ args: [String], timeout: Double = 600) throws -> CLIResult {
        try Subprocess.run(binary, args, timeout: timeout)
    }

    /// A file under Tests/Fixtures.
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// Writes `count` calibration samples for the generated test model into `dir/cal`: uniform values in
    /// [-1.5, 1.5), like the fixture's own input. Returns the directory.
    static func writeSamples(in dir: URL, count: Int, shape: [Int] = [1, 3, 32, 32], seed: UInt64) throws -> String {
        let cal = dir.appendingPathComponent("cal")
        try FileManager.default.createDirectory(at: cal, withIntermediateDirectories: true)
        for i in 0..<count {
            let t = try SyntheticInput.make(shape: shape, dtype: .float, seed: seed + UInt64(i))
            try Npy.write(Tensor(shape: shape, floats: try t.floats().map { ($0 - 0.5) * 3 }),
                          to: cal.appendingPathComponent("s\(i).npy").path)
        }
        return cal.path
    }

    /// A fresh temporary directory for one test.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

final class BundleMarker {}

/// Runs a program with its output captured in files, and waits with `waitpid` on its pid alone.
/// Foundation's `Process` learns of an exit through a descriptor the child inherits, and tmux's server (forked by
/// the client) keeps every inherited descriptor: the client's exit was then never seen and the suite hung.
/// A deadline kills runaway children so a hung program fails its test instead of stalling CI.
enum Subprocess {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ executable: URL, _ args: [String], timeout: Double = 600) throws -> CLIResult {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-sub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outPath = tmp.appendingPathComponent("out").path, errPath = tmp.appendingPathComponent("err").path
        let command = ([executable.lastPathComponent] + args).joined(separator: " ")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable.path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable.path, &actions, nil, argv, environ)
        guard rc == 0 else { throw Failure(description: "\(command): posix_spawn failed with errno \(rc)") }

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw Failure(description: "\(command) did not finish within \(Int(timeout)) s")
            }
            usleep(10_000)
        }
        // Exited normally: the code is in bits 8-15; killed by a signal: report 128 + signal, as shells do.
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CLIResult(code: code,
                         stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self),
                         stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self))
    }
}

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
