/// What an already quantized (QDQ) model holds, taken apart into the pieces qscope compares: the float model
/// underneath and the quantization the model applies to it.
public struct ImportedQuantization {
    /// The model with every Q/DQ pair removed (consumers read the float tensor again) and every
    /// DequantizeLinear of a constant folded into a float initializer. Tensor names are the QDQ model's names
    /// of its float tensors (the inputs of the QuantizeLinear nodes), and graph outputs keep their names.
    public var floatModel: Model
    /// The real range each quantized activation can represent, by float tensor name.
    public var activationRanges: [String: CalibrationRange]
    /// The activation parameters exactly as the model stores them (type, zero point, scale).
    public var activationParams: [String: QuantParams]
    /// `uint8Asymmetric` when some activation is uint8 or has a non-zero zero point, else `int8Symmetric`.
    public var activationScheme: QuantScheme
    /// Whether the weights have one scale per channel (false when every weight has a single scale).
    public var perChannel: Bool
    /// The scales of the symmetric int8 weights, by the float model's initializer name.
    public var weightScales: [String: WeightQuantization.FixedScales]
    /// The quantized activations (those that had a Q/DQ pair), in the order they are produced.
    public var points: QuantizationPoints
    /// Relu nodes put back where the QDQ model let a Q/DQ pair clip at zero instead (by their output names).
    public var restoredRelus: [String] = []
    /// A configuration describing the imported quantization. Layers whose weight the model keeps in float are
    /// in `floatNodes`.
    public var config: QuantizationConfig

    /// The quantized stage that computes what the QDQ model computes: exactly the imported points, with the
    /// model's own activation parameters and weight scales.
    public func makeStage() throws -> QuantizedStage {
        try QuantizedStage(floatModel: floatModel, ranges: activationRanges, config: config, points: points,
                           fixedParams: activationParams, fixedWeightScales: weightScales)
    }
}

/// Reads models that are already quantized in the QDQ format (QuantizeLinear/DequantizeLinear pairs around
/// float operators, as ONNX Runtime's quantizer and `QDQExporter` write them). The float model is recovered by
/// following the graph structure, never by tensor names.
public enum QDQImporter {
    /// Whether the model holds QuantizeLinear or DequantizeLinear nodes of the default domain.
    public static func isQDQ(_ model: Model) -> Bool {
        model.graph.nodes.contains { isDefaultDomain($0) && ($0.opType == "QuantizeLinear" || $0.opType == "DequantizeLinear") }
    }

