/// The result of the optimized-float stage: the rewritten model plus what became of every tensor that
/// disappeared, so that tensors of the original and the optimized model can be lined up by name.
public struct OptimizedModel {
    public var model: Model
    /// Removed tensor name -> name of the node that now produces its stand-in (e.g. a Conv's pre-BatchNorm
    /// output -> the Conv that now computes Conv+BN). Tensors that survive keep their names and are not listed;
    /// tensors folded to constants survive as initializers of the same name.
    public var fusedInto: [String: String]
    /// Tensors that nodes computed in the original and that are now initializers of the same name (Shape
    /// outputs and folded constant subgraphs): they still exist but no node of the optimized run produces them.
    public var foldedConstants: Set<String>
    /// What each pass did, in order.
    public var log: [PassRecord]

    public init(model: Model, fusedInto: [String: String], foldedConstants: Set<String> = [], log: [PassRecord]) {
        self.model = model
        self.fusedInto = fusedInto
        self.foldedConstants = foldedConstants
        self.log = log
    }
}

/// One thing a pass did (or why it did nothing).
public struct PassRecord: Equatable, CustomStringConvertible {
    /// The pass's name, as listed by `PassManager.passes`.
    public var pass: String
    /// One line saying what happened, e.g. "folded BatchNormalization 'bn' into Conv 'conv1'".
    public var summary: String
    /// The nodes involved (removed and surviving).
    public var nodes: [String]

    public init(pass: String, summary: String, nodes: [String]) {
        self.pass = pass
        self.summary = summary
        self.nodes = nodes
    }

    public var description: String { "\(pass): \(summary)" }
}

/// A graph rewrite of the optimized-float stage. Each pass keeps the model's outputs numerically the same
/// (up to float rounding).
public protocol GraphPass: Sendable {
    /// Short identifier, e.g. "fold-batchnorm".
    var name: String { get }
    /// One sentence for `qscope passes`.
    var description: String { get }
    func apply(_ state: inout PassState) throws
}

/// The model being optimized plus the bookkeeping every pass updates.
public struct PassState {
    public var model: Model
    public var fusedInto: [String: String] = [:]
    /// Node outputs turned into initializers; kept by pruning so that they survive under their names.
    public var foldedConstants: Set<String> = []
    public var log: [PassRecord] = []
    /// Concrete shapes of the graph inputs (for shape propagation).
    public let inputShapes: [String: [Int]]

    public init(model: Model, inputShapes: [String: [Int]]) {
        self.model = model
        self.inputShapes = inputShapes
    }

    public var graph: Graph {
        get { model.graph }
        set { model.graph = newValue }
    }

    /// Records that `tensor` no longer exists and `node` now produces its stand-in.
    public mutating func recordFused(_ tensor: String, into node: String) {
        fusedInto[tensor] = node
    }

    /// Records that node `removed` was merged into node `survivor`: earlier entries pointing at `removed`
    /// now point at `survivor`.
    public mutating func recordMerged(_ removed: String, into survivor: String) {
        for (tensor, node) in fusedInto where node == removed { fusedInto[tensor] = survivor }
    }

    public mutating func note(_ pass: String, _ summary: String, nodes: [String] = []) {
        log.append(PassRecord(pass: pass, summary: summary, nodes: nodes))
    }
}
