import Engine

/// One side of `qscope compare`: a model file, run as it computes.
///
/// A QDQ model (QuantizeLinear/DequantizeLinear pairs, e.g. from ONNX Runtime's `quantize_static`) is taken
/// apart with ``QDQImporter`` and run as its quantized stage. Each quantized tensor then carries its dequantized
/// value under the name of the float tensor that fed the QuantizeLinear, so ORT's `relu1_DequantizeLinear_Output`
/// is compared with the float model's `relu1`; ``displayName(_:)`` gives back the QDQ model's own name.
public final class ComparedModel {
    /// The label shown in reports, usually the file name.
    public let label: String
    /// The model as loaded.
    public let model: Model
    /// The graph whose nodes are listed and compared: the model's, or the float graph under a QDQ model's pairs.
    public let graph: Graph
    /// Whether the model was a QDQ model, imported.
    public let isQDQ: Bool
    /// For a QDQ model: float tensor name -> the DequantizeLinear output that carries it in the file.
    public let carriers: [String: String]
    private let executor: Executor?
    private let stage: QuantizedStage?
    /// The operators of ``runIsolated(_:observer:)``, built on first use (nil where building failed).
    private var isolatedOps: [Operator?]?

    /// Prepares `model` to run; a QDQ model is imported (and fails with the importer's message when it holds a
    /// form qscope cannot emulate).
    public init(model: Model, label: String) throws {
        self.label = label
        self.model = model
        if QDQImporter.isQDQ(model) {
            let imported = try QDQImporter.recover(model)
            stage = try imported.makeStage()
            executor = nil
            graph = imported.floatModel.graph
            isQDQ = true
            carriers = Self.dequantizedCarriers(model.graph)
        } else {
            executor = try Executor(model: model)
            stage = nil
            graph = model.graph
            isQDQ = false
            carriers = [:]
        }
    }

    /// The model's inputs by name.
    public var inputNames: [String] { graph.inputs.map(\.name) }

    /// The name the model file gives the tensor that carries `tensor` (the DequantizeLinear output for a
    /// quantized tensor of a QDQ model, otherwise `tensor` itself).
    public func displayName(_ tensor: String) -> String { carriers[tensor] ?? tensor }

    /// Runs one sample; every produced tensor goes to `observer`.
    public func run(_ feeds: [String: Tensor], observer: ExecutionObserver?) throws -> [String: Tensor] {
        if let stage { return try stage.run(feeds, observer: observer) }
        guard let executor else { return [:] }
        return try executor.run(feeds, observer: observer)
    }

    /// Runs every node alone on `reference` values of its inputs (the other model's tensors of the same names)
    /// and reports its outputs to `observer`: what this model's layer makes of exactly the reference's inputs.
    /// For a QDQ model the node uses its quantized weights and its output is rounded to the model's grid; an input
    /// is rounded too when no node of the model produces it (a graph input), since a producing node's rounding
    /// is that node's own error. Nodes whose inputs `reference` lacks, or that fail on them (the models
    /// disagree on a shape), are skipped: they get no isolated metrics.
    public func runIsolated(_ reference: [String: Tensor], observer: ExecutionObserver) {
        let runModel = stage?.model ?? model
        let graph = runModel.graph
        let params = stage?.activationParams ?? [:]
        let produced = Set(graph.nodes.flatMap(\.outputs))
        if isolatedOps == nil {
            isolatedOps = graph.nodes.map { node in
                var constants: [Int: Tensor] = [:]
                for (k, name) in node.inputs.enumerated() where !name.isEmpty { constants[k] = graph.initializers[name] }
                return try? OperatorRegistry.make(BuildContext(node: node, opset: runModel.opset, constants: constants))
            }
        }
        for (node, op) in zip(graph.nodes, isolatedOps ?? []) {
            guard let op else { continue }
            var inputs: [Tensor?] = []
            var complete = true
            for name in node.inputs {
                if name.isEmpty { inputs.append(nil); continue }
                if let c = graph.initializers[name] { inputs.append(c); continue }
                guard let t = reference[name] else { complete = false; break }
                inputs.append(produced.contains(name) ? t : params[name].map { $0.fakeQuantized(t) } ?? t)
            }
            guard complete, let outs = try? op.run(inputs) else { continue }
            for (k, name) in node.outputs.enumerated() where k < outs.count && !name.isEmpty {
                observer.didProduce(name, params[name].map { $0.fakeQuantized(outs[k]) } ?? outs[k], by: node)
            }
        }
    }

