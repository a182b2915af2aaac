import Foundation
import XCTest
@testable import Engine

final class PartitionTests: XCTestCase {
    private func conv(_ name: String, _ input: String, _ output: String, weight: String,
                      _ attrs: [String: AttributeValue] = [:]) -> Node {
        Node(name: name, opType: "Conv", inputs: [input, weight], outputs: [output], attributes: attrs)
    }

    /// Every activation tensor gets parameters, as if calibrated.
    private func allParams(_ model: Model) -> [String: QuantParams] {
        var p: [String: QuantParams] = [:]
        let q = QuantParams(scale: 0.05, zeroPoint: 0, qmin: -127, qmax: 127)
        for i in model.graph.inputs { p[i.name] = q }
        for n in model.graph.nodes { for o in n.outputs { p[o] = q } }
        return p
    }

    private func partition(_ model: Model, target: TargetDescription = .default, params: [String: QuantParams]? = nil,
                           runOnCPU: Set<String> = []) throws -> Partition {
        let points = try QuantizationPoints(model: model, floatNodes: runOnCPU)
        var p = params ?? allParams(model)
        for t in points.fusedInto.keys { p[t] = nil }
        return try Partition(model: model, target: target, points: points, activationParams: p, runOnCPU: runOnCPU)
    }

    func testReasonsForEveryCPUNode() throws {
        var rng = HybridRandom(seed: 3)
        let inits: [String: Tensor] = [
            "w3": rng.tensor([4, 4, 3, 3]), "w9": rng.tensor([4, 4, 9, 9]), "wg": rng.tensor([4, 2, 3, 3]),
            "wd": rng.tensor([4, 1, 3, 3]),
        ]
        let nodes = [
            conv("c1", "x", "a", weight: "w3"),
            Node(name: "r1", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            conv("big", "b", "c", weight: "w9", ["pads": .ints([4, 4, 4, 4])]),
            conv("strided", "c", "d", weight: "w3", ["strides": .ints([5, 5])]),
            conv("grouped", "d", "e", weight: "wg", ["group": .int(2)]),
            Node(name: "soft", opType: "Softmax", inputs: ["e"], outputs: ["f"]),
            Node(name: "lone", opType: "Sigmoid", inputs: ["f"], outputs: ["g"]),
            Node(name: "soft2", opType: "Softmax", inputs: ["g"], outputs: ["h"]),
            conv("dw", "h", "i", weight: "wd", ["group": .int(4), "dilations": .ints([2, 2]), "pads": .ints([2, 2, 2, 2])]),
            Node(name: "add", opType: "Add", inputs: ["i", "h"], outputs: ["j"]),
            conv("listed", "j", "k", weight: "w3"),
            Node(name: "tail", opType: "Add", inputs: ["k", "j"], outputs: ["l"]),
        ]
        let model = hybridModel(nodes, inputs: [("x", [1, 4, 16, 16])], outputs: ["l"], initializers: inits)
        let p = try partition(model, runOnCPU: ["listed"])
        XCTAssertEqual(p.placement["c1"], .accelerator)
        XCTAssertEqual(p.placement["r1"], .accelerator)
        XCTAssertEqual(p.reasons["big"], "attribute kernel_shape [9, 9] exceeds the limit 7")
        XCTAssertEqual(p.reasons["strided"], "attribute strides [5, 5] exceeds the limit 4")
        XCTAssertEqual(p.reasons["grouped"],
                       "attribute group 2 makes a grouped convolution; the target supports depthwise, regular")
        XCTAssertEqual(p.reasons["soft"], "operator Softmax is not supported by target 'generic-npu'")
        XCTAssertEqual(p.reasons["lone"], "isolated between CPU nodes")
        XCTAssertEqual(p.placement["dw"], .accelerator)
        XCTAssertEqual(p.placement["add"], .accelerator)
        XCTAssertEqual(p.reasons["listed"], "listed in run_on_cpu")
        XCTAssertEqual(p.placement["tail"], .accelerator)
        // Every CPU node has a reason, and no accelerator node has one.
        for (node, place) in p.placement {
            XCTAssertEqual(p.reasons[node] != nil, place == .cpu, node)
        }
        XCTAssertEqual(p.placement.count, nodes.count)
    }

    func testTargetRunOnCPUAndMissingParameters() throws {
        var rng = HybridRandom(seed: 4)
        let nodes = [
            conv("c1", "x", "a", weight: "w"),
            conv("c2", "a", "b", weight: "w"),
            conv("c3", "b", "c", weight: "w"),
        ]
        let model = hybridModel(nodes, inputs: [("x", [1, 2, 8, 8])], outputs: ["c"], initializers: ["w": rng.tensor([2, 2, 3, 3])])
        var target = TargetDescription.default
        target.runOnCPU = ["c3"]
        var params = allParams(model)
        params["a"] = nil
        let p = try partition(model, target: target, params: params)
        XCTAssertEqual(p.reasons["c1"], "its output 'a' has no quantization parameters")
        XCTAssertEqual(p.reasons["c2"], "its input 'a' has no quantization parameters")
        XCTAssertEqual(p.reasons["c3"], "listed in run_on_cpu")
    }

    func testFusedActivationFollowsItsLayer() throws {
        var rng = HybridRandom(seed: 5)
        let nodes = [
            conv("c1", "x", "a", weight: "w9"),
            Node(name: "r1", opType: "Relu", inputs: ["a"], outputs: ["b"]),
            conv("c2", "b", "c", weight: "w3"),
            Node(name: "r2", opType: "Relu", inputs: ["c"], outputs: ["d"]),
        ]
        let model = hybridModel(nodes, inputs: [("x", [1, 2, 12, 12])], outputs: ["d"],
                                initializers: ["w9": rng.tensor([2, 2, 9, 9]), "w3": rng.tensor([2, 2, 3, 3])])
        let p = try partition(model)
        XCTAssertEqual(p.reasons["c1"], "attribute kernel_shape [9, 9] exceeds the limit 7")
        XCTAssertEqual(p.reasons["r1"], "it is fused into layer 'c1', which runs on the CPU")
        // A fused pair is one accelerator layer even with CPU nodes on both sides.
        XCTAssertEqual(p.placement["c2"], .accelerator)
        XCTAssertEqual(p.placement["r2"], .accelerator)
    }

    func testTargetFileFromDisk() throws {
        let dir = try calibTempDirectory(self)
        let path = dir + "/npu.json"
        try #"{"name": "tiny", "rounding": "half_to_even", "run_on_cpu": ["s2"], "operators": {"Sigmoid": {"via": "lut"}}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let target = try TargetDescription.load(path: path)
        XCTAssertEqual(target.rounding, .halfToEven)
        let model = hybridModel([
            Node(name: "s1", opType: "Sigmoid", inputs: ["x"], outputs: ["a"]),
            Node(name: "s2", opType: "Sigmoid", inputs: ["a"], outputs: ["b"]),
            Node(name: "t", opType: "Tanh", inputs: ["b"], outputs: ["c"]),
        ], inputs: [("x", [4])], outputs: ["c"])
        let p = try partition(model, target: target)
        XCTAssertEqual(p.reasons["s1"], "isolated between CPU nodes")
        XCTAssertEqual(p.reasons["s2"], "listed in run_on_cpu")
        XCTAssertEqual(p.reasons["t"], "operator Tanh is not supported by target 'tiny'")
    }

    func testSingleNodeGraphStaysOnTheAccelerator() throws {
        let model = hybridModel([Node(name: "s", opType: "Sigmoid", inputs: ["x"], outputs: ["y"])],
                                inputs: [("x", [4])], outputs: ["y"])
        XCTAssertEqual(try partition(model).placement["s"], .accelerator)
    }
}

final class TargetDescriptionTests: XCTestCase {
    private var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testEmbeddedDefaultMatchesTheFile() throws {
        let file = try String(contentsOf: repoRoot.appendingPathComponent("targets/generic-npu.json"), encoding: .utf8)
        XCTAssertEqual(file.trimmingCharacters(in: .newlines), DefaultTarget.json.trimmingCharacters(in: .newlines),
                       "targets/generic-npu.json and DefaultTarget.swift differ; edit both together")
        let loaded = try TargetDescription.load(path: repoRoot.appendingPathComponent("targets/generic-npu.json").path)
        XCTAssertEqual(loaded, TargetDescription.default)
    }

