/// A CPU Add, Sub, Mul or Div of an integer tensor (an accelerator output) and a one-element float constant,
/// computed through a table over the input's levels instead of dequantizing every value. Each output value
/// is a function of the input level alone, and the float reference computes it by one correctly rounded
/// operation per value, so running the operator once on every level gives the very same numbers.
struct TabulatedCPUOp {
    /// The input position of the integer data; the other input is the constant.
    let dataIndex: Int
    /// The constant, as the operator reads it.
    let constant: Tensor
    /// Set when every reader quantizes the output to these parameters on entry to the accelerator (and the
    /// output is not a graph output): the step may then store the integer levels those readers compute.
    var consumerParams: QuantParams?

    /// The tabulated form of a CPU node, or nil when the node is not such an operator.
    init?(_ node: Node, initializers: [String: Tensor]) {
        guard ["Add", "Sub", "Mul", "Div"].contains(node.opType), node.domain.isEmpty || node.domain == "ai.onnx",
              node.inputs.count == 2, node.outputs.count == 1 else { return nil }
        let constants = node.inputs.map { initializers[$0] }
        guard let k = constants.firstIndex(where: { $0 != nil }), constants[1 - k] == nil, !node.inputs[1 - k].isEmpty,
              let c = constants[k], c.count == 1, c.rank <= 1, case .float = c.data else { return nil }
        dataIndex = 1 - k
        constant = c
        consumerParams = nil
    }

    /// The operator's output for each level `params.qmin...params.qmax`, by running `op` on them (nil when
    /// the level range is too wide to tabulate).
    func table(_ op: Operator, _ params: QuantParams) throws -> [Float]? {
        guard Int64(params.qmax) - Int64(params.qmin) < 65_536, params.qmin <= params.qmax else { return nil }
        let levels = Array(params.qmin...params.qmax)
        // The same conversion as `QTensor.dequantized()`, so each entry sees the value a dequantized input holds.
        let reals = Tensor(shape: [levels.count], floats: QTensor.floats(levels, minus: params.zeroPoint, times: params.scale))
        var inputs: [Tensor?] = [nil, nil]
        inputs[dataIndex] = reals
        inputs[1 - dataIndex] = constant
        let out = try op.run(inputs)
        guard out.count == 1, out[0].count == levels.count, case .float(let values) = out[0].data else { return nil }
        return values
    }

    /// Runs the node on `x`: float outputs by table lookup, or (with `quantized`) the levels the readers would
    /// quantize them to. Nil when the input's levels cannot be tabulated.
    func run(_ op: Operator, _ x: QTensor, quantized: Bool) throws -> HybridValue? {
        guard let values = try table(op, x.params) else { return nil }
        let shape = try ShapeMath.broadcast([x.shape, constant.shape])
        guard try Tensor.elementCount(shape) == x.levels.count else { return nil }
        let lo = x.params.qmin
        if quantized, let p = consumerParams {
            let entries = try QTensor.quantize(Tensor(shape: [values.count], floats: values), p).levels
            return Self.lookUp(x.levels, lo, entries).map { .quant(QTensor(shape: shape, levels: $0, params: p)) }
        }
        return Self.lookUp(x.levels, lo, values).map { .float(Tensor(shape: shape, floats: $0)) }
    }

    /// `table[level - lo]` for each level; nil when a level lies outside the table (never for a kernel's output,
    /// whose levels lie in qmin...qmax), so that the caller computes it the plain way.
    @inline(__always)
    static func lookUp<T: BitwiseCopyable>(_ levels: [Int32], _ lo: Int32, _ table: [T]) -> [T]? {
        var (least, most) = (Int32.max, Int32.min)
        for q in levels { least = min(least, q); most = max(most, q) }
        if levels.isEmpty { return [] }
        guard Int(least) >= Int(lo), Int(most) - Int(lo) < table.count else { return nil }
        return [T](unsafeUninitializedCapacity: levels.count) { out, initialized in
            levels.withUnsafeBufferPointer { lp in
                table.withUnsafeBufferPointer { tp in
                    let (o, t, l) = (out.baseAddress!, tp.baseAddress!, lp.baseAddress!)
                    for i in 0..<lp.count { o[i] = t[Int(l[i] &- lo)] }
                }
            }
            initialized = levels.count
        }
    }
}
