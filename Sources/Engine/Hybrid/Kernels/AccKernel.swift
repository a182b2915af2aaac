/// A value in the hybrid run: float on the CPU side, integer levels on the accelerator side.
public enum HybridValue {
    case float(Tensor)
    case quant(QTensor)

    /// The real values (dequantized when integer).
    public var real: Tensor {
        switch self {
        case .float(let t): return t
        case .quant(let q): return q.dequantized()
        }
    }
}

/// What an accelerator kernel returns.
struct AccOutput {
    /// One integer tensor per node output.
    var outputs: [QTensor]
    /// For a layer with a fused activation: its output before the activation (the int32 accumulator, in real
    /// units), reported under the layer's own output name. Computed only when `wantPreActivation` is set.
    var preActivation: Tensor?
}

/// One node's integer implementation on the accelerator.
protocol AccKernel: AnyObject {
    /// `inputs[i]` is `.quant` for every data input and the node's other inputs as the run produced them.
    func run(_ inputs: [HybridValue?], wantPreActivation: Bool) throws -> AccOutput
}

/// Everything a kernel needs when it is built.
struct KernelContext {
    let node: Node
    let opset: Int
    /// Initializers of the float model, by node input position.
    let constants: [Int: Tensor]
    /// Quantization parameters of the data inputs, by input position.
    let inputParams: [Int: QuantParams]
    /// Parameters of each output (for a fused layer: those of the activation's output).
    let outputParams: [QuantParams]
    /// A Relu or Clip folded into this layer.
    let fused: IntegerActivation?
    /// The quantized weights recorded by the quantized stage for this node.
    let layer: WeightQuantization.LayerWeights?
    let rounding: IntegerRounding

    /// The clamp of output `i`.
    func clamp(_ i: Int = 0) -> OutputClamp {
        OutputClamp(outputParams[i]).narrowed(by: fused, outputParams[i])
    }

    func inParams(_ i: Int) throws -> QuantParams {
        guard let p = inputParams[i] else { throw OpError("input \(i) has no quantization parameters") }
        return p
    }
}

extension Array where Element == HybridValue? {
    /// The integer tensor at data input `i`.
    func quant(_ i: Int) throws -> QTensor {
        guard i < count, let v = self[i] else { throw OpError("required input \(i) is missing") }
        guard case .quant(let q) = v else { throw OpError("input \(i) is not quantized") }
        return q
    }

    /// The real tensors, for reference operators (integer inputs dequantized).
    var reals: [Tensor?] { map { $0?.real } }
}
