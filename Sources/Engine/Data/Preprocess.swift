import Foundation

/// The colour format of a model input, in the converter's vocabulary.
public enum InputColorType: String, CaseIterable, Sendable {
    case rgb, bgr, gray, yuv444, featuremap

    /// Channels the model sees for this type.
    public var channels: Int? {
        switch self {
        case .rgb, .bgr, .yuv444: return 3
        case .gray: return 1
        case .featuremap: return nil
        }
    }

    /// Parses a config value; the error lists the valid names.
    public init(parsing text: String, key: String) throws {
        guard let v = InputColorType(rawValue: text.lowercased()) else {
            throw QScopeError.usage("\(key) '\(text)' is not valid; use one of "
                + InputColorType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = v
    }
}

/// Memory order of an image tensor.
public enum InputLayout: String, CaseIterable, Sendable {
    case nchw = "NCHW", nhwc = "NHWC"

    public init(parsing text: String, key: String) throws {
        guard let v = InputLayout(rawValue: text.uppercased()) else {
            throw QScopeError.usage("\(key) '\(text)' is not valid; use NCHW or NHWC")
        }
        self = v
    }
}

/// Which normalization is applied to pixel values (converter convention: `out = (x - mean) * scale`).
public enum NormType: String, CaseIterable, Sendable {
    case dataMeanAndScale = "data_mean_and_scale"
    case dataMean = "data_mean"
    case dataScale = "data_scale"
    case noPreprocess = "no_preprocess"

    /// Whether `(x - mean) * scale` uses the mean.
    public var usesMean: Bool { self == .dataMeanAndScale || self == .dataMean }
    /// Whether `(x - mean) * scale` uses the scale.
    public var usesScale: Bool { self == .dataMeanAndScale || self == .dataScale }

    /// The norm_type that applies exactly the values given, for a config that gives mean_value and/or
    /// scale_value but no norm_type: both → data_mean_and_scale, one → data_mean or data_scale, none →
    /// no_preprocess.
    public static func implied(mean: [Float], scale: [Float]) -> NormType {
        switch (mean.isEmpty, scale.isEmpty) {
        case (false, false): return .dataMeanAndScale
        case (false, true): return .dataMean
        case (true, false): return .dataScale
        case (true, true): return .noPreprocess
        }
    }

    /// The keys among mean_value and scale_value that are given (non-empty) but that this norm_type ignores.
    public func ignoredKeys(mean: [Float], scale: [Float]) -> [String] {
        (!mean.isEmpty && !usesMean ? ["mean_value"] : []) + (!scale.isEmpty && !usesScale ? ["scale_value"] : [])
    }

    public init(parsing text: String, key: String) throws {
        guard let v = NormType(rawValue: text.lowercased()) else {
            throw QScopeError.usage("\(key) '\(text)' is not valid; use one of "
                + NormType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self = v
    }
}

/// How an image is resized before the optional centre crop.
public enum ResizeSpec: Equatable, Sendable {
    /// Scale so that the shorter side has this length, keeping the aspect ratio.
    case shortSide(Int)
    /// Scale to exactly this height and width.
    case exact(height: Int, width: Int)
}

/// An 8-bit image with interleaved channels (HWC), as decoded.
public struct Image: Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// How calibration images become model input tensors: resize, centre crop, colour conversion, normalization,
/// layout. Mirrors the converter's input parameters so that the float pass sees what the converter sees.
public struct PreprocessConfig: Equatable, Sendable {
    /// The colour format the model was trained with (what its first layer expects).
    public var inputTypeTrain: InputColorType
    /// The colour format fed at run time on the device. The conversion from it to `inputTypeTrain` becomes part
    /// of the deployed model; here it is only checked for compatibility.
    public var inputTypeRuntime: InputColorType
    public var layoutTrain: InputLayout
    public var normType: NormType
    /// Per-channel means (one value applies to every channel).
    public var mean: [Float]
    /// Per-channel scales (one value applies to every channel).
    public var scale: [Float]
    public var resize: ResizeSpec?
    /// Centre crop (height, width) after the resize.
    public var centerCrop: (height: Int, width: Int)? {
        get { crop.map { ($0[0], $0[1]) } }
        set { crop = newValue.map { [$0.height, $0.width] } }
    }
    private var crop: [Int]?

    public init(inputTypeTrain: InputColorType = .rgb, inputTypeRuntime: InputColorType? = nil,
                layoutTrain: InputLayout = .nchw, normType: NormType = .noPreprocess,
                mean: [Float] = [], scale: [Float] = [], resize: ResizeSpec? = nil,
                centerCrop: (height: Int, width: Int)? = nil) {
        self.inputTypeTrain = inputTypeTrain
        self.inputTypeRuntime = inputTypeRuntime ?? inputTypeTrain
        self.layoutTrain = layoutTrain
        self.normType = normType
        self.mean = mean
        self.scale = scale
        self.resize = resize
        self.crop = centerCrop.map { [$0.height, $0.width] }
    }

    /// Checks the combination of settings; `input` names the model input in messages.
    public func validate(input: String) throws {
        func fail(_ why: String) -> QScopeError { .usage("preprocessing for input '\(input)': \(why)") }
        if (inputTypeTrain == .featuremap) != (inputTypeRuntime == .featuremap) {
            throw fail("input_type_rt is \(inputTypeRuntime.rawValue) but input_type_train is "
                + "\(inputTypeTrain.rawValue); featuremap must be used for both or neither")
        }
        if (inputTypeTrain == .gray) != (inputTypeRuntime == .gray) {
            throw fail("input_type_rt is \(inputTypeRuntime.rawValue) but input_type_train is "
                + "\(inputTypeTrain.rawValue); a gray input cannot be converted to or from a colour one")
        }
        let usesMean = normType == .dataMeanAndScale || normType == .dataMean
        let usesScale = normType == .dataMeanAndScale || normType == .dataScale
        if usesMean && mean.isEmpty { throw fail("norm_type \(normType.rawValue) needs mean_value") }
        if usesScale && scale.isEmpty { throw fail("norm_type \(normType.rawValue) needs scale_value") }
        if let c = inputTypeTrain.channels {
            if usesMean && mean.count != 1 && mean.count != c {
                throw fail("mean_value has \(mean.count) values but \(inputTypeTrain.rawValue) has \(c) channels")
            }
            if usesScale && scale.count != 1 && scale.count != c {
                throw fail("scale_value has \(scale.count) values but \(inputTypeTrain.rawValue) has \(c) channels")
            }
        }
        for v in mean + scale where !v.isFinite { throw fail("mean_value and scale_value must be finite numbers") }
        switch resize {
        case .shortSide(let s) where s <= 0 || s > 16384:
            throw fail("resize short side \(s) must be between 1 and 16384")
        case .exact(let h, let w) where h <= 0 || w <= 0 || h > 16384 || w > 16384:
            throw fail("resize \(h)x\(w) must have sides between 1 and 16384")
        default: break
        }
        if let crop, crop[0] <= 0 || crop[1] <= 0 {
            throw fail("centre crop \(crop[0])x\(crop[1]) must be positive")
        }
    }

    public static func == (a: PreprocessConfig, b: PreprocessConfig) -> Bool {
        a.inputTypeTrain == b.inputTypeTrain && a.inputTypeRuntime == b.inputTypeRuntime
            && a.layoutTrain == b.layoutTrain && a.normType == b.normType && a.mean == b.mean
            && a.scale == b.scale && a.resize == b.resize && a.crop == b.crop
    }

    /// Turns a decoded RGB (or gray) image into a float32 tensor `[1, C, H, W]` (or `[1, H, W, C]` for NHWC).
    public func tensor(from image: Image, input: String = "input") throws -> Tensor {
        try validate(input: input)
        guard inputTypeTrain != .featuremap else {
            throw QScopeError.usage("input '\(input)' is a featuremap; feed it .npy or .bin files, not images")
        }
        var img = image
        if let resize { img = try Preprocess.resize(img, to: resize) }
        if let crop { img = try Preprocess.centerCrop(img, height: crop[0], width: crop[1]) }
        let planes = try Preprocess.convert(img, to: inputTypeTrain)
        let c = planes.count
        let hw = img.width * img.height
        func channelValue(_ list: [Float], _ ch: Int, _ fallback: Float) -> Float {
            list.isEmpty ? fallback : (list.count == 1 ? list[0] : list[ch])
        }
        var out = [Float](repeating: 0, count: c * hw)
        for ch in 0..<c {
            let m: Float = (normType == .dataMeanAndScale || normType == .dataMean) ? channelValue(mean, ch, 0) : 0
            let s: Float = (normType == .dataMeanAndScale || normType == .dataScale) ? channelValue(scale, ch, 1) : 1
            let plane = planes[ch]
            for p in 0..<hw {
                let v = (plane[p] - m) * s
                switch layoutTrain {
                case .nchw: out[ch * hw + p] = v
                case .nhwc: out[p * c + ch] = v
                }
            }
        }
        switch layoutTrain {
        case .nchw: return Tensor(shape: [1, c, img.height, img.width], floats: out)
        case .nhwc: return Tensor(shape: [1, img.height, img.width, c], floats: out)
        }
    }

    /// Applies only the normalization (mean and scale) to an already laid-out tensor of raw pixel values, as
    /// for uint8 `.npy` samples. The channel axis is 1 for NCHW and the last for NHWC.
    public func normalize(_ tensor: Tensor, input: String = "input") throws -> Tensor {
        try validate(input: input)
        var values = tensor.asFloats()
        if normType == .noPreprocess { return Tensor(shape: tensor.shape, floats: values) }
        let axis = layoutTrain == .nchw ? 1 : tensor.rank - 1
        guard tensor.rank >= 2, axis >= 0, axis < tensor.rank else {
            throw QScopeError.badInput(name: input, reason: "cannot normalize a tensor of shape \(tensor.shape): it has no channel axis")
        }
        let c = tensor.shape[axis]
        let usesMean = normType == .dataMeanAndScale || normType == .dataMean
        let usesScale = normType == .dataMeanAndScale || normType == .dataScale
        if (usesMean && mean.count != 1 && mean.count != c) || (usesScale && scale.count != 1 && scale.count != c) {
            throw QScopeError.badInput(name: input, reason: "it has \(c) channels (shape \(tensor.shape), "
                + "\(layoutTrain.rawValue)) but mean_value has \(mean.count) and scale_value \(scale.count) values")
        }
        let inner = tensor.shape[(axis + 1)...].reduce(1, *)
        for i in values.indices {
            let ch = (i / inner) % c
            let m: Float = usesMean ? (mean.count == 1 ? mean[0] : mean[ch]) : 0
            let s: Float = usesScale ? (scale.count == 1 ? scale[0] : scale[ch]) : 1
            values[i] = (values[i] - m) * s
        }
        return Tensor(shape: tensor.shape, floats: values)
    }
}

/// Image operations used by preprocessing.
public enum Preprocess {
    /// Bilinear resize with half-pixel centres (as OpenCV's INTER_LINEAR and ONNX Resize `half_pixel`), in float,
    /// rounded back to 8 bits.
    public static func resize(_ img: Image, to spec: ResizeSpec) throws -> Image {
        let (oh, ow): (Int, Int)
        switch spec {
        case .exact(let h, let w): (oh, ow) = (h, w)
        case .shortSide(let s):
            if img.height <= img.width {
                (oh, ow) = (s, max(1, Int((Double(img.width) * Double(s) / Double(img.height)).rounded())))
            } else {
                (oh, ow) = (max(1, Int((Double(img.height) * Double(s) / Double(img.width)).rounded())), s)
            }
        }
        guard oh > 0, ow > 0, img.width > 0, img.height > 0 else {
            throw QScopeError.usage("cannot resize a \(img.width)x\(img.height) image to \(ow)x\(oh)")
        }
        _ = try Tensor.elementCount([oh, ow, img.channels], what: "the resized image")
        if oh == img.height && ow == img.width { return img }
        let c = img.channels
        let sy = Double(img.height) / Double(oh), sx = Double(img.width) / Double(ow)
        // Source coordinates and weights per output column, computed once.
        func taps(_ o: Int, _ scale: Double, _ n: Int) -> (Int, Int, Double) {
            let src = max((Double(o) + 0.5) * scale - 0.5, 0)
            let i0 = min(Int(src), n - 1)
            let i1 = min(i0 + 1, n - 1)
            return (i0, i1, src - Double(i0))
        }
        let xt = (0..<ow).map { taps($0, sx, img.width) }
        var out = [UInt8](repeating: 0, count: oh * ow * c)
        img.pixels.withUnsafeBufferPointer { src in
            for y in 0..<oh {
                let (y0, y1, fy) = taps(y, sy, img.height)
                for x in 0..<ow {
                    let (x0, x1, fx) = xt[x]
                    for ch in 0..<c {
                        let a = Double(src[(y0 * img.width + x0) * c + ch]), b = Double(src[(y0 * img.width + x1) * c + ch])
                        let d = Double(src[(y1 * img.width + x0) * c + ch]), e = Double(src[(y1 * img.width + x1) * c + ch])
                        let top = a + (b - a) * fx, bottom = d + (e - d) * fx
                        let v = top + (bottom - top) * fy
                        out[(y * ow + x) * c + ch] = UInt8(max(0, min(255, v.rounded())))
                    }
                }
            }
        }
        return Image(width: ow, height: oh, channels: c, pixels: out)
    }

    /// Cuts the centred `height` x `width` window; the image must be at least that large.
    public static func centerCrop(_ img: Image, height: Int, width: Int) throws -> Image {
        guard height <= img.height, width <= img.width else {
            throw QScopeError.usage("cannot centre-crop \(width)x\(height) from a \(img.width)x\(img.height) image; "
                + "resize it first (resize short side to at least \(max(height, width)))")
        }
        let top = (img.height - height) / 2, left = (img.width - width) / 2
        var out = [UInt8]()
        out.reserveCapacity(height * width * img.channels)
        for y in top..<(top + height) {
            let start = (y * img.width + left) * img.channels
            out.append(contentsOf: img.pixels[start..<(start + width * img.channels)])
        }
        return Image(width: width, height: height, channels: img.channels, pixels: out)
    }

    /// Splits an RGB (3-channel) or gray (1-channel) image into float planes of the requested colour type.
    /// YUV444 is full-range BT.601 (JPEG's YCbCr, chroma offset 128); gray is its Y.
    public static func convert(_ img: Image, to type: InputColorType) throws -> [[Float]] {
        let n = img.width * img.height
        let c = img.channels
        guard c == 3 || c == 1 else {
            throw QScopeError.usage("an image with \(c) channels cannot be converted to \(type.rawValue)")
        }
        var r = [Float](repeating: 0, count: n), g = r, b = r
        for p in 0..<n {
            r[p] = Float(img.pixels[p * c])
            g[p] = Float(img.pixels[p * c + (c == 3 ? 1 : 0)])
            b[p] = Float(img.pixels[p * c + (c == 3 ? 2 : 0)])
        }
        switch type {
        case .rgb: return [r, g, b]
        case .bgr: return [b, g, r]
        case .gray:
            if c == 1 { return [r] }
            return [luma(r, g, b)]
        case .yuv444:
            var u = [Float](repeating: 0, count: n), v = u
            for p in 0..<n {
                let (rp, gp, bp) = (r[p], g[p], b[p])
                let uBlue: Float = 0.5 * bp - 0.331264 * gp
                u[p] = uBlue - 0.168736 * rp + 128
                let vRed: Float = 0.5 * rp - 0.418688 * gp
                v[p] = vRed - 0.081312 * bp + 128
            }
            return [luma(r, g, b), u, v]
        case .featuremap:
            throw QScopeError.usage("featuremap inputs take .npy or .bin files, not images")
        }
    }

    /// BT.601 luma.
    static func luma(_ r: [Float], _ g: [Float], _ b: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: r.count)
        for p in 0..<r.count {
            let rg: Float = 0.299 * r[p] + 0.587 * g[p]
            y[p] = rg + 0.114 * b[p]
        }
        return y
    }
}
