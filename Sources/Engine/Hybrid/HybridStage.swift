/// The simulated hybrid stage: what an int8 accelerator plus a CPU really compute. Accelerator nodes run
/// integer kernels on integer tensors (a float tensor is quantized where it enters an accelerator subgraph
/// and dequantized where it leaves); CPU nodes run the float reference operators. Every tensor is reported to
/// the observer under its original name as float (integer tensors dequantized), so the run lines up with the
/// float and fake-quant runs. A layer with a fused Relu/Clip reports its output before the activation (its
/// int32 accumulator in real units). Runs are deterministic.
///
/// An image input whose only reader is a Conv on the accelerator enters as uint8 pixels, as on a device: the
/// mean/scale is folded into that Conv's weights and bias (see `HybridInputOptions`, `inputFeeds`). The input is
/// then reported to the observer, by that Conv, in normalized units so that it lines up with the other stages.
public final class HybridStage {
    public let partition: Partition
    public let target: TargetDescription
    /// The float model the stage runs.
    public let model: Model
    /// How each graph input enters the stage: uint8 pixels with the normalization folded into the first Conv,
    /// or the normalized float tensor quantized (with the reason it is not folded).
    public let inputFeeds: [HybridInputFeed]

    private enum Kind {
        case cpu(Operator)
        case accelerator(AccKernel)
        /// A Relu/Clip computed by the preceding layer's requantization: its output already exists.
        case fusedActivation
    }

    private struct Step {
        let node: Node
        let kind: Kind
        /// Integer inputs (position -> parameters).
        let dataInputs: [Int: QuantParams]
        /// For the Conv an image input is folded into: its input 0 enters as pixels.
        let pixels: PixelNormalization?
        /// Where each output is stored: the output's own name, or the fused activation's output.
        let storeAs: [String]
        /// Names whose last reader is this step.
        let release: [String]
        /// A CPU element-wise operator with a scalar constant, run through a table when its input is integer.
        var tabulated: TabulatedCPUOp? = nil
    }

    private let steps: [Step]

