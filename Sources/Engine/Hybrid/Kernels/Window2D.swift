/// The geometry of a 2-D sliding window (convolution or pooling) on an NCHW tensor: kernel, strides,
/// dilations, pads (from `pads` or `auto_pad`) and the output size, as ONNX defines them.
struct Window2D {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    /// [top, left, bottom, right].
    var pads: [Int]
    var ceilMode: Bool

    init(node: Node, kernel: [Int], ceilMode: Bool = false) throws {
        guard kernel.count == 2, kernel.allSatisfy({ $0 >= 1 }) else { throw OpError("kernel_shape \(kernel) must be two positive sizes") }
        self.kernel = kernel
        strides = try node.ints("strides") ?? [1, 1]
        dilations = try node.ints("dilations") ?? [1, 1]
        pads = try node.ints("pads") ?? [0, 0, 0, 0]
        guard strides.count == 2, strides.allSatisfy({ $0 >= 1 }) else { throw OpError("strides \(strides) must be two positive values") }
        guard dilations.count == 2, dilations.allSatisfy({ $0 >= 1 }) else { throw OpError("dilations \(dilations) must be two positive values") }
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else { throw OpError("pads \(pads) must be four non-negative values") }
        self.ceilMode = ceilMode
        autoPad = try node.string("auto_pad", default: "NOTSET")
        guard ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) else {
            throw OpError("auto_pad '\(autoPad)' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
        }
    }

    private let autoPad: String

    /// Output sizes for input sizes [H, W]; fixes `pads` for auto_pad. Errors when the window does not fit.
    mutating func outputSize(_ input: [Int]) throws -> [Int] {
        var out = [0, 0]
        for d in 0..<2 {
            let extent = (kernel[d] - 1) * dilations[d] + 1
            switch autoPad {
            case "VALID":
                pads[d] = 0; pads[d + 2] = 0
                out[d] = input[d] >= extent ? (input[d] - extent) / strides[d] + 1 : 0
            case "SAME_UPPER", "SAME_LOWER":
                out[d] = (input[d] + strides[d] - 1) / strides[d]
                let total = max((out[d] - 1) * strides[d] + extent - input[d], 0)
                let small = total / 2
                pads[d] = autoPad == "SAME_UPPER" ? small : total - small
                pads[d + 2] = total - pads[d]
            default:
                let span = input[d] + pads[d] + pads[d + 2] - extent
                guard span >= 0 else {
                    throw OpError("the window (extent \(extent)) is larger than the padded input (\(input[d] + pads[d] + pads[d + 2]))")
                }
                var n = (ceilMode ? (span + strides[d] - 1) / strides[d] : span / strides[d]) + 1
                // A last window that would start in the end padding is dropped (ceil mode).
                if ceilMode, (n - 1) * strides[d] >= input[d] + pads[d] { n -= 1 }
                out[d] = n
            }
        }
        return out
    }
}