    /// Takes a QDQ model apart. Throws for forms qscope cannot emulate: block quantization, 16-bit, 4-bit or
    /// float8 types, per-axis activation scales, a QuantizeLinear not followed by a DequantizeLinear (QOperator
    /// models such as QLinearConv), a requantizing pair, a DequantizeLinear of a computed integer tensor.
    public static func recover(_ model: Model) throws -> ImportedQuantization {
        let graph = model.graph
        let fail = { (why: String) -> QScopeError in
            let what = model.path.isEmpty ? "the quantized model" : "the quantized model '\(model.path)'"
            return QScopeError.usage("cannot import \(what): \(why)")
        }
        if let n = graph.nodes.first(where: { !isDefaultDomain($0) && ($0.opType == "QuantizeLinear" || $0.opType == "DequantizeLinear") }) {
            throw fail("node '\(n.name)' is a \(n.domain) \(n.opType) (used for 16-bit and 4-bit types); only the standard ONNX QuantizeLinear/DequantizeLinear are supported")
        }
        var initializers = graph.initializers
        var producer: [String: Int] = [:]
        var consumers: [String: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for o in n.outputs where !o.isEmpty { producer[o] = i }
            for t in n.inputs where !t.isEmpty { consumers[t, default: []].append(i) }
        }
        let graphOutputs = Set(graph.outputs.map(\.name))
        let graphInputs = Set(graph.inputs.map(\.name))
        func isConstant(_ t: String) -> Bool { graph.initializers[t] != nil && producer[t] == nil }

        var removed = Set<Int>()
        var usedByRemoved = Set<String>()
        var alias: [String: String] = [:]        // a dequantized tensor -> the float tensor it stands for
        var renamed: [String: String] = [:]      // a float tensor -> the graph output name it takes
        var extraNodes: [Node] = []
        var weightScales: [String: WeightQuantization.FixedScales] = [:]
        var foldedWeights = Set<String>()
        var pointOrder: [String] = []            // raw float tensor names, in node order
        var params: [String: QuantParams] = [:]

        // Constants behind a DequantizeLinear (int8 weights, int32 biases): fold into float initializers under
        // the name the consumers read.
        for (i, n) in graph.nodes.enumerated() where isDefaultDomain(n) && n.opType == "DequantizeLinear" {
            guard let x = n.inputs.first, isConstant(x), let xt = graph.initializers[x], let out = n.outputs.first else { continue }
            let p = try quantization(of: n, data: xt, model: model, fail: fail)
            initializers[out] = try dequantize(xt, p, node: n, fail: fail)
            removed.insert(i)
            usedByRemoved.formUnion(n.inputs)
            foldedWeights.insert(out)
            if case .int8 = xt.data, p.zeroPoints.allSatisfy({ $0 == 0 }) {
                weightScales[out] = WeightQuantization.FixedScales(axis: p.scales.count == 1 ? nil : p.axis, scales: p.scales)
            }
        }

        for (i, q) in graph.nodes.enumerated() where isDefaultDomain(q) && q.opType == "QuantizeLinear" {
            guard q.inputs.count >= 2, let x = q.inputs.first, !x.isEmpty, let qOut = q.outputs.first, !qOut.isEmpty else {
                throw fail("QuantizeLinear '\(q.name)' lacks its input, scale or output")
            }
            let readers = consumers[qOut] ?? []
            if graphOutputs.contains(qOut) || readers.isEmpty {
                throw fail("QuantizeLinear '\(q.name)' has no matching DequantizeLinear: its integer output '\(qOut)' is \(graphOutputs.contains(qOut) ? "a graph output" : "not read")")
            }
            if let other = readers.first(where: { !(isDefaultDomain(graph.nodes[$0]) && graph.nodes[$0].opType == "DequantizeLinear") }) {
                let r = graph.nodes[other]
                throw fail("QuantizeLinear '\(q.name)' feeds \(r.opType) '\(r.name)' rather than a DequantizeLinear; integer-operator (QOperator) models are not supported, only QDQ")
            }
            let constantData = isConstant(x) ? graph.initializers[x] : nil
            let qp = try quantization(of: q, data: constantData, model: model, fail: fail)
            for r in readers {
                let dq = graph.nodes[r]
                guard dq.inputs.first == qOut, let dqOut = dq.outputs.first, !dqOut.isEmpty else {
                    throw fail("DequantizeLinear '\(dq.name)' reads '\(qOut)' from QuantizeLinear '\(q.name)' in a position other than its data input")
                }
                let dp = try quantization(of: dq, data: constantData, model: model, fail: fail,
                                          integerType: qp.type)
                guard dp.scales == qp.scales, dp.zeroPoints == qp.zeroPoints else {
                    throw fail("DequantizeLinear '\(dq.name)' uses other parameters (scale \(dp.scales.prefix(4)), zero point \(dp.zeroPoints.prefix(4))) than its QuantizeLinear '\(q.name)' (scale \(qp.scales.prefix(4)), zero point \(qp.zeroPoints.prefix(4))); requantization is not supported")
                }
                removed.insert(r)
                usedByRemoved.formUnion(dq.inputs)
                if graphOutputs.contains(dqOut) {
                    // The graph output keeps its name: the float tensor takes it when that is possible.
                    if producer[x] != nil, renamed[x] == nil, !graphOutputs.contains(x), !graphInputs.contains(x) {
                        renamed[x] = dqOut
                    } else {
                        extraNodes.append(Node(name: "\(dq.name)_identity", opType: "Identity", inputs: [x], outputs: [dqOut]))
                    }
                } else {
                    alias[dqOut] = x
                }
            }
            removed.insert(i)
            usedByRemoved.formUnion(q.inputs)
            if isConstant(x) {
                // A float weight behind a Q/DQ pair: the float model keeps it; the stage uses the model's scales.
                foldedWeights.insert(x)
                if qp.type == .int8, qp.zeroPoints.allSatisfy({ $0 == 0 }) {
                    weightScales[x] = WeightQuantization.FixedScales(axis: qp.scales.count == 1 ? nil : qp.axis, scales: qp.scales)
                }
                continue
            }
            guard qp.scales.count == 1, let s = qp.scales.first, let zp = qp.zeroPoints.first else {
                throw fail("QuantizeLinear '\(q.name)' quantizes the activation '\(x)' per axis (\(qp.scales.count) scales); only one scale per activation is supported")
            }
            let (lo, hi): (Int32, Int32) = qp.type == .int8 ? (-128, 127) : (0, 255)
            if params[x] == nil {
                params[x] = QuantParams(scale: s, zeroPoint: zp, qmin: lo, qmax: hi)
                pointOrder.append(x)
            }
        }

        for (i, n) in graph.nodes.enumerated() where isDefaultDomain(n) && n.opType == "DequantizeLinear" && !removed.contains(i) {
            throw fail("DequantizeLinear '\(n.name)' reads '\(n.inputs.first ?? "")', which is neither a constant nor the output of a QuantizeLinear")
        }

        // The name a tensor has in the float model: through the removed pairs, then any graph-output rename.
        func finalName(_ t: String) -> String {
            var t = t
            var steps = 0
            while let a = alias[t], steps < graph.nodes.count + 1 { t = a; steps += 1 }
            return renamed[t] ?? t
        }
        var nodes: [Node] = []
        for (i, var n) in graph.nodes.enumerated() where !removed.contains(i) {
            n.inputs = n.inputs.map { $0.isEmpty ? $0 : finalName($0) }
            n.outputs = n.outputs.map { renamed[$0] ?? $0 }
            nodes.append(n)
        }
        for var n in extraNodes {
            n.inputs = n.inputs.map(finalName)
            nodes.append(n)
        }
        // Drop the integer data, scales and zero points that only the removed nodes read.
        var stillRead = Set(graph.outputs.map(\.name))
        for n in nodes { stillRead.formUnion(n.inputs) }
        for t in usedByRemoved where !stillRead.contains(t) && producer[t] == nil { initializers[t] = nil }

        var floatModel = model
        floatModel.graph.nodes = nodes
        floatModel.graph.initializers = initializers

        // Ranges and parameters under the float model's names, first pair wins.
        var finalParams: [String: QuantParams] = [:]
        var ranges: [String: CalibrationRange] = [:]
        var tensors: [String] = []
        for raw in pointOrder {
            let t = finalName(raw)
            guard finalParams[t] == nil, let p = params[raw] else { continue }
            finalParams[t] = p
            ranges[t] = p.representableRange
            tensors.append(t)
        }
        let restored = restoreFoldedRelus(&floatModel.graph, params: finalParams)
        let order = try GraphPlanner.topologicalOrder(floatModel.graph)
        var position: [String: Int] = [:]
        for (k, i) in graph.inputs.enumerated() { position[i.name] = k - graph.inputs.count }
        for (k, idx) in order.enumerated() { for o in floatModel.graph.nodes[idx].outputs where position[o] == nil { position[o] = k } }
        tensors.sort { (position[$0] ?? Int.max, $0) < (position[$1] ?? Int.max, $1) }

        var config = QuantizationConfig()
        let asymmetric = finalParams.values.contains { $0.qmin == 0 || $0.zeroPoint != 0 }
        config.activationScheme = asymmetric ? .uint8Asymmetric : .int8Symmetric
        let layerWeights = floatModel.graph.nodes.compactMap { n -> (Node, String)? in
            guard n.domain.isEmpty, n.inputs.count > 1, let w = initializers[n.inputs[1]],
                  WeightQuantization.layout(n, w) != nil else { return nil }
            return (n, n.inputs[1])
        }
        // Layers whose weight the QDQ model did not quantize stay in float in the stage.
        config.floatNodes = Set(layerWeights.filter { !foldedWeights.contains($0.1) }.map(\.0.name))
        let quantizedScales = layerWeights.compactMap { weightScales[$0.1] }
        config.perChannel = quantizedScales.isEmpty || quantizedScales.contains { $0.axis != nil }

        let points = QuantizationPoints(tensors: tensors, fusedInto: fusedLayers(floatModel.graph, quantized: Set(tensors)))
        return ImportedQuantization(floatModel: floatModel, activationRanges: ranges, activationParams: finalParams,
                                    activationScheme: config.activationScheme, perChannel: config.perChannel,
                                    weightScales: weightScales, points: points, restoredRelus: restored, config: config)
    }

