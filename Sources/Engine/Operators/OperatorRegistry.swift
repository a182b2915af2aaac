/// The table from ONNX op type (default domain) to implementation. Each operator family contributes its
/// own literal table, in the file that implements it.
public enum OperatorRegistry {
    public static let table: [String: Operator.Type] = {
        var t: [String: Operator.Type] = [:]
        for family in [convolutionOperators, normalizationOperators, activationOperators, elementwiseOperators,
                       reductionOperators, poolingOperators, matrixOperators, shapeOperators, movementOperators,
                       resizeOperators] {
            t.merge(family) { a, _ in a }
        }
        return t
    }()

    /// Whether qscope can run this node's operator.
    public static func supports(_ node: Node) -> Bool {
        (node.domain.isEmpty || node.domain == "ai.onnx") && table[node.opType] != nil
    }

    /// Builds the implementation for a node.
    public static func make(_ context: BuildContext) throws -> Operator {
        guard supports(context.node), let type = table[context.node.opType] else {
            throw QScopeError.unsupportedOperators([context.node.qualifiedOp: [context.node.name]])
        }
        // Nodes with an activation fused in by the optimizer run wrapped (see Passes/ActivationFusion.swift).
        if context.node.has(FusedActivation.activationKey) { return try FusedActivation(context) }
        return try type.init(context)
    }
}
