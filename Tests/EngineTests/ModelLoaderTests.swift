@testable import Engine
import Foundation
import XCTest

final class ModelLoaderTests: XCTestCase {
    func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String = "") -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op; n.input = inputs; n.output = outputs; n.name = name
        return n
    }

    func model(_ nodes: [Onnx_NodeProto], output: String) -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        var o = Onnx_OperatorSetIdProto(); o.version = 13
        m.opsetImport = [o]
        m.graph.node = nodes
        var i = Onnx_ValueInfoProto(); i.name = "x"
        var out = Onnx_ValueInfoProto(); out.name = output
        m.graph.input = [i]
        m.graph.output = [out]
        return m
    }

    func testConstantNodesBecomeInitializers() throws {
        var c = node("Constant", [], ["k"], name: "const")
        var a = Onnx_AttributeProto()
        a.name = "value"; a.type = .tensor
        a.t = TensorProtoCodec.encode(Tensor(shape: [2], floats: [1.5, -2]), name: "")
        c.attribute = [a]
        var ints = Onnx_AttributeProto()
        ints.name = "value_ints"; ints.type = .ints; ints.ints = [4, 5, 6]
        var c2 = node("Constant", [], ["shape"])
        c2.attribute = [ints]
        let m = try ModelLoader.convert(model([c, c2, node("Add", ["x", "k"], ["y"])], output: "y"), path: "m", baseDirectory: nil)
        XCTAssertEqual(m.graph.nodes.map(\.opType), ["Add"])
        XCTAssertEqual(try m.graph.initializers["k"]?.floats(), [1.5, -2])
        XCTAssertEqual(m.graph.initializers["shape"]?.int64s(), [4, 5, 6])
        XCTAssertEqual(m.graph.initializers["shape"]?.shape, [3])
    }

    func testUnnamedNodesGetUniqueNames() throws {
        let m = try ModelLoader.convert(model([node("Relu", ["x"], ["a"]), node("Relu", ["a"], ["b"], name: "Relu_1"),
                                               node("Relu", ["b"], ["y"])], output: "y"), path: "m", baseDirectory: nil)
        let names = m.graph.nodes.map(\.name)
        XCTAssertEqual(Set(names).count, 3, "\(names)")
        XCTAssertEqual(names[0], "Relu_0")
    }

    func testTypedFieldsAndRawDataDecodeAlike() throws {
        var typed = Onnx_TensorProto()
        typed.dims = [2, 2]; typed.dataType = 1; typed.floatData = [1, 2, 3, 4]
        let raw = TensorProtoCodec.encode(Tensor(shape: [2, 2], floats: [1, 2, 3, 4]), name: "r")
        XCTAssertEqual(try TensorProtoCodec.decode(typed, context: "t").floats(), try TensorProtoCodec.decode(raw, context: "t").floats())
        var bools = Onnx_TensorProto()
        bools.dims = [3]; bools.dataType = 9; bools.int32Data = [1, 0, 1]
        if case .bool(let b) = try TensorProtoCodec.decode(bools, context: "t").data { XCTAssertEqual(b, [true, false, true]) } else { XCTFail() }
    }

    func testShortRawDataIsAnErrorNamingTheTensor() {
        var p = TensorProtoCodec.encode(Tensor(shape: [4], floats: [1, 2, 3, 4]), name: "weights")
        p.rawData = p.rawData.prefix(10)
        XCTAssertThrowsError(try TensorProtoCodec.decode(p, context: "file.onnx")) { e in
            XCTAssertTrue("\(e)".contains("'weights'") && "\(e)".contains("file.onnx"), "\(e)")
        }
    }

    func testUnsupportedElementTypeIsNamed() {
        var p = Onnx_TensorProto()
        p.name = "d"; p.dims = [1]; p.dataType = 11; p.doubleData = [1]
        XCTAssertThrowsError(try TensorProtoCodec.decode(p, context: "f")) { e in
            XCTAssertTrue("\(e)".contains("DOUBLE"), "\(e)")
        }
    }

    func testAbsurdInitializerShapeIsRefusedBeforeAllocating() {
        var p = Onnx_TensorProto()
        p.name = "huge"; p.dims = [1 << 20, 1 << 20, 1 << 20]; p.dataType = 1
        XCTAssertThrowsError(try TensorProtoCodec.decode(p, context: "f")) { e in
            XCTAssertTrue("\(e)".contains("refusing to allocate"), "\(e)")
        }
    }

    func testExternalDataOutsideTheModelFolderIsRejected() {
        var p = Onnx_TensorProto()
        p.name = "w"; p.dims = [1]; p.dataType = 1; p.dataLocation = .external
        var loc = Onnx_StringStringEntryProto(); loc.key = "location"; loc.value = "../../etc/passwd"
        p.externalData = [loc]
        XCTAssertThrowsError(try TensorProtoCodec.decode(p, baseDirectory: URL(fileURLWithPath: "/tmp"), context: "f")) { e in
            XCTAssertTrue("\(e)".contains("invalid location"), "\(e)")
        }
    }
}