    /// ONNX Runtime's quantizer removes a Relu after a layer and lets the layer's Q/DQ pair do its work: a zero
    /// point at the bottom of the integer range clips every negative value to zero. Removing the pair alone
    /// would give a float model without that Relu, and every comparison with float would be wrong. A Relu is
    /// put back after each Conv, ConvTranspose, Gemm or MatMul whose quantized output cannot be negative; the
    /// layer's output is renamed `<name>_before_relu`. Returns the Relu outputs.
    static func restoreFoldedRelus(_ graph: inout Graph, params: [String: QuantParams]) -> [String] {
        var taken = Set(graph.nodes.map(\.name))
        for n in graph.nodes { taken.formUnion(n.outputs) }
        taken.formUnion(graph.initializers.keys)
        taken.formUnion(graph.inputs.map(\.name))
        func fresh(_ base: String) -> String {
            var name = base, k = 1
            while taken.contains(name) { k += 1; name = "\(base)_\(k)" }
            taken.insert(name)
            return name
        }
        var restored: [String] = []
        var nodes: [Node] = []
        for var n in graph.nodes {
            var relus: [Node] = []
            // Layers with weights only: their outputs are signed in general, so an output that cannot be negative
            // means a removed Relu. An Add of two Relu outputs is non-negative by itself and gets none.
            if isDefaultDomain(n) && ["Conv", "ConvTranspose", "Gemm", "MatMul"].contains(n.opType) {
                for (k, o) in n.outputs.enumerated() where !o.isEmpty {
                    guard let p = params[o], p.zeroPoint == p.qmin else { continue }
                    let before = fresh("\(o)_before_relu")
                    n.outputs[k] = before
                    relus.append(Node(name: fresh("\(n.name)_relu"), opType: "Relu", inputs: [before], outputs: [o]))
                    restored.append(o)
                }
            }
            nodes.append(n)
            nodes.append(contentsOf: relus)
        }
        graph.nodes = nodes
        return restored
    }

