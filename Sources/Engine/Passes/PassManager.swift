/// A pass's name and one-line description, for `qscope passes`.
public struct PassInfo: Equatable, Sendable {
    public let name: String
    public let description: String
}

/// The optimized-float stage: graph rewrites that leave the model's outputs the same up to float rounding.
public enum PassManager {
    /// The passes in the order they run. Shapes become constants first so that the folding that follows sees
    /// them; Identity removal runs after folding so that identities of constants simply become constants.
    public static let standardPasses: [GraphPass] = [
        ShapeConstants(), ConstantFolding(), IdentityElimination(), BatchNormFolding(), ActivationFusion(),
        InitializerPruning(),
    ]

    /// Name and description of every standard pass, in run order.
    public static var passes: [PassInfo] {
        standardPasses.map { PassInfo(name: $0.name, description: $0.description) }
    }

    /// Runs `passes` (the standard ones by default) in order. `inputShapes` gives the concrete shape of graph
    /// inputs whose declared shape is not fully fixed (used to turn Shape nodes into constants; the result is
    /// specialized to these shapes). Throws when the graph is invalid before or (a bug) after the passes.
    public static func optimize(_ model: Model, inputShapes: [String: [Int]],
                                passes: [GraphPass] = standardPasses) throws -> OptimizedModel {
        _ = try GraphPlanner.topologicalOrder(model.graph)
        var state = PassState(model: model, inputShapes: inputShapes)
        for pass in passes { try pass.apply(&state) }
        _ = try GraphPlanner.topologicalOrder(state.graph)
        return OptimizedModel(model: state.model, fusedInto: state.fusedInto, foldedConstants: state.foldedConstants,
                              log: state.log)
    }
}
