/// Constant operands of element-wise accelerator operators are stored as int8 with their own symmetric scale.
private func quantizedConstant(_ t: Tensor, name: String) throws -> QTensor {
    let values = try t.floats()
    let absMax = values.reduce(Float(0)) { max($0, abs($1)) }
    return try QTensor.quantize(t, QuantParams(range: CalibrationRange(symmetric: absMax), scheme: .int8Symmetric, tensor: name))
}

/// The integer operands of a node: its data inputs, or its constants quantized once.
private func operands(_ inputs: [HybridValue?], _ constants: [Int: QTensor], count: Int) throws -> [QTensor] {
    try (0..<count).map { i in try constants[i] ?? inputs.quant(i) }
}

/// Integer Add and Mul with broadcasting.
/// Add (as TFLite does it): both centered operands are shifted left by 20 bits, each rescaled to a common
/// scale `2·max(s_a, s_b)` by its own integer multiplier, summed, and the sum requantized to the output.
/// Mul: the product of the centered operands, requantized by `s_a · s_b / s_out`.
final class BinaryKernel: AccKernel {
    private let isAdd: Bool
    private var constants: [Int: QTensor] = [:]
    private let outParams: QuantParams
    private let clamp: OutputClamp
    private let rounding: IntegerRounding
    static let leftShift = 20

    init(_ ctx: KernelContext) throws {
        isAdd = ctx.node.opType == "Add"
        for i in 0..<2 where ctx.inputParams[i] == nil {
            guard let c = ctx.constants[i] else { throw OpError("input \(i) is neither quantized nor constant") }
            constants[i] = try quantizedConstant(c, name: ctx.node.inputs[i])
        }
        outParams = ctx.outputParams[0]
        clamp = ctx.clamp()
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let ops = try operands(inputs, constants, count: 2)
        let (a, b) = (ops[0], ops[1])
        let shape = try ShapeMath.broadcast([a.shape, b.shape])
        let count = try Tensor.elementCount(shape, what: "the output")
        let (za, zb) = (a.params.zeroPoint, b.params.zeroPoint)
        // The int32 value each output requantizes: the rescaled sum (Add) or the product (Mul).
        var terms: [Int32] = []
        let r: Requantizer, unit: Float
        if isAdd {
            let (sa, sb, so) = (Double(a.params.scale), Double(b.params.scale), Double(outParams.scale))
            let common = 2 * max(sa, sb)
            let ra = Requantizer(factor: sa / common, rounding: rounding)
            let rb = Requantizer(factor: sb / common, rounding: rounding)
            r = Requantizer(factor: common / (Double(1 << Self.leftShift) * so), rounding: rounding)
            unit = Float(common / Double(1 << Self.leftShift))
            // Each operand's rescaled term depends on its level only: one table entry per level present.
            let ta = LevelTable(a.levels) { ra.scale(($0 - za) << Self.leftShift) }
            let tb = LevelTable(b.levels) { rb.scale(($0 - zb) << Self.leftShift) }
            if !wantPreActivation, let levels = perBlockTables(a, b, shape, count: count, r: r, ranges: (ta.range, tb.range), { ta[$0] &+ tb[$1] }) {
                return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)], preActivation: nil)
            }
            if !wantPreActivation, let (loA, va) = ta.table, let (loB, vb) = tb.table {
                let levels = va.withUnsafeBufferPointer { pa in
                    vb.withUnsafeBufferPointer { pb in
                        combineRequantized(a, b, shape, count: count, r: r, zeroPoint: outParams.zeroPoint, clamp: clamp) { pa[Int($0 &- loA)] &+ pb[Int($1 &- loB)] }
                    }
                }
                if let levels { return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)], preActivation: nil) }
            }
            terms = [Int32](repeating: 0, count: count)
            if let (loA, va) = ta.table, let (loB, vb) = tb.table {
                // Both tabulated (always, for 8-bit levels): plain indexed loads, no per-value branch.
                va.withUnsafeBufferPointer { pa in
                    vb.withUnsafeBufferPointer { pb in
                        broadcastCombine(a, b, shape, into: &terms) { pa[Int($0 &- loA)] &+ pb[Int($1 &- loB)] }
                    }
                }
            } else {
                broadcastCombine(a, b, shape, into: &terms) { ta[$0] &+ tb[$1] }
            }
        } else {
            r = Requantizer(factor: Double(a.params.scale) * Double(b.params.scale) / Double(outParams.scale), rounding: rounding)
            unit = a.params.scale * b.params.scale
            if !wantPreActivation {
                let product = { (x: Int32, y: Int32) in (x &- za) &* (y &- zb) }
                if let levels = perBlockTables(a, b, shape, count: count, r: r, ranges: nil, product)
                    ?? combineRequantized(a, b, shape, count: count, r: r, zeroPoint: outParams.zeroPoint, clamp: clamp, product) {
                    return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)], preActivation: nil)
                }
            }
            terms = [Int32](repeating: 0, count: count)
            // Levels and their products are far inside int32: wrapping arithmetic only lets the loop vectorize.
            broadcastCombine(a, b, shape, into: &terms) { ($0 &- za) &* ($1 &- zb) }
        }
        let levels = r.applied(to: terms, minus: 0, zeroPoint: outParams.zeroPoint, lo: clamp.lo, hi: clamp.hi)
        let pre = wantPreActivation ? Tensor(shape: shape, floats: terms.map { Float($0) * unit }) : nil
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)], preActivation: pre)
    }
}