    /// Q -> DQ chains fed by a computed or input tensor X: X -> the first DequantizeLinear output, when that
    /// output is not a graph output (a graph output keeps its name through the import).
    static func dequantizedCarriers(_ graph: Graph) -> [String: String] {
        var readers: [String: [Node]] = [:]
        for n in graph.nodes { for i in n.inputs where !i.isEmpty { readers[i, default: []].append(n) } }
        let outputs = Set(graph.outputs.map(\.name))
        var carriers: [String: String] = [:]
        for q in graph.nodes where q.opType == "QuantizeLinear" {
            guard let x = q.inputs.first, graph.initializers[x] == nil, let qOut = q.outputs.first,
                  let dq = readers[qOut]?.first(where: { $0.opType == "DequantizeLinear" }),
                  let d = dq.outputs.first, !outputs.contains(d), carriers[x] == nil else { continue }
            carriers[x] = d
        }
        return carriers
    }
}

/// `qscope compare`: two models run on the same inputs, their same-named tensors compared layer by layer.
///
/// Layers are the reference model's nodes in execution order, then the candidate's nodes that produce no tensor
/// of the reference. A layer is compared through the first of its outputs both models produce as float tensors;
/// the others are listed with a note ("only in B.onnx"). The comparison is stored under
/// ``StagePair/floatQuantized`` (the reference as "float", the candidate as "quantized") with
/// ``AnalysisReport/comparedFiles`` set, so every report labels the pair with the two file names, and the
/// suspicious-layer ranking (drop points, inherited error) applies unchanged. The isolated error of a layer is
/// the candidate's node run alone on the reference's tensors (``ComparedModel/runIsolated(_:observer:)``).
public struct ModelComparison {
    /// The report every writer reads.
    public var report: AnalysisReport
    /// Node names of layers whose tensor only the reference produces.
    public var onlyInReference: [String]
    /// Node names of layers whose tensor only the candidate produces.
    public var onlyInCandidate: [String]
    /// Layers both models produce but that could not be compared (not float tensors).
    public var notFloat: [String]

    /// The pair the comparison is stored under.
    public static let pair = StagePair.floatQuantized