    func testDefaultProfile() {
        let t = TargetDescription.default
        XCTAssertEqual(t.name, "generic-npu")
        XCTAssertEqual(t.rounding, .halfAwayFromZero)
        XCTAssertEqual(t.operators["Conv"]?.kernelMax, 7)
        XCTAssertEqual(t.operators["Conv"]?.groups, ["regular", "depthwise"])
        XCTAssertEqual(t.operators["Resize"]?.modes, ["nearest", "linear"])
        XCTAssertEqual(t.operators["Sigmoid"]?.via, "lut")
        XCTAssertNil(t.operators["Softmax"])
    }

    private func message(_ json: String) -> String {
        calibErrorMessage { _ = try TargetDescription(json: Data(json.utf8), source: "my.json") }
    }

    func testErrorsNameFileAndKey() {
        XCTAssertTrue(message("{").contains("'my.json'"))
        XCTAssertTrue(message("{").contains("not valid JSON"))
        XCTAssertEqual(message(#"{"name": "x", "operators": {}, "colour": 1}"#),
                       "'my.json' is not usable: unknown key 'colour' (expected one of description, name, operators, rounding, run_on_cpu).")
        XCTAssertTrue(message(#"{"operators": {}}"#).contains("key 'name'"))
        XCTAssertTrue(message(#"{"name": "x"}"#).contains("key 'operators'"))
        XCTAssertTrue(message(#"{"name": "x", "operators": {"Conv": {"kernel_size": 3}}}"#).contains("unknown key 'operators.Conv.kernel_size'"))
        XCTAssertTrue(message(#"{"name": "x", "operators": {"Conv": {"kernel_max": 0}}}"#).contains("key 'operators.Conv.kernel_max' must be an integer >= 1"))
        XCTAssertTrue(message(#"{"name": "x", "operators": {"Conv": {"groups": ["odd"]}}}"#).contains("'operators.Conv.groups' has 'odd'"))
        XCTAssertTrue(message(#"{"name": "x", "operators": {"Conv": 3}}"#).contains("key 'operators.Conv' must be an object"))
        XCTAssertTrue(message(#"{"name": "x", "rounding": "up", "operators": {}}"#).contains("key 'rounding'"))
        XCTAssertTrue(message(#"{"name": "x", "run_on_cpu": "a", "operators": {}}"#).contains("key 'run_on_cpu'"))
        XCTAssertTrue(calibErrorMessage { _ = try TargetDescription.load(path: "/nonexistent/t.json") }.contains("/nonexistent/t.json"))
    }

    func testUnknownOperatorsAreAllNamed() {
        let m = message(#"{"name": "x", "operators": {"Frobnicate": {}, "conv": {}, "HardSwsh": {}, "Relu": {}}}"#)
        XCTAssertTrue(m.contains("'my.json'") && m.contains("'operators.Frobnicate'")
                      && m.contains("'operators.conv' (did you mean 'Conv'?)")
                      && m.contains("'operators.HardSwsh' (did you mean 'HardSwish'?)"), m)
        XCTAssertFalse(m.contains("'operators.Frobnicate' (did you mean"), "no obvious match: \(m)")
        XCTAssertFalse(m.contains("operators.Relu"), m)
    }
}
