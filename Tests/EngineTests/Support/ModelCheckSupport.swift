import Engine
import Foundation
import XCTest

/// Runs whole models on stored inputs and compares with stored reference outputs (ONNX backend-test layout:
/// `input_K.pb` in graph-input order, `output_K.pb` in graph-output order).
enum ModelCheck {
    /// The package root, found from this file's path (Tests/EngineTests/Support/ModelCheckSupport.swift).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// Default tolerance: the largest absolute error may be this fraction of the reference's largest magnitude.
    static let relativeTolerance: Float = 1e-4

    /// The operators of a model qscope has no implementation for, as `Op (n nodes)` texts, sorted.
    static func unsupportedOperators(_ model: Model) -> [String] {
        var count: [String: Int] = [:]
        for n in model.graph.nodes where !OperatorRegistry.supports(n) { count[n.qualifiedOp, default: 0] += 1 }
        return count.keys.sorted().map { "\($0) (\(count[$0]!) node\(count[$0]! == 1 ? "" : "s"))" }
    }

    /// `dir/prefix0.pb`, `dir/prefix1.pb`, ... up to the first gap.
    static func numberedFiles(_ dir: URL, prefix: String) -> [URL] {
        var files: [URL] = []
        while true {
            let f = dir.appendingPathComponent("\(prefix)\(files.count).pb")
            guard FileManager.default.fileExists(atPath: f.path) else { return files }
            files.append(f)
        }
    }

    /// Loads `path`, feeds `inputFiles` to the graph inputs in order, runs the executor, and compares every
    /// output with `outputFiles` (graph-output order). Records XCTest failures with informative messages
    /// (unsupported operators, load and run errors, first mismatch) and returns the outputs when it ran.
    @discardableResult
    static func runAndCompare(model path: String, inputFiles: [URL], outputFiles: [URL],
                              tolerance: Float = relativeTolerance, label: String,
                              file: StaticString = #filePath, line: UInt = #line) -> [Tensor]? {
        let model: Model
        do { model = try ModelLoader.load(path: path) } catch {
            XCTFail("\(label): cannot load the model: \(error)", file: file, line: line)
            return nil
        }
        let missing = unsupportedOperators(model)
        if !missing.isEmpty {
            XCTFail("\(label): qscope has no implementation for \(missing.count) operator type(s) this model uses: "
                    + missing.joined(separator: ", "), file: file, line: line)
            return nil
        }
        let graph = model.graph
        guard inputFiles.count == graph.inputs.count, outputFiles.count == graph.outputs.count else {
            XCTFail("\(label): the graph has \(graph.inputs.count) inputs and \(graph.outputs.count) outputs, the data "
                    + "set \(inputFiles.count) input and \(outputFiles.count) output files", file: file, line: line)
            return nil
        }
        var results: [String: Tensor]
        do {
            // Files are named after their input (the TensorProto's name); fall back to graph-input order.
            let read = try inputFiles.map { try TensorProtoCodec.read(path: $0.path) }
            let names = graph.inputs.map(\.name)
            var feeds: [String: Tensor] = [:]
            if Set(read.map(\.name)) == Set(names) {
                for r in read { feeds[r.name] = r.tensor }
            } else {
                for (name, r) in zip(names, read) { feeds[name] = r.tensor }
            }
            let executor = try Executor(model: model)
            results = try executor.run(feeds)
        } catch {
            XCTFail("\(label): \(error)", file: file, line: line)
            return nil
        }
        var outputs: [Tensor] = []
        for (k, (info, f)) in zip(graph.outputs, outputFiles).enumerated() {
            guard let got = results[info.name] else {
                XCTFail("\(label): output \(k) '\(info.name)' was not produced", file: file, line: line)
                return nil
            }
            do {
                let expected = try TensorProtoCodec.read(path: f.path).tensor
                if let problem = compare(got, expected, tolerance: tolerance) {
                    XCTFail("\(label): output \(k) '\(info.name)': \(problem)", file: file, line: line)
                }
            } catch {
                XCTFail("\(label): cannot read \(f.lastPathComponent): \(error)", file: file, line: line)
            }
            outputs.append(got)
        }
        return outputs
    }

    /// nil when `got` matches `expected`: same shape and type; floats with max abs error at most
    /// `tolerance * max|expected|` (NaN and infinities only where the reference has the same); other types exactly.
    static func compare(_ got: Tensor, _ expected: Tensor, tolerance: Float) -> String? {
        guard got.shape == expected.shape else { return "shape \(got.shape), expected \(expected.shape)" }
        guard got.dtype == expected.dtype else { return "type \(got.dtype.name), expected \(expected.dtype.name)" }
        guard got.count == expected.count else { return "\(got.count) elements, expected \(expected.count)" }
        guard case .float(let g) = got.data, case .float(let e) = expected.data else {
            let gi = got.int64s(), ei = expected.int64s()
            if let i = ei.indices.first(where: { gi[$0] != ei[$0] }) {
                return "element \(i) is \(gi[i]), expected \(ei[i]) (integers must match exactly)"
            }
            return nil
        }
        let scale = e.reduce(Float(0)) { $1.isFinite ? max($0, abs($1)) : $0 }
        let allowed = tolerance * scale
        var worst = 0, worstError: Float = 0
        for i in e.indices {
            if !e[i].isFinite || !g[i].isFinite {
                // NaN must meet NaN and an infinity the same infinity.
                if !(e[i] == g[i] || (e[i].isNaN && g[i].isNaN)) { return "element \(i) is \(g[i]), expected \(e[i])" }
                continue
            }
            let d = abs(g[i] - e[i])
            if d > worstError { worst = i; worstError = d }
        }
        guard worstError > allowed else { return nil }
        return "max abs error \(worstError) at element \(worst) (got \(g[worst]), expected \(e[worst])) exceeds "
            + "\(tolerance) x max|reference| = \(allowed)"
    }

    /// Index of the largest element of row `row` of a [rows, cols] float tensor.
    static func argmax(_ t: Tensor, row: Int = 0) -> Int? {
        guard case .float(let v) = t.data, let cols = t.shape.last, cols > 0, (row + 1) * cols <= v.count else { return nil }
        let slice = v[(row * cols)..<((row + 1) * cols)]
        return slice.indices.max { slice[$0] < slice[$1] }.map { $0 - row * cols }
    }
}