    /// Runs both models on every sample and compares them. Each sample must hold every input of both models;
    /// a missing one is a ``QScopeError/badInput(name:reason:)`` naming the model.
    public static func run(reference a: ComparedModel, candidate b: ComparedModel, samples: [[String: Tensor]],
                           config: [ConfigEntry] = [], suspicion: SuspicionConfig = SuspicionConfig(),
                           progress: ((Int, Int) -> Void)? = nil) throws -> ModelComparison {
        for model in [a, b] {
            for name in model.inputNames {
                for sample in samples where sample[name] == nil {
                    throw QScopeError.badInput(name: name, reason: "\(model.label) needs it but no value was given for it "
                        + "(the inputs are \(sample.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")))")
                }
            }
        }
        // Same-named nodes of the same operator whose outputs are named differently are compared too: importing
        // a QDQ model renames a Conv's output when it restores the Relu the quantizer folded into a Q/DQ pair.
        var renamedInB: [String: String] = [:]   // A's tensor -> B's tensor
        let nodesB = Dictionary(b.graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let producedByB = Set(b.graph.nodes.flatMap(\.outputs))
        for n in a.graph.nodes {
            guard let m = nodesB[n.name], m.opType == n.opType, m.outputs.count == n.outputs.count else { continue }
            for (x, y) in zip(n.outputs, m.outputs) where !x.isEmpty && !y.isEmpty && x != y && !producedByB.contains(x) {
                renamedInB[x] = y
            }
        }
        func nameInB(_ t: String) -> String { renamedInB[t] ?? t }
        let observer = ComparingObserver(), isolatedObserver = ComparingObserver()
        var outputs: [String: MetricsAccumulator] = [:]
        var firstSample: [String: Tensor] = [:]
        var producedA = Set<String>(), producedB = Set<String>()
        for (i, sample) in samples.enumerated() {
            let recorder = TensorRecorder()
            let feedsA = sample.filter { a.inputNames.contains($0.key) }
            let outA = try a.run(feedsA, observer: recorder)
            var reference = recorder.tensors
            for (k, v) in outA { reference[k] = v }
            for (k, v) in feedsA { reference[k] = v }
            producedA.formUnion(reference.keys)
            for (x, y) in renamedInB where reference[y] == nil { reference[y] = reference[x] }
            let names = NameCollector(forward: observer)
            observer.reference = reference
            let outB = try b.run(sample.filter { b.inputNames.contains($0.key) }, observer: names)
            producedB.formUnion(names.names)
            for (name, t) in outB {
                guard case .float(let y) = t.data, case .float(let x)? = outA[name]?.data else { continue }
                outputs[name, default: MetricsAccumulator()].add(reference: x, candidate: y)
            }
            isolatedObserver.reference = reference
            b.runIsolated(reference, observer: isolatedObserver)
            if i == 0 { firstSample = reference }
            progress?(i + 1, samples.count)
        }
        let metrics = observer.results, isolated = isolatedObserver.results

        let labelB = b.label, labelA = a.label
        var records: [LayerRecord] = []
        var layerOf: [String: Int] = [:]
        var onlyA: [String] = [], onlyB: [String] = [], notFloat: [String] = []
        for i in try GraphPlanner.topologicalOrder(a.graph) {
            let node = a.graph.nodes[i]
            let outs = node.outputs.filter { !$0.isEmpty }
            guard let first = outs.first else { continue }
            let shared = outs.first { producedB.contains(nameInB($0)) }
            let out = outs.first { metrics[nameInB($0)] != nil } ?? shared ?? first
            let index = records.count
            for o in outs { layerOf[o] = index; layerOf[nameInB(o)] = index }
            var record = LayerRecord(index: index, nodeName: node.name, opType: node.opType, outputTensor: a.displayName(out),
                                     outputShape: firstSample[out]?.shape ?? [],
                                     inputLayers: Array(Set(node.inputs.compactMap { layerOf[$0] })).sorted())
            record.stageTensorNames[pair.reference] = a.displayName(out)
            if let m = metrics[nameInB(out)] {
                record.accumulated[pair] = m
                record.isolated[pair] = isolated[nameInB(out)]
                record.stageTensorNames[pair.candidate] = b.displayName(nameInB(out))
            } else if shared != nil {
                record.stageTensorNames[pair.candidate] = b.displayName(nameInB(out))
                record.note = "not a float tensor in both models"
                notFloat.append(node.name)
            } else {
                record.stageTensorNames[pair.candidate] = ""
                record.note = "only in \(labelA)"
                onlyA.append(node.name)
            }
            records.append(record)
        }
        for i in try GraphPlanner.topologicalOrder(b.graph) {
            let node = b.graph.nodes[i]
            let outs = node.outputs.filter { !$0.isEmpty }
            guard let first = outs.first, !outs.contains(where: { producedA.contains($0) || layerOf[$0] != nil }) else { continue }
            var record = LayerRecord(index: records.count, nodeName: node.name, opType: node.opType,
                                     outputTensor: b.displayName(first))
            record.stageTensorNames = [pair.reference: "", pair.candidate: b.displayName(first)]
            record.note = "only in \(labelB)"
            onlyB.append(node.name)
            records.append(record)
        }

        var suspicion = suspicion
        suspicion.pair = pair
        let files = ComparedFiles(reference: labelA, candidate: labelB, pair: pair)
        var report = AnalysisReport(
            modelPath: "\(files.reference) vs \(files.candidate)", config: config,
            stages: [pair.reference: .ready, pair.candidate: .ready], layers: records,
            suspicious: SuspicionRanking.rank(records, config: suspicion),
            outputs: a.graph.outputs.compactMap { o in
                outputs[o.name].map { OutputComparison(name: o.name, pair: pair, metrics: $0.result) }
            },
            suspicionConfig: suspicion)
        report.comparedFiles = files
        return ModelComparison(report: report, onlyInReference: onlyA, onlyInCandidate: onlyB, notFloat: notFloat)
    }

    /// The lines printed after the table: which layers each side lacks.
    public var notComparedText: String {
        guard let files = report.comparedFiles else { return "" }
        var s = ""
        for (label, names) in [(files.reference, onlyInReference), (files.candidate, onlyInCandidate)] where !names.isEmpty {
            s += "not compared, only in \(label) (\(names.count)): \(Self.list(names))\n"
        }
        if !notFloat.isEmpty { s += "not compared, not float tensors (\(notFloat.count)): \(Self.list(notFloat))\n" }
        return s
    }

    private static func list(_ names: [String]) -> String {
        names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", and \(names.count - 20) more" : "")
    }
}

/// Records the names a run produces and forwards every tensor.
private final class NameCollector: ExecutionObserver {
    let forward: ExecutionObserver
    var names = Set<String>()

    init(forward: ExecutionObserver) { self.forward = forward }

    func didProduce(_ name: String, _ tensor: Tensor, by node: Node) {
        names.insert(name)
        forward.didProduce(name, tensor, by: node)
    }
}
