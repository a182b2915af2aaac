import Foundation
import XCTest
@testable import Engine

final class NpyTests: XCTestCase {
    func testReadsNumpyFloat32() throws {
        let t = try Npy.read(path: CalibFixtures.path("npy/f32_2x3.npy"))
        XCTAssertEqual(t.shape, [2, 3])
        XCTAssertEqual(try t.floats(), [-1, -0.5, 0, 0.5, 1, 1.5])
    }

    func testReadsNumpyUInt8() throws {
        let t = try Npy.read(path: CalibFixtures.path("npy/u8_1x3x2x2.npy"))
        XCTAssertEqual(t.shape, [1, 3, 2, 2])
        guard case .uint8(let v) = t.data else { return XCTFail("expected uint8, got \(t.dtype)") }
        XCTAssertEqual(v, (0..<12).map { UInt8($0 * 20) })
    }

    func testReadsNumpyInt64BoolAndScalar() throws {
        let i = try Npy.read(path: CalibFixtures.path("npy/i64_4.npy"))
        XCTAssertEqual(i.shape, [4])
        XCTAssertEqual(i.int64s(), [-3, 0, 7, 1 << 40])
        let b = try Npy.read(path: CalibFixtures.path("npy/bool_3.npy"))
        guard case .bool(let bv) = b.data else { return XCTFail("expected bool") }
        XCTAssertEqual(bv, [true, false, true])
        let s = try Npy.read(path: CalibFixtures.path("npy/f32_scalar.npy"))
        XCTAssertEqual(s.shape, [])
        XCTAssertEqual(try s.floats(), [2.5])
    }

    func testReadsVersion2Header() throws {
        let t = try Npy.read(path: CalibFixtures.path("npy/f32_v2_3.npy"))
        XCTAssertEqual(t.shape, [3])
        XCTAssertEqual(try t.floats(), [1, -2, 3.25])
    }

    func testRefusesFortranOrderAndFloat64() {
        let f = calibErrorMessage { _ = try Npy.read(path: CalibFixtures.path("npy/f32_fortran_2x2.npy")) }
        XCTAssertTrue(f.contains("Fortran order"), f)
        XCTAssertTrue(f.contains("f32_fortran_2x2.npy"), f)
        let d = calibErrorMessage { _ = try Npy.read(path: CalibFixtures.path("npy/f64_2.npy")) }
        XCTAssertTrue(d.contains("float64"), d)
    }

    func testRoundTripsEveryType() throws {
        let cases: [Tensor] = [
            Tensor(shape: [2, 2], floats: [1.5, -0, .greatestFiniteMagnitude, -3]),
            Tensor(shape: [3], data: .uint8([0, 128, 255])),
            Tensor(shape: [1, 2], data: .int8([-128, 127])),
            Tensor(shape: [2], data: .int32([Int32.min, 5])),
            Tensor(shape: [2, 1, 1], int64s: [Int64.max, -1]),
            Tensor(shape: [2], data: .bool([false, true])),
            Tensor(scalar: 7),
            Tensor(shape: [0, 3], floats: []),
        ]
        for t in cases {
            let bytes = Npy.encode(t)
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual(bytes[6], 1)
            XCTAssertEqual((10 + headerLength) % 64, 0, "header is padded to 64 bytes")
            XCTAssertEqual(bytes[10 + headerLength - 1], UInt8(ascii: "\n"))
            let back = try Npy.decode(bytes, path: "mem")
            XCTAssertEqual(back.shape, t.shape)
            XCTAssertEqual(back.dtype, t.dtype)
            XCTAssertEqual(TensorProtoCodec.rawBytes(back.data), TensorProtoCodec.rawBytes(t.data))
        }
    }

    func testHeaderTextMatchesNumpy() throws {
        // numpy writes exactly this header for np.save(f, np.arange(6, dtype='<f4').reshape(2, 3) * 0.5 - 1).
        let ours = Npy.encode(Tensor(shape: [2, 3], floats: [-1, -0.5, 0, 0.5, 1, 1.5]))
        let numpy = try Data(contentsOf: URL(fileURLWithPath: CalibFixtures.path("npy/f32_2x3.npy")))
        XCTAssertEqual(ours, numpy)
        let one = Npy.encode(Tensor(shape: [3], data: .bool([true, false, true])))
        XCTAssertEqual(one, try Data(contentsOf: URL(fileURLWithPath: CalibFixtures.path("npy/bool_3.npy"))))
    }

    func testWriteThenRead() throws {
        let dir = try calibTempDirectory(self)
        let path = dir + "/x.npy"
        let t = Tensor(shape: [1, 2, 3], floats: [1, 2, 3, 4, 5, 6])
        try Npy.write(t, to: path)
        let back = try Npy.read(path: path)
        XCTAssertEqual(back.shape, [1, 2, 3])
        XCTAssertEqual(try back.floats(), [1, 2, 3, 4, 5, 6])
    }

    func testMalformedFiles() {
        let notNpy = calibErrorMessage { _ = try Npy.decode(Data("hello world, not numpy".utf8), path: "a.npy") }
        XCTAssertTrue(notNpy.contains("not a NumPy .npy file"), notNpy)
        var truncated = Npy.encode(Tensor(shape: [4], floats: [1, 2, 3, 4]))
        truncated.removeLast(3)
        let t = calibErrorMessage { _ = try Npy.decode(truncated, path: "t.npy") }
        XCTAssertTrue(t.contains("truncated data"), t)
        let header = "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }"
        var big = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0])
        big.append(contentsOf: Array(header.utf8) + [0, 0, 0, 0])
        let b = calibErrorMessage { _ = try Npy.decode(big, path: "b.npy") }
        XCTAssertTrue(b.contains("big-endian"), b)
        let badShape = "{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }"
        var s = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(badShape.utf8.count), 0])
        s.append(contentsOf: Array(badShape.utf8))
        let m = calibErrorMessage { _ = try Npy.decode(s, path: "s.npy") }
        XCTAssertTrue(m.contains("malformed .npy header"), m)
        let missing = calibErrorMessage { _ = try Npy.read(path: "/nonexistent/q.npy") }
        XCTAssertTrue(missing.contains("no such file"), missing)
    }

    func testParsesPython2StyleLongs() throws {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1L, 2L), }"
        var d = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count), 0])
        d.append(contentsOf: Array(header.utf8))
        d.append(TensorProtoCodec.rawBytes(.float([3, 4])))
        let t = try Npy.decode(d, path: "p2.npy")
        XCTAssertEqual(t.shape, [1, 2])
        XCTAssertEqual(try t.floats(), [3, 4])
    }
}
