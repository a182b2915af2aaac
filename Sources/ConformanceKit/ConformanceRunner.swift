import Engine
import Foundation
import SwiftProtobuf

/// What happened to one backend test folder.
public enum TestOutcome: Equatable {
    case passed
    /// Ran (or tried to) and disagreed with the reference, or errored.
    case failed(String)
    /// Not run: the listed default-domain operators (or `domain::Op`s) are not registered.
    case unsupportedOperators([String])
    /// Not run: a tensor has an element type qscope does not compute with (ONNX name, e.g. "DOUBLE").
    case unsupportedDType(String)
    /// Not run: listed in the exclusions file, with its reason.
    case excluded(String)
}

/// Runs ONNX backend tests (`DIR/<test>/model.onnx` + `test_data_set_0/{input,output}_N.pb`) through qscope.
public struct ConformanceRunner {
    public var tolerance: Tolerance
    /// Test name -> reason; these are not run.
    public var exclusions: [String: String]

    public init(tolerance: Tolerance = .conformance, exclusions: [String: String] = [:]) {
        self.tolerance = tolerance
        self.exclusions = exclusions
    }

    /// Reads an exclusions file: one `test_name  # reason` per line; blank lines and `#` comment lines are
    /// ignored.
    public static func parseExclusions(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "#", maxSplits: 1)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let reason = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "excluded"
            if !name.isEmpty { result[name] = reason.isEmpty ? "excluded" : reason }
        }
        return result
    }

    /// The test folders in `directory` (those holding a model.onnx), sorted by name.
    public static func testFolders(in directory: String) throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw QScopeError.fileUnreadable(path: directory, reason: "no such directory")
        }
        let names = try fm.contentsOfDirectory(atPath: directory).sorted()
        return names.filter { fm.fileExists(atPath: "\(directory)/\($0)/model.onnx") }
    }

    /// Runs one test folder.
    public func run(testDirectory dir: String) -> TestOutcome {
        let name = URL(fileURLWithPath: dir).lastPathComponent
        if let reason = exclusions[name] { return .excluded(reason) }

        let model: Model
        do {
            model = try ModelLoader.load(path: "\(dir)/model.onnx")
        } catch {
            if let dtype = Self.unsupportedDTypeName(in: error) {
                // "type 24" -> "FLOAT8E8M0"
                if dtype.hasPrefix("type "), let raw = Int(dtype.dropFirst(5)) { return .unsupportedDType(Self.typeName(raw)) }
                return .unsupportedDType(dtype)
            }
            return .failed("model does not load: \(error)")
        }

        // Element types of the declared inputs and outputs, and of the data files.
        let dataSet = "\(dir)/test_data_set_0"
        let inputFiles = Self.numberedFiles(in: dataSet, prefix: "input_")
        let outputFiles = Self.numberedFiles(in: dataSet, prefix: "output_")
        let proto = (FileManager.default.contents(atPath: "\(dir)/model.onnx"))
            .flatMap { try? Onnx_ModelProto(serializedBytes: $0) }
        if let proto, let kind = Self.nonTensorValue(proto) { return .unsupportedDType(kind) }
        for info in model.graph.inputs + model.graph.outputs
        where info.elementType != 0 && DType(rawValue: info.elementType) == nil {
            return .unsupportedDType(Self.typeName(info.elementType))
        }
        // Cast targets are element types too: a Cast to float64 mid-graph cannot run either.
        for node in model.graph.nodes where node.opType == "Cast" || node.opType == "EyeLike" {
            if case .int(let to)? = node.attributes[node.opType == "Cast" ? "to" : "dtype"], DType(rawValue: to) == nil {
                return .unsupportedDType(Self.typeName(to))
            }
        }
        for file in inputFiles + outputFiles {
            if let raw = Self.elementType(ofTensorFile: file), DType(rawValue: raw) == nil {
                return .unsupportedDType(Self.typeName(raw))
            }
        }

        let missing = Set(model.graph.nodes.filter { !OperatorRegistry.supports($0) }.map(\.qualifiedOp))
        if !missing.isEmpty { return .unsupportedOperators(missing.sorted()) }

        // input_N.pb belongs to the N-th input the file declares; ModelLoader drops declared inputs that are
        // initializers (older exporters list weights as inputs), so the numbering comes from the file itself.
        let declared = proto.map { $0.graph.input.map(\.name) } ?? model.graph.inputs.map(\.name)
        return runSupported(model, declaredInputs: declared, inputFiles: inputFiles, outputFiles: outputFiles)
    }

    private func runSupported(_ model: Model, declaredInputs: [String], inputFiles: [String],
                              outputFiles: [String]) -> TestOutcome {
        let graph = model.graph
        let needed = Set(graph.inputs.map(\.name))
        let provided = Set(zip(declaredInputs, inputFiles).map(\.0))
        if let absent = graph.inputs.first(where: { !provided.contains($0.name) }) {
            return .failed("graph input '\(absent.name)' has no input_N.pb in test_data_set_0 (\(inputFiles.count) files)")
        }
        guard outputFiles.count == graph.outputs.count else {
            return .failed("the graph has \(graph.outputs.count) outputs but test_data_set_0 holds \(outputFiles.count) output files")
        }
        do {
            var feeds: [String: Tensor] = [:]
            for (name, file) in zip(declaredInputs, inputFiles) where needed.contains(name) {
                feeds[name] = try TensorProtoCodec.read(path: file).tensor
            }
            let executor: Executor
            do { executor = try Executor(model: model) } catch { return .failed("build: \(error)") }
            let results: [String: Tensor]
            do { results = try executor.run(feeds) } catch { return .failed("run: \(error)") }

            var problems: [String] = []
            for (k, (info, file)) in zip(graph.outputs, outputFiles).enumerated() {
                let expected = try TensorProtoCodec.read(path: file).tensor
                guard let got = results[info.name] else {
                    problems.append("output \(k) '\(info.name)' was not produced")
                    continue
                }
                if let mismatch = TensorComparison.compare(got: got, expected: expected, tolerance: tolerance) {
                    problems.append("output \(k) '\(info.name)': \(mismatch)")
                }
            }
            return problems.isEmpty ? .passed : .failed(problems.joined(separator: "; "))
        } catch {
            return .failed("\(error)")
        }
    }

    /// `prefix0.pb`, `prefix1.pb`, ... in numeric order, stopping at the first gap.
    static func numberedFiles(in dir: String, prefix: String) -> [String] {
        var files: [String] = []
        while FileManager.default.fileExists(atPath: "\(dir)/\(prefix)\(files.count).pb") {
            files.append("\(dir)/\(prefix)\(files.count).pb")
        }
        return files
    }

    /// "sequence", "optional", "map" or "sparse tensor" when a graph input or output is not a plain tensor.
    static func nonTensorValue(_ proto: Onnx_ModelProto) -> String? {
        for v in proto.graph.input + proto.graph.output where v.type.value == nil {
            // qscope's schema subset only knows tensor types; the others arrive as unknown fields. The first
            // byte is the field tag: (field number << 3) | wire type 2.
            guard let tag = v.type.unknownFields.data.first else { continue }
            switch tag >> 3 {
            case 4: return "sequence (non-tensor value)"
            case 5: return "map (non-tensor value)"
            case 8: return "sparse tensor (non-tensor value)"
            case 9: return "optional (non-tensor value)"
            default: return "type field \(tag >> 3) (non-tensor value)"
            }
        }
        return nil
    }

    /// ONNX's name for a data-type number, including the small-float and sub-byte types newer than the
    /// engine's name table.
    static func typeName(_ raw: Int) -> String {
        let newer = [17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4",
                     22: "INT4", 23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2"]
        return newer[raw] ?? DType.onnxName(raw)
    }

    /// The ONNX data-type number stored in a serialized TensorProto file, or nil when it cannot be decoded.
    static func elementType(ofTensorFile path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path),
              let proto = try? Onnx_TensorProto(serializedBytes: data) else { return nil }
        return Int(proto.dataType)
    }

    /// The ONNX type name when a load error is about an element type qscope lacks (the codec reports
    /// "... has element type DOUBLE, which qscope does not support").
    static func unsupportedDTypeName(in error: Error) -> String? {
        let text = "\(error)"
        guard let range = text.range(of: "element type "),
              let end = text.range(of: ", which qscope does not support", range: range.upperBound..<text.endIndex)
        else { return nil }
        return String(text[range.upperBound..<end.lowerBound])
    }
}