/// `out[i] = f(a at i, b at i)` over the broadcast `shape`. An operand that is the whole output or repeats
/// one value over trailing blocks (a scalar, a per-channel vector) is read directly, others through index maps.
@inline(__always)
private func broadcastCombine(_ a: QTensor, _ b: QTensor, _ shape: [Int], into out: inout [Int32],
                              _ f: (Int32, Int32) -> Int32) {
    let count = out.count
    guard count > 0 else { return }
    let da = trailingRepeat(from: a.shape, to: shape), db = trailingRepeat(from: b.shape, to: shape)
    a.levels.withUnsafeBufferPointer { ap in
        b.levels.withUnsafeBufferPointer { bp in
            out.withUnsafeMutableBufferPointer { op in
                if da == 1, db == 1 {
                    for i in 0..<count { op[i] = f(ap[i], bp[i]) }
                } else if da == 1, let db {
                    for blk in 0..<(count / db) {
                        let v = bp[blk], base = blk * db
                        for i in base..<(base + db) { op[i] = f(ap[i], v) }
                    }
                } else if db == 1, let da {
                    for blk in 0..<(count / da) {
                        let v = ap[blk], base = blk * da
                        for i in base..<(base + da) { op[i] = f(v, bp[i]) }
                    }
                } else {
                    let ia = ShapeMath.broadcastIndices(from: a.shape, to: shape)
                    let ib = ShapeMath.broadcastIndices(from: b.shape, to: shape)
                    for i in 0..<count { op[i] = f(ap[ia[i]], bp[ib[i]]) }
                }
            }
        }
    }
}

