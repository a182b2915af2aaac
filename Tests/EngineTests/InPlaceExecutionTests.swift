import Engine
import Foundation
import XCTest

/// The executor lets element-wise operators write over an input no later node reads. These tests check
/// that this never changes what anyone sees: the caller's feeds, captured intermediates, repeated runs.
final class InPlaceExecutionTests: XCTestCase {
    /// x -> Relu -> r; r + bias -> a; Sigmoid(a) -> s; s * a -> m; BatchNormalization(m) -> y; Clip(y) -> z.
    private func chainModel(channels c: Int) -> Model {
        let bias = Tensor(shape: [1, c, 1, 1], floats: (0..<c).map { Float($0) * 0.25 - 0.5 })
        let scale = Tensor(shape: [c], floats: (0..<c).map { 1 + Float($0) * 0.1 })
        let shift = Tensor(shape: [c], floats: (0..<c).map { Float($0) * -0.2 })
        let mean = Tensor(shape: [c], floats: (0..<c).map { Float($0) * 0.05 })
        let variance = Tensor(shape: [c], floats: (0..<c).map { 0.5 + Float($0) * 0.3 })
        let nodes = [
            Node(name: "relu", opType: "Relu", inputs: ["x"], outputs: ["r"]),
            Node(name: "add", opType: "Add", inputs: ["r", "bias"], outputs: ["a"]),
            Node(name: "sig", opType: "Sigmoid", inputs: ["a"], outputs: ["s"]),
            Node(name: "mul", opType: "Mul", inputs: ["s", "a"], outputs: ["m"]),
            Node(name: "bn", opType: "BatchNormalization", inputs: ["m", "scale", "shift", "mean", "var"],
                 outputs: ["y"], attributes: ["epsilon": .float(1e-5)]),
            Node(name: "clip", opType: "Clip", inputs: ["y", "lo", "hi"], outputs: ["z"]),
        ]
        let graph = Graph(name: "g", nodes: nodes,
                          initializers: ["bias": bias, "scale": scale, "shift": shift, "mean": mean, "var": variance,
                                         "lo": Tensor(scalar: -0.3), "hi": Tensor(scalar: 0.9)],
                          inputs: [ValueInfo(name: "x", elementType: DType.float.rawValue, dims: nil)],
                          outputs: [ValueInfo(name: "z", elementType: 0, dims: nil)])
        return Model(graph: graph, opsets: ["": 17])
    }

    /// Every intermediate, computed naively.
    private func reference(_ x: [Float], channels c: Int, plane: Int) -> [String: [Float]] {
        var r = x, a = x, s = x, m = x, y = x, z = x
        for i in x.indices {
            let ch = (i / plane) % c
            r[i] = max(x[i], 0)
            a[i] = r[i] + (Float(ch) * 0.25 - 0.5)
            s[i] = 1 / (1 + Foundation.exp(-a[i]))
            m[i] = s[i] * a[i]
            let k = (1 + Float(ch) * 0.1) / (0.5 + Float(ch) * 0.3 + 1e-5).squareRoot()
            y[i] = (m[i] - Float(ch) * 0.05) * k + Float(ch) * -0.2
            z[i] = min(max(y[i], -0.3), 0.9)
        }
        return ["r": r, "a": a, "s": s, "m": m, "y": y, "z": z]
    }

    private func assertClose(_ got: [Float], _ want: [Float], _ what: String, file: StaticString = #filePath,
                             line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        for (g, w) in zip(got, want) where abs(g - w) > 1e-5 * max(1, abs(w)) {
            XCTFail("\(what): \(g) != \(w)", file: file, line: line)
            return
        }
    }

    func testChainMatchesReferenceWithAndWithoutCapture() throws {
        let (c, plane) = (5, 37)
        var rng = SeededRandom(seed: 7)
        let values = rng.floats(2 * c * plane)
        let x = Tensor(shape: [2, c, plane, 1], floats: values)
        let executor = try Executor(model: chainModel(channels: c))
        let want = reference(values, channels: c, plane: plane)
        for _ in 0..<3 {
            let plain = try executor.run(["x": x])
            assertClose(try XCTUnwrap(plain["z"]).floats(), want["z"]!, "z without capture")

            let recorder = TensorRecorder()
            let captured = try executor.run(["x": x], observer: recorder)
            assertClose(try XCTUnwrap(captured["z"]).floats(), want["z"]!, "z with capture")
            // Each captured intermediate keeps its own values although later nodes ran in place after it.
            for name in ["r", "a", "s", "m", "y", "z"] {
                assertClose(try XCTUnwrap(recorder.tensors[name]).floats(), want[name]!, "captured \(name)")
            }
            // The caller's input is untouched.
            XCTAssertEqual(try x.floats(), values)
        }
    }

    func testInPlaceDoesNotCountTheReusedBufferTwice() throws {
        let (c, plane) = (4, 64)
        let x = Tensor(shape: [1, c, plane, 1], floats: [Float](repeating: 0.5, count: c * plane))
        let executor = try Executor(model: chainModel(channels: c))
        _ = try executor.run(["x": x])
        // Only `a` (read by Sigmoid and Mul) and `s`, which Mul overwrites, are ever alive together; without
        // in-place execution Mul's output would be a third buffer.
        XCTAssertEqual(executor.peakLiveBytes, 2 * c * plane * 4)
    }
}
