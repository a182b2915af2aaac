import Foundation
import XCTest
@testable import Engine

final class DataLoaderTests: XCTestCase {
    let image = InputSpec(name: "images", shape: [1, 3, 6, 8], dtype: .float)

    func copyFixture(_ name: String, to dir: String, as target: String) throws {
        try FileManager.default.copyItem(atPath: CalibFixtures.path("images/\(name)"), toPath: dir + "/" + target)
    }

    func writeNpy(_ t: Tensor, _ path: String) throws { try Npy.write(t, to: path) }

    func testMissingDirectory() {
        let m = calibErrorMessage { _ = try DataLoader.open(directory: "/nonexistent/calib", inputs: [self.image]) }
        XCTAssertTrue(m.contains("/nonexistent/calib"), m)
        XCTAssertTrue(m.contains("no such directory"), m)
    }

    func testFileInsteadOfDirectory() {
        let m = calibErrorMessage {
            _ = try DataLoader.open(directory: CalibFixtures.path("images/rgb_8x6.png"), inputs: [self.image])
        }
        XCTAssertTrue(m.contains("it is a file"), m)
    }

    func testEmptyDirectory() throws {
        let dir = try calibTempDirectory(self)
        let m = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [self.image]) }
        XCTAssertTrue(m.contains("no calibration samples"), m)
        XCTAssertTrue(m.contains(dir), m)
        // Images nested in class folders (ImageNet layout) get a hint.
        try FileManager.default.createDirectory(atPath: dir + "/cat", withIntermediateDirectories: true)
        try copyFixture("rgb_8x6.png", to: dir + "/cat", as: "1.png")
        let nested = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [self.image]) }
        XCTAssertTrue(nested.contains("1 subdirectory, but samples must sit directly in it"), nested)
    }

    func testImagesInSortedOrderWithFewSamplesWarning() throws {
        let dir = try calibTempDirectory(self)
        try copyFixture("rgb_8x6.png", to: dir, as: "b.png")
        try copyFixture("rgb_8x6.jpg", to: dir, as: "a.jpg")
        try copyFixture("rgb_8x6.png", to: dir, as: "c.PNG")
        try Data("notes".utf8).write(to: URL(fileURLWithPath: dir + "/README.txt"))
        let ds = try DataLoader.open(directory: dir, inputs: [image])
        XCTAssertEqual(ds.count, 3)
        XCTAssertEqual(ds.files[0].map { ($0 as NSString).lastPathComponent }, ["a.jpg", "b.png", "c.PNG"])
        XCTAssertTrue(ds.warnings.contains { $0.contains("only 3 calibration samples") && $0.contains("activation ranges") },
                      "\(ds.warnings)")
        XCTAssertTrue(ds.warnings.contains { $0.contains("README.txt") }, "\(ds.warnings)")
        let s = try ds.sample(1)
        XCTAssertEqual(s["images"]?.shape, [1, 3, 6, 8])
        XCTAssertEqual(try s["images"]?.floats()[8 * 6 + 8 * 2 + 1], 80, "G of pixel (1, 2)")
        XCTAssertThrowsError(try ds.sample(3))
    }

    func testEnoughSamplesNoWarning() throws {
        let dir = try calibTempDirectory(self)
        for i in 0..<20 { try writeNpy(Tensor(shape: [1, 2], floats: [Float(i), 1]), dir + "/s\(i).npy") }
        let ds = try DataLoader.open(directory: dir, inputs: [InputSpec(name: "x", shape: [1, 2], dtype: .float)])
        XCTAssertEqual(ds.count, 20)
        XCTAssertTrue(ds.warnings.isEmpty, "\(ds.warnings)")
        var seen: [Float] = []
        try ds.forEach { _, feeds in seen.append(try feeds["x"]!.floats()[0]) }
        // Plain name order: s0, s1, s10, s11, ..., s19, s2, ...
        XCTAssertEqual(seen.prefix(4), [0, 1, 10, 11])
    }

    func testUndecodableImageIsNamed() throws {
        let dir = try calibTempDirectory(self)
        try copyFixture("rgb_8x6.png", to: dir, as: "a.png")
        try Data("garbage bytes".utf8).write(to: URL(fileURLWithPath: dir + "/broken.jpg"))
        let ds = try DataLoader.open(directory: dir, inputs: [image])
        let m = calibErrorMessage { _ = try ds.sample(1) }
        XCTAssertTrue(m.contains("broken.jpg"), m)
        XCTAssertTrue(m.contains("stb_image"), m)
        // When the broken one sorts first, opening already fails.
        try FileManager.default.moveItem(atPath: dir + "/broken.jpg", toPath: dir + "/0broken.jpg")
        let m2 = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [self.image]) }
        XCTAssertTrue(m2.contains("0broken.jpg"), m2)
    }

    func testNaNSampleIsNamed() throws {
        let dir = try calibTempDirectory(self)
        try writeNpy(Tensor(shape: [1, 3], floats: [1, 2, 3]), dir + "/a.npy")
        try writeNpy(Tensor(shape: [1, 3], floats: [1, .nan, .infinity]), dir + "/b.npy")
        let ds = try DataLoader.open(directory: dir, inputs: [InputSpec(name: "x", shape: [1, 3], dtype: .float)])
        let m = calibErrorMessage { _ = try ds.sample(1) }
        XCTAssertTrue(m.contains("b.npy"), m)
        XCTAssertTrue(m.contains("NaN at element 1"), m)
        XCTAssertTrue(m.contains("2 non-finite values of 3"), m)
    }

    func testWrongSizeAndChannelsAfterPreprocessing() throws {
        let dir = try calibTempDirectory(self)
        try copyFixture("rgb_8x6.png", to: dir, as: "a.png")
        let square = InputSpec(name: "images", shape: [1, 3, 4, 4], dtype: .float)
        let m = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [square]) }
        XCTAssertTrue(m.contains("a.png"), m)
        XCTAssertTrue(m.contains("after preprocessing it has shape [1, 3, 6, 8]"), m)
        XCTAssertTrue(m.contains("[1, 3, 4, 4]"), m)
        var fix = PreprocessConfig(resize: .shortSide(4))
        fix.centerCrop = (height: 4, width: 4)
        let ds = try DataLoader.open(directory: dir, inputs: [square], preprocess: ["images": fix])
        XCTAssertEqual(try ds.sample(0)["images"]?.shape, [1, 3, 4, 4])
        let gray = InputSpec(name: "images", shape: [1, 1, 6, 8], dtype: .float)
        let m2 = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [gray]) }
        XCTAssertTrue(m2.contains("[1, 3, 6, 8]") && m2.contains("[1, 1, 6, 8]"), m2)
        let ok = try DataLoader.open(directory: dir, inputs: [gray], preprocess: ["images": PreprocessConfig(inputTypeTrain: .gray)])
        XCTAssertEqual(try ok.sample(0)["images"]?.shape, [1, 1, 6, 8])
        let m3 = calibErrorMessage {
            _ = try DataLoader.open(directory: dir, inputs: [gray], preprocess: ["other": PreprocessConfig()])
        }
        XCTAssertTrue(m3.contains("'other', which is not a model input"), m3)
    }

    func testMultipleInputsUseSubdirectories() throws {
        let dir = try calibTempDirectory(self)
        let specs = [InputSpec(name: "a", shape: [1, 2], dtype: .float), InputSpec(name: "b", shape: [3], dtype: .int64)]
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        let missing = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: specs) }
        XCTAssertTrue(missing.contains("one subdirectory per input name"), missing)
        try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
        for i in 0..<2 {
            // Saved without the batch dimension: the loader adds it.
            try writeNpy(Tensor(shape: [2], floats: [Float(i), -1]), dir + "/a/\(i).npy")
            try writeNpy(Tensor(shape: [3], int64s: [Int64(i), 5, 6]), dir + "/b/\(i).npy")
        }
        let ds = try DataLoader.open(directory: dir, inputs: specs)
        XCTAssertEqual(ds.count, 2)
        let s = try ds.sample(1)
        XCTAssertEqual(s["a"]?.shape, [1, 2])
        XCTAssertEqual(try s["a"]?.floats(), [1, -1])
        XCTAssertEqual(s["b"]?.int64s(), [1, 5, 6])
        try writeNpy(Tensor(shape: [3], int64s: [9, 9, 9]), dir + "/b/2.npy")
        let uneven = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: specs) }
        XCTAssertTrue(uneven.contains("'a': 2, 'b': 3"), uneven)
    }

    func testWrongTypeAndShapeOfArrays() throws {
        let dir = try calibTempDirectory(self)
        try writeNpy(Tensor(shape: [1, 4], floats: [1, 2, 3, 4]), dir + "/a.npy")
        let m = calibErrorMessage {
            _ = try DataLoader.open(directory: dir, inputs: [InputSpec(name: "x", shape: [1, 3], dtype: .float)])
        }
        XCTAssertTrue(m.contains("it has shape [1, 4] but model input 'x' expects [1, 3]"), m)
        let t = calibErrorMessage {
            _ = try DataLoader.open(directory: dir, inputs: [InputSpec(name: "x", shape: [1, 4], dtype: .int64)])
        }
        XCTAssertTrue(t.contains("holds float32") && t.contains("expects int64"), t)
        // A dimension <= 0 in the spec accepts any size.
        XCTAssertNoThrow(try DataLoader.open(directory: dir, inputs: [InputSpec(name: "x", shape: [1, -1], dtype: .float)]))
    }

    func testUInt8ArraysAreNormalizedForFloatInputs() throws {
        let dir = try calibTempDirectory(self)
        try writeNpy(Tensor(shape: [1, 3, 1, 1], data: .uint8([10, 20, 30])), dir + "/a.npy")
        let spec = InputSpec(name: "x", shape: [1, 3, 1, 1], dtype: .float)
        let config = PreprocessConfig(normType: .dataMeanAndScale, mean: [10, 10, 10], scale: [0.5])
        let ds = try DataLoader.open(directory: dir, inputs: [spec], preprocess: ["x": config])
        XCTAssertEqual(try ds.sample(0)["x"]?.floats(), [0, 5, 10])
        XCTAssertTrue(ds.warnings.allSatisfy { !$0.contains("used as they are") }, "\(ds.warnings)")
        // Float arrays are taken as they are, and the loader says so when normalization is configured.
        let floats = try calibTempDirectory(self)
        try writeNpy(Tensor(shape: [1, 3, 1, 1], floats: [10, 20, 30]), floats + "/a.npy")
        let f = try DataLoader.open(directory: floats, inputs: [spec], preprocess: ["x": config])
        XCTAssertEqual(try f.sample(0)["x"]?.floats(), [10, 20, 30])
        XCTAssertTrue(f.warnings.contains { $0.contains("float32 arrays, which are used as they are") }, "\(f.warnings)")
        let raw = try DataLoader.open(directory: dir, inputs: [InputSpec(name: "x", shape: [1, 3, 1, 1], dtype: .uint8)])
        guard case .uint8(let v)? = try raw.sample(0)["x"]?.data else { return XCTFail("expected uint8 passthrough") }
        XCTAssertEqual(v, [10, 20, 30])
    }

    func testRawBinaryFiles() throws {
        let dir = try calibTempDirectory(self)
        try TensorProtoCodec.rawBytes(.float([1, 2, 3, 4, 5, 6])).write(to: URL(fileURLWithPath: dir + "/a.bin"))
        let spec = InputSpec(name: "x", shape: [1, 6], dtype: .float)
        // Found by extension, a .bin sample takes the input's element type and shape.
        let auto = try DataLoader.open(directory: dir, inputs: [spec])
        XCTAssertEqual(try auto.sample(0)["x"]?.floats(), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try auto.sample(0)["x"]?.shape, [1, 6])
        let ds = try DataLoader.open(directory: dir, inputs: [spec], format: .raw(dtype: .float, shape: [6]))
        XCTAssertEqual(try ds.sample(0)["x"]?.floats(), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try ds.sample(0)["x"]?.shape, [1, 6], "batch dimension added")
        // Same element count in another layout is not silently reshaped.
        let wrong = calibErrorMessage {
            _ = try DataLoader.open(directory: dir, inputs: [spec], format: .raw(dtype: .float, shape: [2, 3]))
        }
        XCTAssertTrue(wrong.contains("shape [2, 3]"), wrong)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/b.bin"))
        let ds2 = try DataLoader.open(directory: dir, inputs: [spec], format: .raw(dtype: .float, shape: nil))
        let m = calibErrorMessage { _ = try ds2.sample(1) }
        XCTAssertTrue(m.contains("b.bin") && m.contains("has 3 bytes") && m.contains("need 24"), m)
    }

    func testBinSamplesTakeTheInputsTypeAndShapeAndCheckTheirSize() throws {
        let dir = try calibTempDirectory(self)
        try Data([1, 2, 3, 4, 5, 6]).write(to: URL(fileURLWithPath: dir + "/a.bin"))
        let pixels = InputSpec(name: "px", shape: [1, 2, 3], dtype: .uint8)
        guard case .uint8(let v)? = try DataLoader.open(directory: dir, inputs: [pixels]).sample(0)["px"]?.data else {
            return XCTFail("a uint8 input reads uint8 values")
        }
        XCTAssertEqual(v, [1, 2, 3, 4, 5, 6])
        let ids = InputSpec(name: "ids", shape: [1, 3], dtype: .int64)
        let m = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [ids]) }
        XCTAssertTrue(m.contains(dir + "/a.bin") && m.contains("6 bytes") && m.contains("'ids'") && m.contains("int64")
                      && m.contains("[1, 3]") && m.contains("24 bytes"), m)
        try writeNpy(Tensor(shape: [1, 2, 3], floats: Array(repeating: 0, count: 6)), dir + "/b.npy")
        let mixed = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [pixels]) }
        XCTAssertTrue(mixed.contains("mixes .npy files and .bin files"), mixed)
    }

    func testGivenShapesMustMatchTheDeclaredRankAndFixedDimensions() throws {
        let graph = Graph(name: "g", nodes: [], initializers: [:],
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.symbolic("N"), .fixed(3), .symbolic("H")])],
                          outputs: [])
        XCTAssertEqual(try InputSpec.fromGraph(graph, shapes: ["x": [2, 3, 7]]).first?.shape, [2, 3, 7])
        let rank = calibErrorMessage { _ = try InputSpec.fromGraph(graph, shapes: ["x": [2, 3, 7, 1]]) }
        XCTAssertTrue(rank.contains("input 'x'") && rank.contains("4 dimensions") && rank.contains("[N, 3, H]"), rank)
        let fixed = calibErrorMessage { _ = try InputSpec.fromGraph(graph, shapes: ["x": [2, 4, 7]]) }
        XCTAssertTrue(fixed.contains("input 'x'") && fixed.contains("dimension 1 to 4 (fixed at 3)"), fixed)
    }

    func testMixedKindsAreRefused() throws {
        let dir = try calibTempDirectory(self)
        try copyFixture("rgb_8x6.png", to: dir, as: "a.png")
        try writeNpy(Tensor(shape: [1, 3, 6, 8], floats: Array(repeating: 0, count: 144)), dir + "/b.npy")
        let m = calibErrorMessage { _ = try DataLoader.open(directory: dir, inputs: [self.image]) }
        XCTAssertTrue(m.contains("mixes images and .npy"), m)
    }

    func testInputSpecsFromGraph() throws {
        let graph = Graph(name: "g", nodes: [], initializers: [:],
                          inputs: [ValueInfo(name: "x", elementType: 1, dims: [.symbolic("N"), .fixed(3), .fixed(8), .fixed(8)]),
                                   ValueInfo(name: "y", elementType: 1, dims: [.fixed(1), .symbolic("L")])],
                          outputs: [])
        let m = calibErrorMessage { _ = try InputSpec.fromGraph(graph) }
        XCTAssertTrue(m.contains("input 'y'"), m)
        let specs = try InputSpec.fromGraph(graph, shapes: ["y": [1, 5]])
        XCTAssertEqual(specs, [InputSpec(name: "x", shape: [1, 3, 8, 8], dtype: .float),
                               InputSpec(name: "y", shape: [1, 5], dtype: .float)])
    }
}

final class CalibrationPassTests: XCTestCase {
    func testPassCollectsGraphInputsOverAllSamples() throws {
        let dir = try calibTempDirectory(self)
        for i in 0..<3 { try Npy.write(Tensor(shape: [1, 2], floats: [Float(i), -Float(i) / 2]), to: dir + "/\(i).npy") }
        // A graph without nodes whose output is its input: the executor runs, and only the inputs are observed.
        let info = ValueInfo(name: "x", elementType: 1, dims: [.fixed(1), .fixed(2)])
        let model = Model(graph: Graph(name: "id", nodes: [], initializers: [:], inputs: [info], outputs: [info]),
                          opsets: ["": 17])
        let dataset = try DataLoader.open(directory: dir, inputs: try InputSpec.fromGraph(model.graph))
        var calls: [Int] = []
        let collector = try CalibrationPass.run(try Executor(model: model), on: dataset) { done, total in
            XCTAssertEqual(total, 3)
            calls.append(done)
        }
        XCTAssertEqual(calls, [1, 2, 3])
        let s = try XCTUnwrap(collector.statistics["x"])
        XCTAssertEqual(s.batches, 3)
        XCTAssertEqual(s.min, -1)
        XCTAssertEqual(s.max, 2)
    }
}