/// `r.apply(f(a at i, b at i))` over the broadcast `shape`, as `broadcastCombine` followed by the requantization
/// but a piece at a time through a small buffer that stays in cache (no output-sized int32 temporary). Nil for
/// broadcast patterns that need index maps.
@inline(__always)
private func combineRequantized(_ a: QTensor, _ b: QTensor, _ shape: [Int], count: Int, r: Requantizer,
                                zeroPoint: Int32, clamp: OutputClamp, _ f: (Int32, Int32) -> Int32) -> [Int32]? {
    let da = trailingRepeat(from: a.shape, to: shape), db = trailingRepeat(from: b.shape, to: shape)
    guard (da == 1 && db != nil) || (db == 1 && da != nil), count > 0 else { return count == 0 ? [] : nil }
    let piece = 2048
    let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: piece)
    defer { scratch.deallocate() }
    return [Int32](unsafeUninitializedCapacity: count) { op, initialized in
        a.levels.withUnsafeBufferPointer { ap in
            b.levels.withUnsafeBufferPointer { bp in
                let pa = ap.baseAddress!, pb = bp.baseAddress!
                var i = 0
                while i < count {
                    let end: Int
                    let sa = pa + i, sb = pb + i
                    if da == 1, db == 1 {
                        end = min(i + piece, count)
                        for j in 0..<(end - i) { scratch[j] = f(sa[j], sb[j]) }
                    } else if da == 1, let db {
                        end = min(i + piece, (i / db + 1) * db)
                        let v = pb[i / db]
                        for j in 0..<(end - i) { scratch[j] = f(sa[j], v) }
                    } else {
                        let da = da ?? 1
                        end = min(i + piece, (i / da + 1) * da)
                        let v = pa[i / da]
                        for j in 0..<(end - i) { scratch[j] = f(v, sb[j]) }
                    }
                    r.apply(scratch, plus: 0, count: end - i, zeroPoint: zeroPoint, lo: clamp.lo, hi: clamp.hi, into: op.baseAddress! + i)
                    i = end
                }
            }
        }
        initialized = count
    }
}

/// `d` when an operand of `inShape` broadcast to `outShape` holds its element `i / d` at output `i` (it equals
/// the output on the leading dimensions and is 1 on the others: the whole output, a scalar, a per-channel
/// vector of an NCHW output); nil otherwise.
private func trailingRepeat(from inShape: [Int], to outShape: [Int]) -> Int? {
    let rank = outShape.count
    guard inShape.count <= rank else { return nil }
    let padded = Array(repeating: 1, count: rank - inShape.count) + inShape
    var j = rank
    while j > 0 && padded[j - 1] == 1 { j -= 1 }
    for t in 0..<j where padded[t] != outShape[t] { return nil }
    return outShape[j...].reduce(1, *)
}

/// A function of an integer level, tabulated over the levels a tensor holds (at most 65,536 of them, else
/// computed per value).
private struct LevelTable {
    private let lo: Int32
    private let values: [Int32]
    private let f: (Int32) -> Int32

    init(_ levels: [Int32], _ f: @escaping (Int32) -> Int32) {
        self.f = f
        var (lo, hi) = (Int32.max, Int32.min)
        for v in levels { lo = min(lo, v); hi = max(hi, v) }
        self.lo = lo
        values = lo <= hi && Int64(hi) - Int64(lo) < 65_536 ? (lo...hi).map(f) : []
    }

    /// The first tabulated level and the table, when the levels' span was small enough to tabulate.
    var table: (Int32, [Int32])? { values.isEmpty ? nil : (lo, values) }

    /// The least and greatest level of the tensor, when it was tabulated.
    var range: (Int32, Int32)? { values.isEmpty ? nil : (lo, lo + Int32(values.count - 1)) }

    @inline(__always)
    subscript(_ level: Int32) -> Int32 {
        values.isEmpty ? f(level) : values[Int(level) - Int(lo)]
    }
}

