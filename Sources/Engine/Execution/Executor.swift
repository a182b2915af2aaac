/// Receives every tensor a run produces, in execution order. Calibration, comparison and the TUI all hang
/// off this hook. A tensor stays alive after its last use only if the observer keeps it.
public protocol ExecutionObserver: AnyObject {
    func didProduce(_ name: String, _ tensor: Tensor, by node: Node)
    /// True when the observer needs no tensor at all, only to know when each step of the run finishes (a
    /// profiler): the run then takes the plain plan (fused activations, channel-blocked chains, no
    /// dequantized copies in the hybrid stage) and calls `didFinish` instead of `didProduce`.
    var acceptsPlainPlan: Bool { get }
    /// Called after each step of a plain-plan run (see `acceptsPlainPlan`).
    func didFinish(_ node: Node)
}

extension ExecutionObserver {
    public var acceptsPlainPlan: Bool { false }
    public func didFinish(_ node: Node) {}
}

/// Replaces tensors as they are produced (and model inputs as they arrive): the hook through which the
/// fake-quant and hybrid stages change what downstream nodes see. `producer` is nil for a graph input.
public protocol TensorRewriter: AnyObject {
    func rewrite(_ name: String, _ tensor: Tensor, producer: Node?) throws -> Tensor
}

/// Runs a model's nodes in topological order with float reference operators.
public final class Executor {
    public let model: Model
    /// The nodes in execution order.
    public let plan: [Node]

    struct Step {
        let node: Node
        let op: Operator
        let inputSlots: [Int?]
        var outputSlots: [Int?]
        /// Slots whose last reader is this step, freed after it runs.
        let release: [Int]
        /// Set when the operator can write its output over input 0, which no later step reads.
        let inPlace: InPlaceOperator?
        /// Set in `fusedSteps` when this step also applies the Relu or Clip that was its output's only reader.
        var fused: (op: ClampFusing, clamp: FloatClamp)? = nil
        /// Set in `fusedSteps` when this convolution also applies the BatchNormalization and activation that
        /// followed it (see `fuseEpilogues`).
        var epilogue: ConvEpilogue? = nil
    }

    private let steps: [Step]
    /// `steps` with each Relu or Clip folded into the convolution that feeds it, when that convolution's output
    /// has no other reader and is not a graph output, and with chains of depthwise and pointwise convolutions
    /// passing channel-blocked tensors (`blockedSteps`). Used when no observer or rewriter needs the
    /// intermediates.
    private let fusedSteps: [Step]
    /// How many steps of a plain run exchange channel-blocked tensors (see `blockedSteps`).
    var blockedStepCount: Int { fusedSteps.filter { $0.op is BlockedConvOp }.count }
    /// How many steps a plain run takes (after fusing activations and epilogues).
    var plainStepCount: Int { fusedSteps.count }
    /// The operators of the observed plan and of the plain plan (for tests of what each keeps).
    var operators: (observed: [Operator], plain: [Operator]) { (steps.map(\.op), fusedSteps.map(\.op)) }
    private let slotCount: Int
    private let constantSlots: [(Int, Tensor)]
    private let inputSlots: [String: Int]
    private let outputSlots: [(String, Int)]

    /// The largest number of bytes of activations alive at once during the last run (inputs and
    /// intermediates the executor holds; weights and whatever an observer keeps are not counted).
    public private(set) var peakLiveBytes = 0

