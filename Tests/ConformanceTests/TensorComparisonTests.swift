import SwiftProtobuf
import ConformanceKit
import Engine
import XCTest

final class TensorComparisonTests: XCTestCase {
    private let tol = Tolerance.conformance

    func testIdenticalFloatsMatch() {
        let t = Tensor(shape: [2, 2], floats: [1, -2, 0, 3.5])
        XCTAssertNil(TensorComparison.compare(got: t, expected: t, tolerance: tol))
    }

    func testRelativeAndAbsoluteTolerance() {
        // 1000 * 1e-3 = 1 of relative slack.
        let expected = Tensor(shape: [3], floats: [1000, 0, 1])
        let within = Tensor(shape: [3], floats: [1000.9, 9e-6, 1.0009])
        XCTAssertNil(TensorComparison.compare(got: within, expected: expected, tolerance: tol))

        let beyondAbs = Tensor(shape: [3], floats: [1000, 2e-5, 1])
        let m = TensorComparison.compare(got: beyondAbs, expected: expected, tolerance: tol)
        XCTAssertEqual(m?.kind, .values)
        XCTAssertEqual(m?.firstIndex, 1)

        let beyondRel = Tensor(shape: [3], floats: [1001.5, 0, 1])
        XCTAssertEqual(TensorComparison.compare(got: beyondRel, expected: expected, tolerance: tol)?.firstIndex, 0)
    }

    func testNaNEqualsNaNAndInfinitiesMustMatchExactly() {
        let expected = Tensor(shape: [3], floats: [.nan, .infinity, -.infinity])
        XCTAssertNil(TensorComparison.compare(got: expected, expected: expected, tolerance: tol))

        let nanForNumber = Tensor(shape: [1], floats: [.nan])
        XCTAssertNotNil(TensorComparison.compare(got: nanForNumber, expected: Tensor(shape: [1], floats: [1]), tolerance: tol))
        XCTAssertNotNil(TensorComparison.compare(got: Tensor(shape: [1], floats: [1]), expected: nanForNumber, tolerance: tol))

        let wrongSign = Tensor(shape: [3], floats: [.nan, .infinity, .infinity])
        XCTAssertEqual(TensorComparison.compare(got: wrongSign, expected: expected, tolerance: tol)?.firstIndex, 2)
        let finite = Tensor(shape: [3], floats: [.nan, 3e38, -.infinity])
        XCTAssertEqual(TensorComparison.compare(got: finite, expected: expected, tolerance: tol)?.firstIndex, 1)
    }

    func testShapeMismatchIsReportedBeforeValues() {
        let a = Tensor(shape: [2, 3], floats: Array(repeating: 0, count: 6))
        let b = Tensor(shape: [3, 2], floats: Array(repeating: 0, count: 6))
        let m = TensorComparison.compare(got: a, expected: b, tolerance: tol)
        XCTAssertEqual(m?.kind, .shape)
        XCTAssertTrue(m?.message.contains("[2, 3]") == true && m?.message.contains("[3, 2]") == true, m?.message ?? "")
    }

    func testScalarAndEmptyTensors() {
        XCTAssertNil(TensorComparison.compare(got: Tensor(scalar: 2), expected: Tensor(scalar: 2), tolerance: tol))
        XCTAssertNotNil(TensorComparison.compare(got: Tensor(scalar: 2), expected: Tensor(shape: [1], floats: [2]), tolerance: tol))
        let empty = Tensor(shape: [0, 3], floats: [])
        XCTAssertNil(TensorComparison.compare(got: empty, expected: empty, tolerance: tol))
    }

    func testDTypeMismatch() {
        let f = Tensor(shape: [2], floats: [1, 2])
        let i = Tensor(shape: [2], int64s: [1, 2])
        XCTAssertEqual(TensorComparison.compare(got: i, expected: f, tolerance: tol)?.kind, .dtype)
        let i32 = Tensor(shape: [2], data: .int32([1, 2]))
        XCTAssertEqual(TensorComparison.compare(got: i32, expected: i, tolerance: tol)?.kind, .dtype)
    }

    func testIntegersAndBoolsMustBeExact() {
        let expected = Tensor(shape: [2, 2], int64s: [1, 2, 3, 4])
        XCTAssertNil(TensorComparison.compare(got: expected, expected: expected, tolerance: tol))
        let off = Tensor(shape: [2, 2], int64s: [1, 2, 3, 5])
        let m = TensorComparison.compare(got: off, expected: expected, tolerance: tol)
        XCTAssertEqual(m?.firstIndex, 3)
        XCTAssertTrue(m?.message.contains("[1, 1]") == true, m?.message ?? "")
        XCTAssertTrue(m?.message.contains("got 5") == true && m?.message.contains("expected 4") == true, m?.message ?? "")

        let b = Tensor(shape: [3], data: .bool([true, false, true]))
        XCTAssertNil(TensorComparison.compare(got: b, expected: b, tolerance: tol))
        let b2 = Tensor(shape: [3], data: .bool([true, true, true]))
        XCTAssertEqual(TensorComparison.compare(got: b2, expected: b, tolerance: tol)?.firstIndex, 1)

        let u = Tensor(shape: [2], data: .uint8([0, 255]))
        XCTAssertEqual(TensorComparison.compare(got: Tensor(shape: [2], data: .uint8([0, 254])), expected: u, tolerance: tol)?.firstIndex, 1)
        let s = Tensor(shape: [2], data: .int8([-128, 127]))
        XCTAssertNil(TensorComparison.compare(got: s, expected: s, tolerance: tol))
    }

