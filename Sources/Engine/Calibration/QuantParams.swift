import Foundation

/// How real values map to integers.
public enum QuantScheme: String, CaseIterable, Sendable {
    /// int8 with zero point 0 and scale max|x| / 127. Values saturate at -128...127 as QuantizeLinear and int8
    /// hardware do, so the exported QDQ model and the stage agree bit for bit (weights stay within ±127).
    case int8Symmetric = "int8_symmetric"
    /// uint8 with a zero point, levels 0...255.
    case uint8Asymmetric = "uint8_asymmetric"

    public var isSymmetric: Bool { self == .int8Symmetric }
}

/// Affine quantization parameters: q = clamp(round(x / scale) + zeroPoint, qmin, qmax), x ≈ (q - zeroPoint) * scale.
public struct QuantParams: Equatable, Sendable, CustomStringConvertible {
    public var scale: Float
    public var zeroPoint: Int32
    public var qmin: Int32
    public var qmax: Int32

    public init(scale: Float, zeroPoint: Int32, qmin: Int32, qmax: Int32) {
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.qmin = qmin
        self.qmax = qmax
    }

    /// Parameters covering `range` in `scheme`. The range is first widened to include 0 (so that zero, and
    /// with it padding and ReLU outputs, is exact). An all-zero range gets scale 1 rather than 0, so that
    /// dividing by the scale stays finite. A non-finite range is an error naming `tensor`.
    public init(range: CalibrationRange, scheme: QuantScheme, tensor: String = "tensor") throws {
        guard range.min.isFinite, range.max.isFinite, range.min <= range.max else {
            throw QScopeError.usage("cannot quantize '\(tensor)': its calibrated range \(range) is not a finite interval")
        }
        let lo = Double(Swift.min(range.min, 0)), hi = Double(Swift.max(range.max, 0))
        switch scheme {
        case .int8Symmetric:
            let t = Swift.max(-lo, hi)
            var s = Float(t / 127)
            if !(s >= Float.leastNormalMagnitude) || !s.isFinite { s = t == 0 ? 1 : Swift.max(s, Float.leastNormalMagnitude) }
            guard s.isFinite else {
                throw QScopeError.usage("cannot quantize '\(tensor)': its range \(range) is too wide for float32 scales")
            }
            self.init(scale: s, zeroPoint: 0, qmin: -128, qmax: 127)
        case .uint8Asymmetric:
            var s = Float((hi - lo) / 255)
            if !(s >= Float.leastNormalMagnitude) { s = hi - lo == 0 ? 1 : Float.leastNormalMagnitude }
            guard s.isFinite else {
                throw QScopeError.usage("cannot quantize '\(tensor)': its range \(range) is too wide for float32 scales")
            }
            let zp = Swift.min(Swift.max((-lo / Double(s)).rounded(), 0), 255)
            self.init(scale: s, zeroPoint: Int32(zp), qmin: 0, qmax: 255)
        }
    }

    /// The integer level of `x`.
    public func quantize(_ x: Float) -> Int32 {
        let q = (x / scale).rounded(.toNearestOrEven) + Float(zeroPoint)
        guard q.isFinite else { return x.isNaN ? zeroPoint : (q > 0 ? qmax : qmin) }
        return Int32(Swift.min(Swift.max(q, Float(qmin)), Float(qmax)))
    }

    /// The real value of level `q`.
    public func dequantize(_ q: Int32) -> Float { Float(q - zeroPoint) * scale }

    /// Quantize then dequantize: the value the integer model computes with.
    public func fakeQuantize(_ x: Float) -> Float { dequantize(quantize(x)) }

    /// The representable real range.
    public var representableRange: CalibrationRange {
        CalibrationRange(min: dequantize(qmin), max: dequantize(qmax))
    }

    public var description: String { "scale \(scale), zero point \(zeroPoint), levels \(qmin)...\(qmax)" }
}

/// Per-channel symmetric int8 weights.
public struct PerChannelWeights: Equatable, Sendable {
    /// The channel axis.
    public var axis: Int
    /// One scale per channel (int8 symmetric, zero point 0).
    public var scales: [Float]
    /// Quantized values, same shape and order as the float weights.
    public var values: [Int8]
    public var shape: [Int]

    /// The dequantized weights.
    public func dequantized() -> Tensor {
        let inner = shape.count > axis + 1 ? shape[(axis + 1)...].reduce(1, *) : 1
        let c = scales.count
        var out = [Float](repeating: 0, count: values.count)
        for i in values.indices { out[i] = Float(values[i]) * scales[(i / inner) % c] }
        return Tensor(shape: shape, floats: out)
    }
}

/// Weight quantization helpers.
public enum WeightQuantizer {
    /// The output-channel axis of an operator's weight (input 1): 1 for ConvTranspose (weights are
    /// [C_in, C_out/group, ...]), 0 for Conv and others.
    public static func channelAxis(forOpType op: String) -> Int {
        op == "ConvTranspose" ? 1 : 0
    }

    /// Quantizes `weights` to int8 with one symmetric scale per slice along `axis` (scale = max|w| / 127; an
    /// all-zero channel gets scale 1).
    public static func perChannelSymmetric(_ weights: Tensor, axis: Int) throws -> PerChannelWeights {
        let w = try weights.floats()
        guard weights.rank >= 1 else { throw OpError("per-channel quantization needs a weight of rank >= 1, got a scalar") }
        let a = try ShapeMath.axis(axis, rank: weights.rank)
        let c = weights.shape[a]
        let inner = weights.shape[(a + 1)...].reduce(1, *)
        guard c > 0 else { return PerChannelWeights(axis: a, scales: [], values: [], shape: weights.shape) }
        var absMax = [Float](repeating: 0, count: c)
        for (i, v) in w.enumerated() {
            guard v.isFinite else { throw OpError("the weights hold \(v) at element \(i); they must be finite") }
            let ch = (i / Swift.max(inner, 1)) % c
            absMax[ch] = Swift.max(absMax[ch], abs(v))
        }
        let params = try absMax.map { try QuantParams(range: CalibrationRange(symmetric: $0), scheme: .int8Symmetric) }
        var q = [Int8](repeating: 0, count: w.count)
        for (i, v) in w.enumerated() {
            q[i] = Int8(params[(i / Swift.max(inner, 1)) % c].quantize(v))
        }
        return PerChannelWeights(axis: a, scales: params.map(\.scale), values: q, shape: weights.shape)
    }
}
