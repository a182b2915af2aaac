/// An integer activation tensor as the accelerator holds it: integer levels plus the affine parameters that
/// give them a real value. Levels are kept as Int32 for arithmetic; they always lie in `params.qmin...qmax`
/// (int8 symmetric: -127...127, uint8 asymmetric: 0...255).
public struct QTensor {
    public var shape: [Int]
    public var levels: [Int32]
    public var params: QuantParams

    public init(shape: [Int], levels: [Int32], params: QuantParams) {
        self.shape = shape
        self.levels = levels
        self.params = params
    }

    /// Quantizes a float tensor (at an accelerator subgraph's entry), as QuantizeLinear does.
    public static func quantize(_ t: Tensor, _ params: QuantParams) throws -> QTensor {
        let values = try t.floats()
        let inv = params.scale
        let zp = Float(params.zeroPoint), lo = Float(params.qmin), hi = Float(params.qmax)
        var out = [Int32](repeating: 0, count: values.count)
        guard lo >= -4_194_304, hi <= 4_194_304 else {
            for i in values.indices {
                let q = (values[i] / inv).rounded(.toNearestOrEven) + zp
                out[i] = q.isNaN ? params.zeroPoint : Int32(min(max(q, lo), hi))
            }
            return QTensor(shape: t.shape, levels: out, params: params)
        }
        // The clamped value is an integer below 2^22 in magnitude: adding 1.5 · 2^23 puts it in the low bits of
        // the bit pattern, a conversion without range check, so the loop vectorizes.
        let magic: Float = 12_582_912, magicBits = Int32(bitPattern: magic.bitPattern), zeroLevel = params.zeroPoint
        values.withUnsafeBufferPointer { vp in
            out.withUnsafeMutableBufferPointer { op in
                for i in 0..<vp.count {
                    let q = (vp[i] / inv).rounded(.toNearestOrEven) + zp
                    let level = Int32(bitPattern: (min(max(q, lo), hi) + magic).bitPattern) &- magicBits
                    op[i] = q.isNaN ? zeroLevel : level
                }
            }
        }
        return QTensor(shape: t.shape, levels: out, params: params)
    }

    /// The real values (at a subgraph's exit, and for reporting).
    public func dequantized() -> Tensor {
        let s = params.scale, zp = params.zeroPoint
        return Tensor(shape: shape, floats: Self.floats(levels, minus: zp, times: s))
    }

    /// The levels with the zero point removed (the signed values the integer arithmetic works on).
    func centered() -> [Int32] {
        let zp = params.zeroPoint
        return zp == 0 ? levels : levels.map { $0 &- zp }
    }

    /// The levels with the zero point removed, as floats (exact: levels are far below 2^24).
    func centeredFloats() -> [Float] { Self.floats(levels, minus: params.zeroPoint, times: 1) }

    /// `Float(v - minus) * scale` for each value, in a loop that vectorizes.
    static func floats(_ values: [Int32], minus: Int32, times scale: Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { vp in
                for i in 0..<vp.count { out[i] = Float(vp[i] &- minus) * scale }
            }
            initialized = values.count
        }
    }

    /// The same values requantized to `target` (identity when the parameters match).
    func requantized(to target: QuantParams, rounding: IntegerRounding) -> QTensor {
        if target == params { return self }
        let r = Requantizer(factor: Double(params.scale) / Double(target.scale), rounding: rounding)
        return QTensor(shape: shape, levels: r.applied(to: levels, minus: params.zeroPoint, zeroPoint: target.zeroPoint,
                                                       lo: target.qmin, hi: target.qmax), params: target)
    }
}

/// The output range a layer's requantization clamps to: the output type's levels, narrowed by a fused Relu
/// or Clip.
public struct OutputClamp: Equatable {
    public var lo: Int32
    public var hi: Int32

    /// The full range of `params`.
    public init(_ params: QuantParams) {
        lo = params.qmin
        hi = params.qmax
    }

    public init(lo: Int32, hi: Int32) {
        self.lo = lo
        self.hi = hi
    }

    /// Narrowed by an activation: Relu clamps at the zero level, Clip at its quantized bounds.
    func narrowed(by activation: IntegerActivation?, _ params: QuantParams) -> OutputClamp {
        guard let activation else { return self }
        var c = self
        switch activation {
        case .relu:
            c.lo = max(c.lo, params.zeroPoint)
        case let .clip(minValue, maxValue):
            if let minValue { c.lo = max(c.lo, params.quantize(minValue)) }
            if let maxValue { c.hi = min(c.hi, params.quantize(maxValue)) }
        }
        if c.hi < c.lo { c.hi = c.lo }
        return c
    }
}

/// A Relu or Clip folded into the preceding layer's requantization.
public enum IntegerActivation: Equatable {
    case relu
    case clip(min: Float?, max: Float?)
}
