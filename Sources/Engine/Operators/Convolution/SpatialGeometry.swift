/// The sliding-window attributes shared by Conv, ConvTranspose and the pooling operators.
struct WindowAttributes {
    /// nil when the attribute is absent (Conv infers the kernel from its weight).
    var kernel: [Int]?
    var strides: [Int]?
    var dilations: [Int]?
    /// Begin pads for every spatial axis, then end pads, as in ONNX.
    var pads: [Int]?
    var autoPad: String

    init(_ node: Node) throws {
        kernel = try node.ints("kernel_shape")
        strides = try node.ints("strides")
        dilations = try node.ints("dilations")
        pads = try node.ints("pads")
        autoPad = try node.string("auto_pad", default: "NOTSET")
        guard ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].contains(autoPad) else {
            throw OpError("auto_pad '\(autoPad)' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID")
        }
        if let k = kernel, k.contains(where: { $0 < 1 }) { throw OpError("kernel_shape \(k) must be positive") }
        if let s = strides, s.contains(where: { $0 < 1 }) { throw OpError("strides \(s) must be positive") }
        if let d = dilations, d.contains(where: { $0 < 1 }) { throw OpError("dilations \(d) must be positive") }
        if let p = pads, p.contains(where: { $0 < 0 }) { throw OpError("pads \(p) must not be negative") }
    }

    /// Checks that every list attribute matches the spatial rank.
    func check(rank: Int) throws {
        if let k = kernel, k.count != rank { throw OpError("kernel_shape \(k) does not have \(rank) spatial axes") }
        if let s = strides, s.count != rank { throw OpError("strides \(s) do not have \(rank) spatial axes") }
        if let d = dilations, d.count != rank { throw OpError("dilations \(d) do not have \(rank) spatial axes") }
        if let p = pads, p.count != 2 * rank { throw OpError("pads \(p) should have \(2 * rank) values") }
    }
}

/// One spatial axis of a sliding window: input and output length, kernel, stride, dilation, begin pad.
struct WindowAxis {
    var input: Int
    var output: Int
    var kernel: Int
    var stride: Int
    var dilation: Int
    var padBegin: Int
    var padEnd: Int

    /// A degenerate axis used to lift 1-D and 2-D problems to 3-D.
    static let unit = WindowAxis(input: 1, output: 1, kernel: 1, stride: 1, dilation: 1, padBegin: 0, padEnd: 0)

    /// The extent the dilated kernel covers.
    var span: Int { (kernel - 1) * dilation + 1 }

    /// For output position `o`, the range of kernel taps that land inside the input.
    @inline(__always)
    func validTaps(_ o: Int) -> Range<Int> {
        let start = o * stride - padBegin
        var lo = 0
        if start < 0 { lo = (-start + dilation - 1) / dilation }
        var hi = kernel
        let last = input - 1 - start
        if last < 0 { hi = 0 } else { hi = min(kernel, last / dilation + 1) }
        return lo..<max(lo, hi)
    }
}

/// A 3-D window geometry; 1-D and 2-D problems carry unit leading axes so one kernel serves all ranks.
struct WindowGeometry {
    var d: WindowAxis
    var h: WindowAxis
    var w: WindowAxis
    /// The number of real spatial axes (1...3).
    var rank: Int

    init(axes: [WindowAxis]) {
        let lifted = Array(repeating: WindowAxis.unit, count: 3 - axes.count) + axes
        d = lifted[0]
        h = lifted[1]
        w = lifted[2]
        rank = axes.count
    }

    var inputSize: Int { d.input * h.input * w.input }
    var outputSize: Int { d.output * h.output * w.output }
    var kernelSize: Int { d.kernel * h.kernel * w.kernel }
    var outputShape: [Int] { Array([d.output, h.output, w.output].suffix(rank)) }

    /// Resolves forward-window geometry (Conv, pooling) for the given spatial input shape and kernel.
    /// `ceilMode` applies only to explicit pads (pooling).
    static func forward(input: [Int], kernel: [Int], attributes a: WindowAttributes,
                        ceilMode: Bool = false) throws -> WindowGeometry {
        let rank = input.count
        guard (1...3).contains(rank) else {
            throw OpError("only 1, 2 or 3 spatial axes are supported, got \(rank) (input spatial shape \(input))")
        }
        try a.check(rank: rank)
        guard kernel.count == rank else { throw OpError("kernel \(kernel) does not have \(rank) spatial axes") }
        let strides = a.strides ?? Array(repeating: 1, count: rank)
        let dilations = a.dilations ?? Array(repeating: 1, count: rank)
        let pads = a.pads ?? Array(repeating: 0, count: 2 * rank)
        var axes: [WindowAxis] = []
        for i in 0..<rank {
            var ax = WindowAxis(input: input[i], output: 0, kernel: kernel[i], stride: strides[i],
                                dilation: dilations[i], padBegin: pads[i], padEnd: pads[i + rank])
            let span = ax.span
            switch a.autoPad {
            case "SAME_UPPER", "SAME_LOWER":
                ax.output = (ax.input + ax.stride - 1) / ax.stride
                let total = max(0, (ax.output - 1) * ax.stride + span - ax.input)
                ax.padBegin = a.autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                ax.padEnd = total - ax.padBegin
            case "VALID":
                ax.padBegin = 0
                ax.padEnd = 0
                ax.output = ax.input >= span ? (ax.input - span) / ax.stride + 1 : 0
            default:
                let room = ax.input + ax.padBegin + ax.padEnd - span
                if room < 0 {
                    ax.output = 0
                } else if ceilMode {
                    ax.output = (room + ax.stride - 1) / ax.stride + 1
                    // The last window must start inside the input or its begin pad.
                    if (ax.output - 1) * ax.stride >= ax.input + ax.padBegin { ax.output -= 1 }
                } else {
                    ax.output = room / ax.stride + 1
                }
            }
            guard ax.output > 0 else {
                throw OpError("the window (kernel \(kernel), dilations \(dilations)) does not fit the input \(input) with pads \(pads)")
            }
            axes.append(ax)
        }
        return WindowGeometry(axes: axes)
    }
}