    /// Plans the graph and builds every operator. Throws one error listing all unsupported operators, or a
    /// graph error naming the cycle or the missing tensor.
    public init(model: Model) throws {
        self.model = model
        let graph = model.graph
        try Executor.checkSupported(graph)
        let order = try GraphPlanner.topologicalOrder(graph)
        plan = order.map { graph.nodes[$0] }

        var slots: [String: Int] = [:]
        func slot(_ name: String) -> Int {
            if let s = slots[name] { return s }
            slots[name] = slots.count
            return slots.count - 1
        }
        var inputs: [String: Int] = [:]
        for i in graph.inputs { inputs[i.name] = slot(i.name) }
        var constants: [(Int, Tensor)] = []
        for (name, t) in graph.initializers.sorted(by: { $0.key < $1.key }) where inputs[name] == nil {
            constants.append((slot(name), t))
        }
        let constantSet = Set(constants.map(\.0))
        let graphOutputs = Set(graph.outputs.map(\.name))

        var lastUse: [Int: Int] = [:]
        for (stepIndex, node) in plan.enumerated() {
            for name in node.inputs where !name.isEmpty { lastUse[slot(name)] = stepIndex }
        }
        var built: [Step] = []
        for (stepIndex, node) in plan.enumerated() {
            var consts: [Int: Tensor] = [:]
            for (k, name) in node.inputs.enumerated() where !name.isEmpty {
                if let t = graph.initializers[name], inputs[name] == nil { consts[k] = t }
            }
            let op: Operator
            do {
                op = try OperatorRegistry.make(BuildContext(node: node, opset: model.opset, constants: consts))
            } catch let e as OpError {
                throw QScopeError.nodeFailed(node: node.name, op: node.qualifiedOp, reason: e.message)
            }
            let ins = node.inputs.map { $0.isEmpty ? nil : slot($0) }
            let outs = node.outputs.map { $0.isEmpty ? nil : slot($0) }
            let release = Set(ins.compactMap { $0 }).filter { s in
                lastUse[s] == stepIndex && !constantSet.contains(s)
                    && !graphOutputs.contains(slots.first { $0.value == s }!.key)
            }
            var inPlace: InPlaceOperator?
            if let candidate = op as? InPlaceOperator, node.outputs.count == 1, let first = ins.first ?? nil,
               release.contains(first), !ins.dropFirst().contains(first) {
                inPlace = candidate
            }
            built.append(Step(node: node, op: op, inputSlots: ins, outputSlots: outs, release: Array(release),
                              inPlace: inPlace))
        }
        var outs: [(String, Int)] = []
        for o in graph.outputs {
            guard let s = slots[o.name] else {
                throw QScopeError.invalidGraph("graph output '\(o.name)' is produced by no node and is not an initializer or input")
            }
            outs.append((o.name, s))
        }
        steps = built
        let outputSlotSet = Set(graphOutputs.compactMap { slots[$0] })
        let fused = Executor.fuseActivations(built, graph: graph, opset: model.opset, graphOutputs: outputSlotSet)
        fusedSteps = Executor.blockedSteps(
            Executor.fuseEpilogues(fused, graph: graph, opset: model.opset, graphOutputs: outputSlotSet),
            graph: graph, opset: model.opset, graphOutputs: outputSlotSet)
        slotCount = slots.count
        constantSlots = constants
        inputSlots = inputs
        outputSlots = outs
    }

    /// Folds every Relu (or Clip with constant bounds) into the `ClampFusing` step whose output is its only input
    /// and is read by nothing else.
    private static func fuseActivations(_ steps: [Step], graph: Graph, opset: Int, graphOutputs: Set<Int>) -> [Step] {
        var readers: [Int: [Int]] = [:]
        for (i, step) in steps.enumerated() {
            for s in Set(step.inputSlots.compactMap { $0 }) { readers[s, default: []].append(i) }
        }
        var result = steps
        var removed = Set<Int>()
        for (i, step) in steps.enumerated() {
            guard let fusing = step.op as? ClampFusing, step.outputSlots.count == 1, let out = step.outputSlots[0],
                  !graphOutputs.contains(out), let only = readers[out], only.count == 1, only[0] > i else { continue }
            let j = only[0]
            let act = steps[j]
            guard act.node.domain.isEmpty || act.node.domain == "ai.onnx", act.node.outputs.count == 1,
                  act.inputSlots.first == out, !act.inputSlots.dropFirst().contains(out),
                  let clamp = activationClamp(act.node, graph: graph, opset: opset) else { continue }
            result[i] = Step(node: step.node, op: step.op, inputSlots: step.inputSlots, outputSlots: act.outputSlots,
                             release: step.release, inPlace: nil, fused: (fusing, clamp))
            removed.insert(j)
        }
        return result.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }

    /// The clamp a Relu or Clip applies, when its bounds are known before running (attributes before opset 11,
    /// constant scalar inputs after).
    static func activationClamp(_ node: Node, graph: Graph, opset: Int) -> FloatClamp? {
        switch node.opType {
        case "Relu":
            return .relu
        case "Clip":
            if opset < 11 {
                guard let lo = try? node.float("min", default: -.infinity),
                      let hi = try? node.float("max", default: .infinity) else { return nil }
                return FloatClamp(lower: lo, upper: hi)
            }
            func bound(_ i: Int, _ fallback: Float) -> Float? {
                guard i < node.inputs.count, !node.inputs[i].isEmpty else { return fallback }
                guard let t = graph.initializers[node.inputs[i]], !graph.inputs.contains(where: { $0.name == node.inputs[i] }),
                      t.count == 1, case .float(let v) = t.data else {
                    return nil
                }
                return v[0]
            }
            guard let lo = bound(1, -.infinity), let hi = bound(2, .infinity) else { return nil }
            return FloatClamp(lower: lo, upper: hi)
        default:
            return nil
        }
    }