    func testMismatchMessageNamesPositionValuesAndCount() {
        let expected = Tensor(shape: [2, 3], floats: [0, 1, 2, 3, 4, 5])
        let got = Tensor(shape: [2, 3], floats: [0, 1, 2, 3, 9, 7])
        let m = TensorComparison.compare(got: got, expected: expected, tolerance: tol)
        XCTAssertEqual(m?.firstIndex, 4)
        let text = m?.message ?? ""
        XCTAssertTrue(text.contains("index 4 [1, 1]"), text)
        XCTAssertTrue(text.contains("got 9.0") && text.contains("expected 4.0"), text)
        XCTAssertTrue(text.contains("2 of 6"), text)
        XCTAssertTrue(text.contains("max abs error 5.0"), text)
    }

    func testPosition() {
        XCTAssertEqual(TensorComparison.position(0, shape: []), [])
        XCTAssertEqual(TensorComparison.position(23, shape: [2, 3, 4]), [1, 2, 3])
        XCTAssertEqual(TensorComparison.position(5, shape: [2, 3, 4]), [0, 1, 1])
    }

    func testCustomTolerance() {
        let expected = Tensor(shape: [1], floats: [1])
        let got = Tensor(shape: [1], floats: [1.01])
        XCTAssertNotNil(TensorComparison.compare(got: got, expected: expected, tolerance: tol))
        XCTAssertNil(TensorComparison.compare(got: got, expected: expected, tolerance: Tolerance(rtol: 0, atol: 0.02)))
    }
}

final class ConformanceReportTests: XCTestCase {
    func testExclusionsFileFormat() {
        let text = """
        # comment line

        test_a  # needs float64 accumulation
        test_b
          test_c #  reason with # hash
        """
        let e = ConformanceRunner.parseExclusions(text)
        XCTAssertEqual(e["test_a"], "needs float64 accumulation")
        XCTAssertEqual(e["test_b"], "excluded")
        XCTAssertEqual(e["test_c"], "reason with # hash")
        XCTAssertEqual(e.count, 3)
    }

    func testSummaryIsTheLastLineAndGroupsAreListed() {
        var r = ConformanceReport()
        r.add("test_ok", .passed)
        r.add("test_bad", .failed("output 0 'y': value mismatch"))
        r.add("test_conv_a", .unsupportedOperators(["Conv"]))
        r.add("test_conv_b", .unsupportedOperators(["Conv", "Relu"]))
        r.add("test_cast_double", .unsupportedDType("DOUBLE"))
        r.add("test_x", .excluded("needs sequences"))
        let text = r.render(verbose: false)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.last, "conformance: 1 passed, 1 failed, 4 skipped")
        XCTAssertTrue(lines.contains("  test_bad: output 0 'y': value mismatch"), text)
        XCTAssertTrue(lines.contains("  Conv -> 2: conv_a, conv_b"), text)
        XCTAssertTrue(lines.contains("  Relu -> 1: conv_b"), text)
        XCTAssertTrue(lines.contains("  dtype DOUBLE -> 1: cast_double"), text)
        XCTAssertTrue(lines.contains("  x: needs sequences"), text)
        XCTAssertEqual(r.passed, 1)
        XCTAssertEqual(r.failed, 1)
        XCTAssertEqual(r.skipped, 4)
    }

    func testRunnerSkipsTestsWithUnregisteredOperators() throws {
        // A model file written by hand in the ONNX layout: one node of an op type that no one registers.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-conf-\(getpid())")
        let testDir = dir.appendingPathComponent("test_fake")
        try FileManager.default.createDirectory(at: testDir.appendingPathComponent("test_data_set_0"),
                                                withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var node = Onnx_NodeProto()
        node.opType = "NoSuchOperatorXYZ"
        node.input = ["x"]
        node.output = ["y"]
        var x = Onnx_ValueInfoProto()
        x.name = "x"
        var tt = Onnx_TypeProto.Tensor()
        tt.elemType = 1
        x.type.tensorType = tt
        var y = x
        y.name = "y"
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        model.opsetImport = [opset]
        model.graph.node = [node]
        model.graph.input = [x]
        model.graph.output = [y]
        try model.serializedData().write(to: testDir.appendingPathComponent("model.onnx"))
        XCTAssertEqual(try ConformanceRunner.testFolders(in: dir.path), ["test_fake"])

        let outcome = ConformanceRunner().run(testDirectory: testDir.path)
        XCTAssertEqual(outcome, .unsupportedOperators(["NoSuchOperatorXYZ"]))
        XCTAssertEqual(ConformanceRunner(exclusions: ["test_fake": "why"]).run(testDirectory: testDir.path), .excluded("why"))

        // Declared float64 input: skipped for its element type before operators are looked at.
        tt.elemType = 11
        model.graph.input[0].type.tensorType = tt
        try model.serializedData().write(to: testDir.appendingPathComponent("model.onnx"))
        XCTAssertEqual(ConformanceRunner().run(testDirectory: testDir.path), .unsupportedDType("DOUBLE"))
    }
}
