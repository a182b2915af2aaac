/// Pad: pads (or, with negative pads, crops) each axis. Before opset 11 `pads` and `value` are attributes;
/// from 11 they are inputs, and from 18 an `axes` input selects which axes the pads refer to. Modes:
/// constant, reflect (mirror without repeating the edge), edge (repeat the edge), wrap (periodic).
final class PadOp: Operator {
    enum Mode: String { case constant, reflect, edge, wrap }
    let mode: Mode
    let attributePads: [Int]?
    let attributeValue: Float
    let fromInputs: Bool

    init(_ context: BuildContext) throws {
        let m = try context.node.string("mode", default: "constant")
        guard let mode = Mode(rawValue: m) else { throw OpError("mode '\(m)' is not constant, reflect, edge or wrap") }
        self.mode = mode
        fromInputs = context.opset >= 11
        attributePads = fromInputs ? nil : try context.node.ints("pads") ?? context.node.ints("paddings")
        attributeValue = try context.node.float("value", default: 0)
        if !fromInputs && attributePads == nil { throw OpError("attribute 'pads' is required") }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let rank = x.rank
        var pads = Array(repeating: 0, count: 2 * rank)
        var fill: TensorData
        if let attributePads {
            guard attributePads.count == 2 * rank else { throw OpError("pads \(attributePads) must have \(2 * rank) values") }
            pads = attributePads
            fill = convertFloats([attributeValue], to: x.dtype)
        } else {
            let given = try inputs.required(1).ints()
            let axes = try (inputs.intList(3) ?? Array(0..<rank)).map { try ShapeMath.existingAxis($0, rank: rank) }
            guard given.count == 2 * axes.count else {
                throw OpError("pads \(given) must have \(2 * axes.count) values for \(axes.count) axes")
            }
            for (i, a) in axes.enumerated() {
                pads[a] = given[i]
                pads[a + rank] = given[i + axes.count]
            }
            if let v = inputs.optional(2), v.count > 0 {
                guard v.dtype == x.dtype else { throw OpError("constant_value is \(v.dtype.name) but the data is \(x.dtype.name)") }
                fill = v.data
            } else {
                fill = .zeros(x.dtype, count: 1)
            }
        }
        var lengths: [Int] = []
        for d in 0..<rank {
            let n = x.shape[d], before = pads[d], after = pads[d + rank]
            let (partial, o1) = n.addingReportingOverflow(before)
            let (length, o2) = partial.addingReportingOverflow(after)
            guard !o1 && !o2 else { throw OpError("pads \(pads) are absurdly large") }
            guard length >= 0 else { throw OpError("pads \(pads) crop axis \(d) of length \(n) below zero") }
            lengths.append(length)
        }
        if try Tensor.elementCount(lengths, what: "the Pad output") == 0 { return [try Tensor.zeros(x.dtype, shape: lengths)] }
        let maps = try (0..<rank).map { d in try (0..<lengths[d]).map { j in try source(j - pads[d], x.shape[d]) } }
        let gather = AxisMapGather(inShape: x.shape, maps: maps, fill: fill)
        return [Tensor(shape: maps.map(\.count), data: try x.data.map(gather))]
    }

    /// The input index that output position `i` (relative to the input's start) reads, or -1 for the fill.
    private func source(_ i: Int, _ n: Int) throws -> Int {
        if i >= 0 && i < n { return i }
        switch mode {
        case .constant: return -1
        case .edge:
            guard n > 0 else { throw OpError("cannot edge-pad an empty axis") }
            return i < 0 ? 0 : n - 1
        case .wrap:
            guard n > 0 else { throw OpError("cannot wrap-pad an empty axis") }
            return ((i % n) + n) % n
        case .reflect:
            guard n > 0 else { throw OpError("cannot reflect-pad an empty axis") }
            if n == 1 { return 0 }
            let period = 2 * (n - 1)
            let m = ((i % period) + period) % period
            return m < n ? m : period - m
        }
    }
}
