/// The settings of one Resize/Upsample node, and the resampling itself.
struct Resampler {
    var mode: ResampleMode
    var coordinates: CoordinateMode
    var rounding: NearestRounding
    var cubicA: Double = -0.75
    var excludeOutside = false
    var extrapolation: Float = 0

    /// Resizes `x` given one plan per axis (identity axes included).
    func resize(_ x: Tensor, _ plan: [AxisResize]) throws -> Tensor {
        let outShape = plan.map(\.outLength)
        if try Tensor.elementCount(outShape, what: "the Resize output") == 0 { return try Tensor.zeros(x.dtype, shape: outShape) }
        for p in plan where p.inLength == 0 && p.outLength > 0 {
            throw OpError("cannot resize an empty axis of shape \(x.shape) to \(outShape)")
        }
        if mode == .nearest {
            let maps = plan.map { $0.nearestMap(coordinates, rounding) }
            let fill = convertFloats([extrapolation], to: x.dtype)
            return Tensor(shape: outShape, data: try x.data.map(AxisMapGather(inShape: x.shape, maps: maps, fill: fill)))
        }
        guard x.dtype != .bool else { throw OpError("\(mode.rawValue) resize of bool data is not defined") }
        var values = x.asFloats()
        var shape = x.shape
        for (axis, p) in plan.enumerated() {
            let identityCrop = coordinates != .tfCropAndResize || (p.roiStart == 0 && p.roiEnd == 1)
            if p.outLength == p.inLength && p.scale == 1 && identityCrop { continue }
            let taps = p.taps(mode, coordinates, cubicA: cubicA, excludeOutside: excludeOutside)
            values = resampleAxis(values, shape: shape, axis: axis, taps: taps, fill: extrapolation)
            shape[axis] = p.outLength
        }
        return Tensor(shape: shape, data: convertFloats(values, to: x.dtype))
    }
}

/// Resize (opsets 10, 11, 13, 18, 19): nearest, linear (N-linear, separable) or cubic interpolation to
/// `sizes` or by `scales`, with the coordinate transformation, rounding, crop box and aspect-ratio policy
/// the node asks for. Antialiasing is not implemented.
final class ResizeOp: Operator {
    let resampler: Resampler
    let opset10: Bool
    let axes: [Int]?
    let keepAspect: String