extension BinaryKernel {
    /// When one operand repeats one level over long blocks (a scalar, a per-channel vector) and the other is
    /// the whole output, each block's output is a function of the other operand's level only: its table,
    /// `r.apply(term(level, v))` for every level present, is computed once per block and then looked up. Nil
    /// when the blocks are too short (or the levels too spread) for tables to pay.
    /// `ranges`: each operand's least and greatest level when already known (saves a scan).
    private func perBlockTables(_ a: QTensor, _ b: QTensor, _ shape: [Int], count: Int, r: Requantizer,
                                ranges: ((Int32, Int32)?, (Int32, Int32)?)?,
                                _ term: (Int32, Int32) -> Int32) -> [Int32]? {
        let da = trailingRepeat(from: a.shape, to: shape), db = trailingRepeat(from: b.shape, to: shape)
        let repeatedIsA: Bool, block: Int
        if da == 1, let db, db > 1 { (repeatedIsA, block) = (false, db) } else if db == 1, let da, da > 1 { (repeatedIsA, block) = (true, da) } else { return nil }
        let full = repeatedIsA ? b : a, repeated = repeatedIsA ? a : b
        var (least, most) = (Int32.max, Int32.min)
        if let known = repeatedIsA ? ranges?.1 : ranges?.0 {
            (least, most) = known
        } else {
            for q in full.levels { least = min(least, q); most = max(most, q) }
        }
        guard least <= most else { return nil }
        let span = Int(most) - Int(least) + 1
        guard span <= 4096, block >= 2 * span else { return nil }
        var terms = [Int32](repeating: 0, count: span), table = [Int32](repeating: 0, count: span)
        // Every value is written by the per-block lookups below (count is a whole number of blocks).
        var out = [Int32](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        full.levels.withUnsafeBufferPointer { fp in
            out.withUnsafeMutableBufferPointer { op in
                for blk in 0..<(count / block) {
                    let v = repeated.levels[blk]
                    for j in 0..<span {
                        let level = least + Int32(j)
                        terms[j] = repeatedIsA ? term(v, level) : term(level, v)
                    }
                    terms.withUnsafeBufferPointer { tp in
                        table.withUnsafeMutableBufferPointer { tb in
                            r.apply(tp.baseAddress!, plus: 0, count: span, zeroPoint: outParams.zeroPoint, lo: clamp.lo, hi: clamp.hi,
                                    into: tb.baseAddress!)
                            for i in (blk * block)..<((blk + 1) * block) { op[i] = tb[Int(fp[i] &- least)] }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// Integer Concat: each input is requantized to the output's parameters (a copy when they match).
final class ConcatKernel: AccKernel {
    private let axis: Int
    private var constants: [Int: QTensor] = [:]
    private let count: Int
    private let outParams: QuantParams
    private let rounding: IntegerRounding

    init(_ ctx: KernelContext) throws {
        axis = try ctx.node.int("axis") ?? 0
        count = ctx.node.inputs.count
        for i in 0..<count where ctx.inputParams[i] == nil {
            guard let c = ctx.constants[i] else { throw OpError("input \(i) is neither quantized nor constant") }
            constants[i] = try quantizedConstant(c, name: ctx.node.inputs[i])
        }
        outParams = ctx.outputParams[0]
        rounding = ctx.rounding
    }

    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput {
        let parts = try operands(inputs, constants, count: count).map { $0.requantized(to: outParams, rounding: rounding) }
        guard let first = parts.first else { throw OpError("Concat needs at least one input") }
        let a = try ShapeMath.axis(axis, rank: first.shape.count)
        var shape = first.shape
        shape[a] = 0
        for p in parts {
            guard p.shape.count == first.shape.count,
                  p.shape.indices.allSatisfy({ $0 == a || p.shape[$0] == first.shape[$0] }) else {
                throw OpError("input shapes \(parts.map(\.shape)) differ outside axis \(axis)")
            }
            shape[a] += p.shape[a]
        }
        let outer = first.shape[..<a].reduce(1, *)
        let total = try Tensor.elementCount(shape, what: "the output")
        let row = total / max(outer, 1)  // the output's elements per outer index
        // Part by part, each of its blocks to its place in every output row: one pass per part, and no
        // per-block array operations (a Concat on the last axis of [1, 4420, 2] has 8,840 blocks of two).
        let levels = [Int32](unsafeUninitializedCapacity: total) { out, initialized in
            var offset = 0
            for p in parts {
                let block = p.shape[a...].reduce(1, *)
                p.levels.withUnsafeBufferPointer { src in
                    for o in 0..<outer {
                        let from = src.baseAddress! + o * block, to = out.baseAddress! + o * row + offset
                        if block < 16 {
                            for i in 0..<block { to[i] = from[i] }
                        } else {
                            to.initialize(from: from, count: block)
                        }
                    }
                }
                offset += block
            }
            initialized = total
        }
        return AccOutput(outputs: [QTensor(shape: shape, levels: levels, params: outParams)], preActivation: nil)
    }
}