    /// Throws one error listing every operator of `graph` qscope cannot run, with the nodes that use it.
    public static func checkSupported(_ graph: Graph) throws {
        var missing: [String: [String]] = [:]
        for n in graph.nodes where !OperatorRegistry.supports(n) {
            missing[n.qualifiedOp, default: []].append(n.name)
        }
        if !missing.isEmpty { throw QScopeError.unsupportedOperators(missing) }
    }

    /// Runs the model on named inputs and returns the graph outputs by name. Every produced tensor is passed
    /// to `observer`.
    public func run(_ feeds: [String: Tensor], observer: ExecutionObserver? = nil,
                    rewriter: TensorRewriter? = nil) throws -> [String: Tensor] {
        AllocatorTuning.inferenceStarting()
        var values = [Tensor?](repeating: nil, count: slotCount)
        for (s, t) in constantSlots { values[s] = t }
        try InputValidator.validate(feeds, against: model.graph)
        for (name, t) in feeds {
            guard let slot = inputSlots[name] else { continue }
            values[slot] = try rewriter?.rewrite(name, t, producer: nil) ?? t
        }

        var live = feeds.values.reduce(0) { $0 + $1.count * $1.dtype.byteSize }
        var peak = live
        defer { peakLiveBytes = peak }
        let plain = rewriter == nil && observer?.acceptsPlainPlan ?? true
        // A plain-plan observer is only told when steps finish.
        let timer = plain ? observer : nil
        let observer = plain ? nil : observer
        for step in plain ? fusedSteps : steps {
            var outputs: [Tensor] = []
            do {
                var done = false
                if let op = step.inPlace, let first = step.inputSlots[0], var x = values[first] {
                    // Give up the executor's reference so the operator can own the storage.
                    values[first] = nil
                    let bytes = x.count * x.dtype.byteSize
                    if try op.runInPlace(&x, step.inputSlots.map { $0.flatMap { values[$0] } }) {
                        live -= bytes
                        outputs = [x]
                        done = true
                    } else {
                        values[first] = x
                    }
                }
                if !done {
                    let inputs = step.inputSlots.map { $0.flatMap { values[$0] } }
                    if let (op, clamp) = step.fused {
                        outputs = try op.run(inputs, clamp: clamp)
                    } else {
                        outputs = try step.op.run(inputs)
                    }
                    if let epilogue = step.epilogue, !(step.op is BlockedConvOp) {
                        try Executor.apply(epilogue, to: &outputs)
                    }
                }
            } catch let e as OpError {
                throw QScopeError.nodeFailed(node: step.node.name, op: step.node.qualifiedOp, reason: e.message)
            } catch let e as QScopeError {
                if case .nodeFailed = e { throw e }
                throw QScopeError.nodeFailed(node: step.node.name, op: step.node.qualifiedOp, reason: e.description)
            }
            for (k, slot) in step.outputSlots.enumerated() {
                guard let slot else { continue }
                guard k < outputs.count else {
                    throw QScopeError.nodeFailed(node: step.node.name, op: step.node.qualifiedOp,
                                                 reason: "it produced \(outputs.count) outputs but the graph reads output \(k)")
                }
                let name = step.node.outputs[k]
                let value = try rewriter?.rewrite(name, outputs[k], producer: step.node) ?? outputs[k]
                values[slot] = value
                live += value.count * value.dtype.byteSize
                observer?.didProduce(name, value, by: step.node)
            }
            timer?.didFinish(step.node)
            peak = max(peak, live)
            for s in step.release {
                if let t = values[s] { live -= t.count * t.dtype.byteSize }
                values[s] = nil
            }
        }
        var result: [String: Tensor] = [:]
        for (name, s) in outputSlots {
            guard let t = values[s] else {
                throw QScopeError.invalidGraph("graph output '\(name)' was not produced")
            }
            result[name] = t
        }
        return result
    }
}