    /// - Parameters:
    ///   - quantized: the fake-quant stage whose activation parameters and weight scales the accelerator uses.
    ///   - partition: the placement, e.g. `HybridStage.partition(...)`.
    ///   - inputs: the image preprocessing of the graph inputs, for feeding them as uint8 pixels (by default no
    ///     input is an image: every input is quantized from float).
    public init(floatModel: Model, quantized: QuantizedStage, partition: Partition,
                target: TargetDescription = .default, inputs: HybridInputOptions = HybridInputOptions()) throws {
        model = floatModel
        self.partition = partition
        self.target = target
        let graph = floatModel.graph
        let order = try GraphPlanner.topologicalOrder(graph)
        let plan = order.map { graph.nodes[$0] }
        let points = quantized.points
        let params = quantized.activationParams
        var consumersOf: [String: [Node]] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumersOf[i, default: []].append(n) } }
        let graphOutputs = Set(graph.outputs.map(\.name))
        let (feeds, folds) = InputFolding.plan(graph: graph, partition: partition, options: inputs, consumers: consumersOf)
        inputFeeds = feeds
        var lastUse: [String: Int] = [:]
        for (k, n) in plan.enumerated() { for i in n.inputs where !i.isEmpty { lastUse[i] = k } }

        func constants(_ node: Node) -> [Int: Tensor] {
            var c: [Int: Tensor] = [:]
            for (k, name) in node.inputs.enumerated() where !name.isEmpty { c[k] = graph.initializers[name] }
            return c
        }

        var built: [Step] = []
        for (k, node) in plan.enumerated() {
            let release = Set(node.inputs.filter { !$0.isEmpty && lastUse[$0] == k && !graphOutputs.contains($0) })
            let onAccelerator = partition.placement[node.name] == .accelerator
            var kind: Kind
            var data: [Int: QuantParams] = [:]
            var storeAs = node.outputs
            let fold = folds[node.name]
            do {
                if !onAccelerator {
                    kind = .cpu(try OperatorRegistry.make(BuildContext(node: node, opset: floatModel.opset, constants: constants(node))))
                } else if let first = node.inputs.first, points.fusedInto[first] == node.name {
                    kind = .fusedActivation
                } else {
                    let dataNames = Set(HybridOps.dataInputs(node, initializers: graph.initializers))
                    for (i, name) in node.inputs.enumerated() where dataNames.contains(name) {
                        if i == 0, let fold { data[i] = fold.normalization.params; continue }
                        guard let p = params[name] else { throw OpError("input '\(name)' has no quantization parameters") }
                        data[i] = p
                    }
                    var outParams: [QuantParams] = []
                    var fused: IntegerActivation?
                    for (j, o) in node.outputs.enumerated() where !o.isEmpty {
                        if let p = params[o] {
                            outParams.append(p)
                        } else if let actName = points.fusedInto[o], let act = consumersOf[o]?.first(where: { $0.name == actName }),
                                  let actOut = act.outputs.first, let p = params[actOut] {
                            outParams.append(p)
                            fused = try HybridOps.activation(act, constants(act), opset: floatModel.opset)
                            storeAs[j] = actOut
                        } else {
                            throw OpError("output '\(o)' has no quantization parameters")
                        }
                    }
                    var consts = constants(node)
                    var layer = quantized.weights.first { $0.node == node.name }
                    if let fold {
                        // The folded weights get scales of their own (per channel, or per tensor as configured)
                        // and the bias scale 1 · s_w'.
                        consts[1] = fold.weight
                        consts[2] = fold.bias
                        layer = try Self.foldedLayer(node, fold, perChannel: quantized.config.perChannel)
                    }
                    let ctx = KernelContext(node: node, opset: floatModel.opset, constants: consts,
                                            inputParams: data, outputParams: outParams, fused: fused,
                                            layer: layer, rounding: target.rounding)
                    kind = .accelerator(try HybridOps.kernel(ctx))
                }
            } catch let e as OpError {
                throw QScopeError.nodeFailed(node: node.name, op: node.qualifiedOp, reason: e.message)
            }
            var pixels: PixelNormalization?
            if case .accelerator = kind { pixels = fold?.normalization }
            var step = Step(node: node, kind: kind, dataInputs: data, pixels: pixels, storeAs: storeAs,
                            release: Array(release).sorted())
            if case .cpu = kind { step.tabulated = TabulatedCPUOp(node, initializers: graph.initializers) }
            built.append(step)
        }
        Self.findIntegerReaders(&built, graphOutputs: graphOutputs)
        steps = built
    }

    /// The weight scales of a folded first layer: per output channel, or one for the tensor.
    private static func foldedLayer(_ node: Node, _ fold: InputFolding.Fold, perChannel: Bool) throws -> WeightQuantization.LayerWeights {
        let scales: [Float]
        if perChannel {
            scales = try WeightQuantizer.perChannelSymmetric(fold.weight, axis: 0).scales
        } else {
            let top = try fold.weight.floats().reduce(Float(0)) { max($0, abs($1)) }
            scales = [try QuantParams(range: CalibrationRange(symmetric: top), scheme: .int8Symmetric).scale]
        }
        return WeightQuantization.LayerWeights(node: node.name, weight: node.inputs[1], axis: perChannel ? 0 : nil,
                                               scales: scales, bias: node.inputs.count > 2 ? node.inputs[2] : nil,
                                               biasScales: nil)
    }

    /// Marks each tabulated CPU step whose output only accelerator steps read, each as a data input quantized
    /// to the same parameters: it may hand them those integer levels directly (when nothing observes the run).
    private static func findIntegerReaders(_ steps: inout [Step], graphOutputs: Set<String>) {
        for k in steps.indices {
            guard steps[k].tabulated != nil, let name = steps[k].node.outputs.first, !graphOutputs.contains(name) else { continue }
            var params: QuantParams?
            var integerOnly = true
            for reader in steps[(k + 1)...] where reader.node.inputs.contains(name) {
                guard case .accelerator = reader.kind else { integerOnly = false; break }
                for (i, input) in reader.node.inputs.enumerated() where input == name {
                    guard let p = reader.dataInputs[i], params == nil || params == p else { integerOnly = false; break }
                    params = p
                }
                if !integerOnly { break }
            }
            if integerOnly, let params { steps[k].tabulated?.consumerParams = params }
        }
    }

    /// Builds the partition for a quantized stage on `target` (nodes in the stage's `floatNodes` stay on the CPU).
    public static func partition(floatModel: Model, quantized: QuantizedStage,
                                 target: TargetDescription = .default) throws -> Partition {
        try Partition(model: floatModel, target: target, points: quantized.points,
                      activationParams: quantized.activationParams, runOnCPU: quantized.config.floatNodes)
    }

    /// Runs every accelerator layer alone on reference values of its inputs (typically the cached float
    /// activations), each data input quantized to the integer grid the accelerator reads it on, and reports the
    /// layer's outputs dequantized to `observer`, as ``run(_:observer:)`` names them (a fused layer reports its
    /// pre-activation under its own output and the activation's output under the activation's name). CPU layers
    /// and layers whose inputs `reference` lacks are skipped: this is each integer layer's isolated error.
    public func runIsolated(_ reference: [String: Tensor], observer: ExecutionObserver) throws {
        let initializers = model.graph.initializers
        for step in steps {
            guard case .accelerator(let kernel) = step.kind else { continue }
            let node = step.node
            var inputs: [HybridValue?] = node.inputs.map { name in
                name.isEmpty ? nil : (reference[name] ?? initializers[name]).map { .float($0) }
            }
            if zip(node.inputs, inputs).contains(where: { !$0.0.isEmpty && $0.1 == nil }) { continue }
            do {
                for (i, p) in step.dataInputs {
                    guard case .float(let t)? = inputs[i] else { continue }
                    if i == 0, let pixels = step.pixels {
                        inputs[i] = .quant(try pixels.pixels(t))
                    } else {
                        inputs[i] = .quant(try QTensor.quantize(t, p))
                    }
                }
                let fused = step.storeAs != node.outputs
                let result = try kernel.run(inputs, wantPreActivation: fused)
                for (j, (k, name)) in node.outputs.enumerated().filter({ !$0.element.isEmpty }).enumerated() {
                    guard j < result.outputs.count else { throw OpError("the kernel produced too few outputs") }
                    observer.didProduce(step.storeAs[k], result.outputs[j].dequantized(), by: node)
                    if step.storeAs[k] != name, let pre = result.preActivation { observer.didProduce(name, pre, by: node) }
                }
            } catch let e as OpError {
                throw QScopeError.nodeFailed(node: node.name, op: node.qualifiedOp, reason: e.message)
            }
        }
    }

    /// Runs one sample; returns the graph outputs as float.
    public func run(_ feeds: [String: Tensor], observer given: ExecutionObserver? = nil) throws -> [String: Tensor] {
        // A plain-plan observer (a profiler) is only told when steps finish: no dequantized copies are made.
        let timer = given?.acceptsPlainPlan == true ? given : nil
        let observer = timer == nil ? given : nil
        // A folded image input may be fed as uint8 pixels [N, C, H, W] in run-time channel order.
        var checked = feeds
        for feed in inputFeeds where feed.foldedInto != nil {
            if let t = feeds[feed.tensor], t.dtype == .uint8 {
                checked[feed.tensor] = Tensor(shape: t.shape, floats: [Float](repeating: 0, count: t.count))
            }
        }
        try InputValidator.validate(checked, against: model.graph)
        let initializers = model.graph.initializers
        var values: [String: HybridValue] = [:]
        for (name, t) in feeds { values[name] = .float(t) }
        func value(_ name: String) -> HybridValue? {
            if name.isEmpty { return nil }
            return values[name] ?? initializers[name].map { .float($0) }
        }
        for step in steps {
            let node = step.node
            do {
                switch step.kind {
                case .cpu(let op):
                    if let tab = step.tabulated, case .quant(let q)? = value(node.inputs[tab.dataIndex]),
                       let out = try tab.run(op, q, quantized: observer == nil) {
                        values[node.outputs[0]] = out
                        if let observer, case .float(let t) = out { observer.didProduce(node.outputs[0], t, by: node) }
                        break
                    }
                    let outs = try op.run(node.inputs.map { value($0)?.real })
                    for (k, name) in node.outputs.enumerated() where !name.isEmpty {
                        guard k < outs.count else { throw OpError("it produced \(outs.count) outputs but the graph reads output \(k)") }
                        values[name] = .float(outs[k])
                        observer?.didProduce(name, outs[k], by: node)
                    }
                case .accelerator(let kernel):
                    var inputs: [HybridValue?] = node.inputs.map(value)
                    for (i, p) in step.dataInputs {
                        switch inputs[i] {
                        case .float(let t)? where i == 0 && step.pixels != nil:
                            // The image input enters as uint8 pixels; reported in normalized units.
                            let pixels = step.pixels!, q = try pixels.pixels(t)
                            inputs[i] = .quant(q)
                            observer?.didProduce(node.inputs[i], pixels.normalized(q), by: node)
                        case .float(let t)?: inputs[i] = .quant(try QTensor.quantize(t, p))   // entering the accelerator
                        case .quant(let q)?: if q.params != p { inputs[i] = .quant(q.requantized(to: p, rounding: target.rounding)) }
                        case nil: throw OpError("input '\(node.inputs[i])' is missing")
                        }
                    }
                    let fused = step.storeAs != node.outputs
                    let result = try kernel.run(inputs, wantPreActivation: fused && observer != nil)
                    var j = 0
                    for (k, name) in node.outputs.enumerated() where !name.isEmpty {
                        guard j < result.outputs.count else { throw OpError("the kernel produced too few outputs") }
                        let q = result.outputs[j]
                        j += 1
                        values[step.storeAs[k]] = .quant(q)
                        if step.storeAs[k] != name {
                            if let pre = result.preActivation { observer?.didProduce(name, pre, by: node) }
                        } else {
                            observer?.didProduce(name, q.dequantized(), by: node)
                        }
                    }
                case .fusedActivation:
                    for name in node.outputs where !name.isEmpty {
                        guard let v = values[name] else { throw OpError("the fused layer did not produce '\(name)'") }
                        observer?.didProduce(name, v.real, by: node)
                    }
                }
            } catch let e as OpError {
                throw QScopeError.nodeFailed(node: node.name, op: node.qualifiedOp, reason: e.message)
            } catch let e as QScopeError {
                if case .nodeFailed = e { throw e }
                throw QScopeError.nodeFailed(node: node.name, op: node.qualifiedOp, reason: e.description)
            }
            timer?.didFinish(node)
            for name in step.release { values[name] = nil }
        }
        var result: [String: Tensor] = [:]
        for o in model.graph.outputs {
            guard let v = value(o.name) else { throw QScopeError.invalidGraph("graph output '\(o.name)' was not produced") }
            result[o.name] = v.real
        }
        return result
    }
}
