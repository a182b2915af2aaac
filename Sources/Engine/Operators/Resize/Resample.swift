import Foundation

/// How output coordinates map back to input coordinates along one axis (ONNX `coordinate_transformation_mode`).
enum CoordinateMode: String {
    case halfPixel = "half_pixel", pytorchHalfPixel = "pytorch_half_pixel", alignCorners = "align_corners"
    case asymmetric, tfCropAndResize = "tf_crop_and_resize", halfPixelSymmetric = "half_pixel_symmetric"
}

/// How a fractional coordinate picks a pixel in nearest mode. `simple` is Upsample's and Resize-10's rule:
/// floor when enlarging, ceil when shrinking.
enum NearestRounding: String {
    case roundPreferFloor = "round_prefer_floor", roundPreferCeil = "round_prefer_ceil", floor, ceil, simple
}

/// The interpolation kernel.
enum ResampleMode: String { case nearest, linear, cubic }

/// Everything needed to resize one axis: input and output lengths, the scale, and the region of interest.
struct AxisResize {
    let inLength: Int
    let outLength: Int
    let scale: Double
    let roiStart: Double
    let roiEnd: Double

    /// The input coordinate of output index `x`, or nil when tf_crop_and_resize lands outside the input.
    func source(_ x: Int, _ mode: CoordinateMode) -> Double? {
        let xr = Double(x), inW = Double(inLength)
        let outW = scale * inW  // the reference uses the unrounded output width
        switch mode {
        case .alignCorners:
            return outW == 1 ? 0 : xr * (inW - 1) / (outW - 1)
        case .asymmetric:
            return xr / scale
        case .tfCropAndResize:
            var v = outW == 1 ? (roiEnd - roiStart) * (inW - 1) / 2 : xr * (roiEnd - roiStart) * (inW - 1) / (outW - 1)
            v += roiStart * (inW - 1)
            return v < 0 || v > inW - 1 ? nil : v
        case .pytorchHalfPixel:
            return outW == 1 ? -0.5 : (xr + 0.5) / scale - 0.5
        case .halfPixel:
            return (xr + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let adjustment = Double(outLength) / outW
            let offset = inW / 2 * (1 - adjustment)
            return offset + (xr + 0.5) / scale - 0.5
        }
    }

    /// The input index each output index reads in nearest mode (-1: outside the crop, use the fill).
    func nearestMap(_ mode: CoordinateMode, _ rounding: NearestRounding) -> [Int] {
        (0..<outLength).map { x in
            guard let v = source(x, mode) else { return -1 }
            let f = v.rounded(.down), r = v - f
            var i: Double
            if r == 0 {
                i = v
            } else {
                switch rounding {
                case .roundPreferFloor: i = r <= 0.5 ? f : f + 1
                case .roundPreferCeil: i = r < 0.5 ? f : f + 1
                case .floor: i = f
                case .ceil: i = f + 1
                case .simple: i = scale < 1 ? f + 1 : f
                }
            }
            i = min(max(i, 0), Double(inLength - 1))
            return Int(i)
        }
    }

    /// Input indices and weights for each output index in linear or cubic mode.
    func taps(_ kernel: ResampleMode, _ mode: CoordinateMode, cubicA a: Double, excludeOutside: Bool) -> ResampleTaps {
        let width = kernel == .linear ? 2 : 4
        var taps = ResampleTaps(width: width, count: outLength)
        let last = inLength - 1
        for x in 0..<outLength {
            guard let v = source(x, mode) else { taps.outside[x] = true; continue }
            let base = x * width
            if kernel == .linear {
                let c = min(max(v, 0), Double(last))
                let i0 = Int(c.rounded(.down)), w = c - Double(i0)
                taps.indices[base] = i0
                taps.indices[base + 1] = min(i0 + 1, last)
                taps.weights[base] = Float(1 - w)
                taps.weights[base + 1] = Float(w)
                continue
            }
            let f = v.rounded(.down), t = v - f, i0 = Int(f)
            let s = 1 - t
            var w = [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                     ((a + 2) * t - (a + 3)) * t * t + 1,
                     ((a + 2) * s - (a + 3)) * s * s + 1,
                     ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a]
            let raw = [i0 - 1, i0, i0 + 1, i0 + 2]
            if excludeOutside {
                for k in 0..<4 where raw[k] < 0 || raw[k] > last { w[k] = 0 }
                let sum = w.reduce(0, +)
                if sum != 0 { w = w.map { $0 / sum } }
            }
            for k in 0..<4 {
                taps.indices[base + k] = min(max(raw[k], 0), last)
                taps.weights[base + k] = Float(w[k])
            }
        }
        return taps
    }
}

/// A fixed number of (input index, weight) taps per output index, stored flat; `outside` marks output
/// indices outside a tf_crop_and_resize box, which take the extrapolation value.
struct ResampleTaps {
    let width: Int
    var indices: [Int]
    var weights: [Float]
    var outside: [Bool]

    init(width: Int, count: Int) {
        self.width = width
        indices = Array(repeating: 0, count: width * count)
        weights = Array(repeating: 0, count: width * count)
        outside = Array(repeating: false, count: count)
    }
}

/// Resamples float data along one axis: `out[.., j, ..] = Σ w * in[.., idx, ..]` over output index j's taps.
func resampleAxis(_ src: [Float], shape: [Int], axis: Int, taps: ResampleTaps, fill: Float) -> [Float] {
    let outer = shape[..<axis].reduce(1, *), inLength = shape[axis], inner = shape[(axis + 1)...].reduce(1, *)
    let outLength = taps.outside.count, width = taps.width
    let total = outer * outLength * inner
    var out = [Float](repeating: 0, count: total)
    if total == 0 { return out }
    src.withUnsafeBufferPointer { sb in
    out.withUnsafeMutableBufferPointer { ob in
    taps.indices.withUnsafeBufferPointer { ib in
    taps.weights.withUnsafeBufferPointer { wb in
        let s = sb.baseAddress!, d = ob.baseAddress!
        for o in 0..<outer {
            let srcBase = s + o * inLength * inner
            let dstBase = d + o * outLength * inner
            if inner == 1 {
                // Last axis: one dot product of `width` taps per output element.
                for j in 0..<outLength {
                    if taps.outside[j] { dstBase[j] = fill; continue }
                    var acc: Float = 0
                    for k in 0..<width { acc += wb[j * width + k] * srcBase[ib[j * width + k]] }
                    dstBase[j] = acc
                }
                continue
            }
            for j in 0..<outLength {
                let dst = dstBase + j * inner
                if taps.outside[j] { dst.update(repeating: fill, count: inner); continue }
                for k in 0..<width {
                    let w = wb[j * width + k]
                    let row = srcBase + ib[j * width + k] * inner
                    for i in 0..<inner { dst[i] += w * row[i] }
                }
            }
        }
    }
    }
    }
    }
    return out
}
