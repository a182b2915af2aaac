import Foundation
import XCTest
@testable import Engine

/// The accelerator's PRelu: per-channel slopes applied as integer multipliers and shifts.
final class PReluKernelTests: XCTestCase {
    private func kernel(slope: Tensor, input: QuantParams, output: QuantParams,
                        rounding: IntegerRounding = .halfAwayFromZero) throws -> AccKernel {
        let node = Node(name: "p", opType: "PRelu", inputs: ["x", "slope"], outputs: ["y"], attributes: [:])
        return try HybridOps.kernel(KernelContext(node: node, opset: 17, constants: [1: slope], inputParams: [0: input],
                                                  outputParams: [output], fused: nil, layer: nil, rounding: rounding))
    }

    /// The plain definition, one value at a time: (q - z_in) rescaled by s_in/s_out or slope·s_in/s_out.
    private func reference(_ q: Int32, slope: Float, _ pin: QuantParams, _ pout: QuantParams,
                           _ rounding: IntegerRounding) -> Int32 {
        let x = q - pin.zeroPoint
        let factor = Double(pin.scale) / Double(pout.scale) * (x >= 0 ? 1 : Double(slope))
        let r = Requantizer(factor: abs(factor), rounding: rounding)
        let v = factor == 0 ? 0 : (factor > 0 ? 1 : -1) * Int64(r.scale(x))
        return Int32(min(max(v + Int64(pout.zeroPoint), Int64(pout.qmin)), Int64(pout.qmax)))
    }

    func testPerChannelSlopesMatchTheReferenceAndFloat() throws {
        let slopes: [Float] = [0.25, -0.5, 0, 0.25, 1.5]   // repeated, negative, zero and steep slopes
        let slope = Tensor(shape: [5, 1, 1], data: .float(slopes))
        let inP = QuantParams(scale: 0.03, zeroPoint: 0, qmin: -127, qmax: 127)
        for (outP, rounding) in [(QuantParams(scale: 0.05, zeroPoint: 0, qmin: -127, qmax: 127), IntegerRounding.halfAwayFromZero),
                                 (QuantParams(scale: 0.04, zeroPoint: 60, qmin: 0, qmax: 255), .halfToEven)] {
            let k = try kernel(slope: slope, input: inP, output: outP, rounding: rounding)
            XCTAssertTrue(k is PReluKernel)
            // Two images of 5 channels × 2×3 pixels holding every level in turn.
            let count = 2 * 5 * 6
            let levels = (0..<count).map { Int32(($0 * 37) % 255) - 127 }
            let x = QTensor(shape: [2, 5, 2, 3], levels: levels, params: inP)
            let y = try k.run([.quant(x)], wantPreActivation: false).outputs[0]
            XCTAssertEqual(y.shape, x.shape)
            for i in 0..<count {
                let c = (i / 6) % 5
                XCTAssertEqual(y.levels[i], reference(levels[i], slope: slopes[c], inP, outP, rounding), "element \(i)")
                let real = Double(inP.dequantize(levels[i]))
                let want = real >= 0 ? real : Double(slopes[c]) * real
                let lo = Double(outP.dequantize(outP.qmin)), hi = Double(outP.dequantize(outP.qmax))
                XCTAssertEqual(Double(outP.dequantize(y.levels[i])), min(max(want, lo), hi),
                               accuracy: Double(outP.scale) * 0.5 + 1e-6, "element \(i) against float")
            }
        }
    }

    func testScalarSlopeAndShapeThatWouldEnlargeTheInput() throws {
        let inP = QuantParams(scale: 0.1, zeroPoint: 0, qmin: -127, qmax: 127)
        let k = try kernel(slope: Tensor(shape: [1], data: .float([0.5])), input: inP, output: inP)
        let y = try k.run([.quant(QTensor(shape: [1, 4], levels: [-101, -3, 0, 9], params: inP))], wantPreActivation: false)
        XCTAssertEqual(y.outputs[0].levels, [-51, -2, 0, 9], "half away from zero: -50.5 -> -51, -1.5 -> -2")
        let wide = try kernel(slope: Tensor(shape: [3, 1], data: .float([0.1, 0.2, 0.3])), input: inP, output: inP)
        XCTAssertThrowsError(try wide.run([.quant(QTensor(shape: [1, 4], levels: [1, 2, 3, 4], params: inP))],
                                          wantPreActivation: false)) { error in
            XCTAssertTrue("\(error)".contains("enlarge"), "\(error)")
        }
    }
}
