import Foundation
import XCTest
@testable import Engine

final class PreprocessTests: XCTestCase {
    /// The 8x6 fixture's pixel (x, y): (30x, 40y, 5(x + 8y)).
    func expectedRGB(_ x: Int, _ y: Int) -> [UInt8] { [UInt8(30 * x), UInt8(40 * y), UInt8(5 * (x + 8 * y))] }

    func fixture() throws -> Image { try ImageDecoder.readRGB(path: CalibFixtures.path("images/rgb_8x6.png")) }

    func testDecodesPNGExactly() throws {
        let img = try fixture()
        XCTAssertEqual(img.width, 8)
        XCTAssertEqual(img.height, 6)
        XCTAssertEqual(img.channels, 3)
        for y in 0..<6 {
            for x in 0..<8 {
                XCTAssertEqual(Array(img.pixels[(y * 8 + x) * 3 ..< (y * 8 + x) * 3 + 3]), expectedRGB(x, y), "pixel \(x),\(y)")
            }
        }
    }

    func testDecodesGrayPNGAsRGB() throws {
        let img = try ImageDecoder.readRGB(path: CalibFixtures.path("images/gray_4x4.png"))
        XCTAssertEqual([img.width, img.height], [4, 4])
        for p in 0..<16 {
            XCTAssertEqual(Array(img.pixels[p * 3 ..< p * 3 + 3]), Array(repeating: UInt8(16 * p), count: 3))
        }
    }