    init(_ context: BuildContext) throws {
        let node = context.node
        opset10 = context.opset < 11
        let m = try node.string("mode", default: "nearest")
        guard let mode = ResampleMode(rawValue: m) else { throw OpError("mode '\(m)' is not nearest, linear or cubic") }
        let c = opset10 ? "asymmetric" : try node.string("coordinate_transformation_mode", default: "half_pixel")
        guard let coordinates = CoordinateMode(rawValue: c) else {
            throw OpError("coordinate_transformation_mode '\(c)' is not supported")
        }
        let n = opset10 ? "simple" : try node.string("nearest_mode", default: "round_prefer_floor")
        guard let rounding = NearestRounding(rawValue: n), n != "simple" || opset10 else {
            throw OpError("nearest_mode '\(n)' is not supported")
        }
        if try node.int("antialias", default: 0) != 0 {
            throw OpError("antialias=1 is not supported by qscope")
        }
        var r = Resampler(mode: mode, coordinates: coordinates, rounding: rounding)
        r.cubicA = Double(try node.float("cubic_coeff_a", default: -0.75))
        r.excludeOutside = try node.int("exclude_outside", default: 0) != 0
        r.extrapolation = try node.float("extrapolation_value", default: 0)
        resampler = r
        axes = try node.ints("axes")
        keepAspect = try node.string("keep_aspect_ratio_policy", default: "stretch")
        guard ["stretch", "not_larger", "not_smaller"].contains(keepAspect) else {
            throw OpError("keep_aspect_ratio_policy '\(keepAspect)' is not supported")
        }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let rank = x.rank
        let roi, scales, sizes: [Double]?
        if opset10 {
            roi = nil
            scales = try inputs.required(1).floats().map(Double.init)
            sizes = nil
        } else {
            roi = inputs.optional(1).map { $0.asFloats().map(Double.init) }
            scales = inputs.optional(2).flatMap { $0.count > 0 ? $0.asFloats().map(Double.init) : nil }
            sizes = inputs.optional(3).flatMap { $0.count > 0 ? $0.int64s().map(Double.init) : nil }
        }
        let axes = try (self.axes ?? Array(0..<rank)).map { try ShapeMath.existingAxis($0, rank: rank) }
        guard Set(axes).count == axes.count else { throw OpError("axes \(axes) repeat an axis") }
        var scale = Array(repeating: 1.0, count: rank)
        var out = x.shape
        if let sizes {
            guard scales == nil else { throw OpError("only one of scales and sizes may be given") }
            guard sizes.count == axes.count else { throw OpError("sizes has \(sizes.count) values for \(axes.count) axes") }
            for (i, a) in axes.enumerated() {
                guard sizes[i] >= 0, sizes[i] < Double(Tensor.maxElements) else {
                    throw OpError("sizes \(sizes.map { Int64($0) }) has a negative or absurd value")
                }
                scale[a] = sizes[i] / Double(x.shape[a])
                out[a] = Int(sizes[i])
            }
            if keepAspect != "stretch" {
                let chosen = axes.map { scale[$0] }
                let s = (keepAspect == "not_larger" ? chosen.min() : chosen.max()) ?? 1
                for a in axes {
                    scale[a] = s
                    let n = s * Double(x.shape[a]) + 0.5
                    guard n.isFinite, n < Double(Tensor.maxElements) else { throw OpError("cannot resize shape \(x.shape) to sizes \(sizes)") }
                    out[a] = Int(n)
                }
            }
        } else if let scales {
            guard scales.count == axes.count else { throw OpError("scales has \(scales.count) values for \(axes.count) axes") }
            for (i, a) in axes.enumerated() {
                guard scales[i] > 0, scales[i].isFinite else { throw OpError("scales \(scales) must be positive") }
                scale[a] = scales[i]
                let n = scales[i] * Double(x.shape[a])
                guard n < Double(Tensor.maxElements) else { throw QScopeError.tooLarge(what: "the Resize output", shape: out) }
                out[a] = Int(n)
            }
        } else {
            throw OpError("neither scales nor sizes is given")
        }
        var roiStart = Array(repeating: 0.0, count: rank), roiEnd = Array(repeating: 1.0, count: rank)
        if resampler.coordinates == .tfCropAndResize {
            guard let roi, roi.count == 2 * axes.count else {
                throw OpError("tf_crop_and_resize needs roi with \(2 * axes.count) values")
            }
            for (i, a) in axes.enumerated() {
                roiStart[a] = roi[i]
                roiEnd[a] = roi[i + axes.count]
            }
        }
        let plan = (0..<rank).map {
            AxisResize(inLength: x.shape[$0], outLength: out[$0], scale: scale[$0], roiStart: roiStart[$0], roiEnd: roiEnd[$0])
        }
        for p in plan where p.outLength > 0 && (p.scale.isNaN || p.scale <= 0) {
            throw OpError("cannot resize shape \(x.shape) to \(out)")
        }
        return [try resampler.resize(x, plan)]
    }
}

/// Upsample (opsets 7 and 9, deprecated since 10): scales as an attribute (7) or input (9); nearest or
/// linear with asymmetric coordinates.
final class UpsampleOp: Operator {
    let resampler: Resampler
    let attributeScales: [Float]?

    init(_ context: BuildContext) throws {
        let m = try context.node.string("mode", default: "nearest")
        let mode: ResampleMode
        switch m {
        case "nearest": mode = .nearest
        case "linear", "bilinear": mode = .linear
        default: throw OpError("mode '\(m)' is not nearest or linear")
        }
        resampler = Resampler(mode: mode, coordinates: .asymmetric, rounding: .simple)
        attributeScales = context.opset < 9 ? try context.node.floats("scales") : nil
        if context.opset < 9 && attributeScales == nil { throw OpError("attribute 'scales' is required") }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let scales = try attributeScales ?? inputs.required(1).floats()
        guard scales.count == x.rank, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw OpError("scales \(scales) must be \(x.rank) positive values for shape \(x.shape)")
        }
        let plan = try (0..<x.rank).map { d -> AxisResize in
            let n = Double(scales[d]) * Double(x.shape[d])
            guard n < Double(Tensor.maxElements) else { throw OpError("scales \(scales) are too large for shape \(x.shape)") }
            return AxisResize(inLength: x.shape[d], outLength: Int(n), scale: Double(scales[d]), roiStart: 0, roiEnd: 1)
        }
        return [try resampler.resize(x, plan)]
    }
}