    static func isDefaultDomain(_ n: Node) -> Bool { n.domain.isEmpty || n.domain == "ai.onnx" }

    /// A layer's output left unquantized because its only reader is a quantized activation (Conv + Relu).
    static func fusedLayers(_ graph: Graph, quantized: Set<String>) -> [String: String] {
        var consumers: [String: [Node]] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { consumers[i, default: []].append(n) } }
        var fused: [String: String] = [:]
        for n in graph.nodes where QuantizationPoints.fusingLayers.contains(n.opType) {
            for o in n.outputs where !quantized.contains(o) {
                guard let next = consumers[o], next.count == 1, let act = next.first,
                      QuantizationPoints.fusableActivations.contains(act.opType),
                      act.outputs.contains(where: quantized.contains) else { continue }
                fused[o] = act.name
            }
        }
        return fused
    }

    /// The parameters of one QuantizeLinear or DequantizeLinear node.
    struct Parameters {
        var type: DType
        var axis: Int
        var scales: [Float]
        var zeroPoints: [Int32]
    }

    /// Reads and checks a node's scale, zero point, axis and integer type. `data` is the constant being
    /// (de)quantized, when there is one, to check a per-axis scale against its shape.
    static func quantization(of n: Node, data: Tensor?, model: Model, fail: (String) -> QScopeError,
                             integerType: DType? = nil) throws -> Parameters {
        let what = "\(n.opType) '\(n.name)'"
        do {
            if let b = try n.int("block_size"), b != 0 {
                throw fail("\(what) uses block quantization (block_size \(b)), which is not supported")
            }
        } catch let e as OpError { throw fail("\(what): \(e.message)") }
        guard n.inputs.count >= 2, !n.inputs[1].isEmpty, let scaleTensor = model.graph.initializers[n.inputs[1]] else {
            throw fail("\(what) reads its scale from a computed tensor; only constant scales are supported")
        }
        guard case .float(let scales) = scaleTensor.data, !scales.isEmpty else {
            throw fail("\(what) has a \(scaleTensor.dtype.name) scale; only float32 scales are supported")
        }
        for s in scales where !(s.isFinite && s > 0) {
            throw fail("\(what) has the scale \(s); scales must be finite and positive")
        }
        var type: DType = .uint8
        var zeroPoints = [Int32](repeating: 0, count: scales.count)
        if n.inputs.count >= 3, !n.inputs[2].isEmpty {
            guard let zpTensor = model.graph.initializers[n.inputs[2]] else {
                throw fail("\(what) reads its zero point from a computed tensor; only constant zero points are supported")
            }
            guard zpTensor.count == scales.count else {
                throw fail("\(what) has \(scales.count) scales but \(zpTensor.count) zero points")
            }
            type = zpTensor.dtype
            zeroPoints = zpTensor.int64s().map { Int32(truncatingIfNeeded: $0) }
        } else if n.opType == "QuantizeLinear", let t = try? n.int("output_dtype"), t != 0 {
            guard let d = DType(rawValue: t), d == .int8 || d == .uint8 else {
                throw fail("\(what) produces \(DType.onnxName(t)); only int8 and uint8 are supported")
            }
            type = d
        } else if n.opType == "DequantizeLinear", let integerType {
            type = integerType
        } else if n.opType == "DequantizeLinear", let data {
            type = data.dtype
        }
        let allowed: Set<DType> = n.opType == "QuantizeLinear" ? [.int8, .uint8] : [.int8, .uint8, .int32]
        guard allowed.contains(type) else {
            throw fail("\(what) uses the integer type \(type.name); only int8 and uint8\(n.opType == "QuantizeLinear" ? "" : " (and int32 biases)") are supported")
        }
        if let data, data.dtype != .float, data.dtype != type {
            throw fail("\(what) dequantizes \(data.dtype.name) data with a \(type.name) zero point")
        }
        var axis = 1
        if scales.count > 1 {
            let raw = (try? n.int("axis", default: 1)) ?? 1
            guard let data else {
                return Parameters(type: type, axis: raw, scales: scales, zeroPoints: zeroPoints)
            }
            guard scaleTensor.rank == 1, let a = try? ShapeMath.axis(raw, rank: data.rank), data.shape[a] == scales.count else {
                throw fail("\(what) has \(scales.count) scales (shape \(scaleTensor.shape)), which do not match axis \(raw) of its data's shape \(data.shape)")
            }
            axis = a
        }
        return Parameters(type: type, axis: axis, scales: scales, zeroPoints: zeroPoints)
    }

    /// The float value of an integer constant: (q - zero point) * scale, per axis when there are several scales.
    static func dequantize(_ t: Tensor, _ p: Parameters, node: Node, fail: (String) -> QScopeError) throws -> Tensor {
        guard t.dtype == .int8 || t.dtype == .uint8 || t.dtype == .int32 else {
            throw fail("DequantizeLinear '\(node.name)' dequantizes \(t.dtype.name) data; only int8, uint8 and int32 are supported")
        }
        let q = t.int64s()
        let c = p.scales.count
        let inner = c == 1 ? 1 : max(t.shape[(p.axis + 1)...].reduce(1, *), 1)
        var out = [Float](repeating: 0, count: q.count)
        for i in q.indices {
            let k = c == 1 ? 0 : (i / inner) % c
            // As DequantizeLinear computes it: the integer difference in float, times the scale.
            out[i] = Float(Int32(truncatingIfNeeded: q[i]) &- p.zeroPoints[k]) * p.scales[k]
        }
        return Tensor(shape: t.shape, floats: out)
    }
}