    func testDecodesJPEGClose() throws {
        let jpg = try ImageDecoder.readRGB(path: CalibFixtures.path("images/rgb_8x6.jpg"))
        let png = try fixture()
        XCTAssertEqual([jpg.width, jpg.height], [8, 6])
        let worst = zip(jpg.pixels, png.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 99
        XCTAssertLessThanOrEqual(worst, 6)
    }

    func testUndecodableBytesNameTheFileAndReason() {
        let m = calibErrorMessage { _ = try ImageDecoder.decodeRGB(Data("definitely not a picture".utf8), path: "/d/cat.png") }
        XCTAssertTrue(m.contains("/d/cat.png"), m)
        XCTAssertTrue(m.contains("stb_image:"), m)
    }

    func testNCHWRGBWithoutNormalization() throws {
        let t = try PreprocessConfig().tensor(from: try fixture())
        XCTAssertEqual(t.shape, [1, 3, 6, 8])
        let v = try t.floats()
        for c in 0..<3 {
            for y in 0..<6 {
                for x in 0..<8 {
                    XCTAssertEqual(v[(c * 6 + y) * 8 + x], Float(expectedRGB(x, y)[c]))
                }
            }
        }
    }

    func testBGRNHWCWithMeanAndScale() throws {
        let config = PreprocessConfig(inputTypeTrain: .bgr, layoutTrain: .nhwc, normType: .dataMeanAndScale,
                                      mean: [10, 20, 30], scale: [0.5, 0.25, 2])
        let t = try config.tensor(from: try fixture())
        XCTAssertEqual(t.shape, [1, 6, 8, 3])
        let v = try t.floats()
        let (x, y) = (5, 3)
        let rgb = expectedRGB(x, y).map(Float.init)
        let base = (y * 8 + x) * 3
        // Channel order B, G, R; mean and scale apply to the model's channels in order.
        XCTAssertEqual(v[base + 0], (rgb[2] - 10) * 0.5)
        XCTAssertEqual(v[base + 1], (rgb[1] - 20) * 0.25)
        XCTAssertEqual(v[base + 2], (rgb[0] - 30) * 2)
    }

    func testMeanOnlyScaleOnlyAndBroadcastValues() throws {
        let img = try fixture()
        let meanOnly = try PreprocessConfig(normType: .dataMean, mean: [100], scale: [9]).tensor(from: img).floats()
        XCTAssertEqual(meanOnly[0], 0 - 100)
        XCTAssertEqual(meanOnly[48 + 8 + 1], 40 - 100, "G at (1, 1)")
        let scaleOnly = try PreprocessConfig(normType: .dataScale, mean: [7], scale: [1.0 / 255]).tensor(from: img).floats()
        XCTAssertEqual(scaleOnly[7], 210 * (1.0 / 255), accuracy: 1e-6)
    }

    func testGrayAndYUV444() throws {
        let img = Image(width: 2, height: 1, channels: 3, pixels: [100, 100, 100, 255, 0, 0])
        let g = try PreprocessConfig(inputTypeTrain: .gray).tensor(from: img)
        XCTAssertEqual(g.shape, [1, 1, 1, 2])
        XCTAssertEqual(try g.floats()[0], 100, accuracy: 1e-3)
        XCTAssertEqual(try g.floats()[1], 0.299 * 255, accuracy: 1e-3)
        let yuv = try PreprocessConfig(inputTypeTrain: .yuv444).tensor(from: img).floats()
        // Grey: Y = value, U = V = 128. Pure red: Y 76.245, U 84.97, V 255.5.
        XCTAssertEqual(yuv[0], 100, accuracy: 1e-3)
        XCTAssertEqual(yuv[2], 128, accuracy: 1e-3)
        XCTAssertEqual(yuv[4], 128, accuracy: 1e-3)
        XCTAssertEqual(yuv[1], 76.245, accuracy: 1e-3)
        XCTAssertEqual(yuv[3], 128 - 0.168736 * 255, accuracy: 1e-3)
        XCTAssertEqual(yuv[5], 128 + 0.5 * 255, accuracy: 1e-3)
    }

    func testDownscaleByTwoAveragesPairs() throws {
        let small = try Preprocess.resize(try fixture(), to: .exact(height: 3, width: 4))
        XCTAssertEqual([small.width, small.height], [4, 3])
        for y in 0..<3 {
            for x in 0..<4 {
                let p = (y * 4 + x) * 3
                // Half-pixel sampling at scale 2 lands between source pixels 2x and 2x+1.
                XCTAssertEqual(small.pixels[p], UInt8(60 * x + 15))
                XCTAssertEqual(small.pixels[p + 1], UInt8(80 * y + 20))
                XCTAssertEqual(small.pixels[p + 2], UInt8((5.0 * Double(2 * x + 16 * y) + 2.5 + 20).rounded()))
            }
        }
    }

    func testUpscaleInterpolatesWithHalfPixelCentres() throws {
        let img = Image(width: 2, height: 1, channels: 1, pixels: [0, 100])
        let up = try Preprocess.resize(img, to: .exact(height: 1, width: 4))
        XCTAssertEqual(up.pixels, [0, 25, 75, 100])
    }

    func testShortSideKeepsAspectRatio() throws {
        let a = try Preprocess.resize(try fixture(), to: .shortSide(3))
        XCTAssertEqual([a.width, a.height], [4, 3])
        let tall = Image(width: 2, height: 6, channels: 1, pixels: Array(repeating: 9, count: 12))
        let b = try Preprocess.resize(tall, to: .shortSide(4))
        XCTAssertEqual([b.width, b.height], [4, 12])
        XCTAssertTrue(b.pixels.allSatisfy { $0 == 9 })
    }

    func testCentreCrop() throws {
        let c = try Preprocess.centerCrop(try fixture(), height: 2, width: 4)
        XCTAssertEqual([c.width, c.height], [4, 2])
        XCTAssertEqual(Array(c.pixels[0..<3]), expectedRGB(2, 2))
        XCTAssertEqual(Array(c.pixels[(1 * 4 + 3) * 3 ..< (1 * 4 + 3) * 3 + 3]), expectedRGB(5, 3))
        let m = calibErrorMessage { _ = try Preprocess.centerCrop(try self.fixture(), height: 7, width: 4) }
        XCTAssertTrue(m.contains("cannot centre-crop"), m)
    }

    func testResizeThenCropInConfig() throws {
        var config = PreprocessConfig(resize: .shortSide(4))
        config.centerCrop = (height: 4, width: 4)
        let t = try config.tensor(from: try fixture())
        XCTAssertEqual(t.shape, [1, 3, 4, 4])
    }

    func testInvalidConfigurations() {
        let img = Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])
        let m1 = calibErrorMessage {
            _ = try PreprocessConfig(normType: .dataMeanAndScale, mean: [1, 2], scale: [1]).tensor(from: img)
        }
        XCTAssertTrue(m1.contains("mean_value has 2 values"), m1)
        let m2 = calibErrorMessage { try PreprocessConfig(normType: .dataScale).validate(input: "x") }
        XCTAssertTrue(m2.contains("needs scale_value"), m2)
        let m3 = calibErrorMessage {
            try PreprocessConfig(inputTypeTrain: .rgb, inputTypeRuntime: .featuremap).validate(input: "x")
        }
        XCTAssertTrue(m3.contains("featuremap"), m3)
        let m4 = calibErrorMessage { try PreprocessConfig(inputTypeTrain: .rgb, inputTypeRuntime: .gray).validate(input: "x") }
        XCTAssertTrue(m4.contains("gray"), m4)
        let m5 = calibErrorMessage { _ = try InputColorType(parsing: "rgba", key: "input_type_rt") }
        XCTAssertTrue(m5.contains("rgb, bgr, gray, yuv444, featuremap"), m5)
        XCTAssertEqual(try InputLayout(parsing: "nhwc", key: "k"), .nhwc)
        XCTAssertEqual(try NormType(parsing: "DATA_MEAN", key: "k"), .dataMean)
        XCTAssertNoThrow(try PreprocessConfig(inputTypeTrain: .rgb, inputTypeRuntime: .yuv444).validate(input: "x"))
    }

    func testNormalizeRawPixelTensor() throws {
        let t = Tensor(shape: [1, 2, 1, 2], data: .uint8([10, 20, 30, 40]))
        let config = PreprocessConfig(inputTypeTrain: .featuremap, normType: .dataMeanAndScale, mean: [10, 30], scale: [1, 0.5])
        XCTAssertEqual(try config.normalize(t).floats(), [0, 10, 0, 5])
        let nhwc = PreprocessConfig(inputTypeTrain: .featuremap, layoutTrain: .nhwc, normType: .dataMean, mean: [1, 2])
        XCTAssertEqual(try nhwc.normalize(Tensor(shape: [1, 1, 2, 2], data: .uint8([10, 20, 30, 40]))).floats(), [9, 18, 29, 38])
    }
}
