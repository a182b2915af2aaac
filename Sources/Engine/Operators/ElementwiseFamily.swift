/// Broadcast arithmetic, comparisons, logic, Where and Cast (implementations in Operators/Elementwise).
let elementwiseOperators: [String: Operator.Type] = [
    "Add": AddOp.self, "Sub": SubOp.self, "Mul": MulOp.self, "Div": DivOp.self, "Pow": PowOp.self,
    "Max": MaxOp.self, "Min": MinOp.self, "Sum": SumOp.self, "Mean": MeanOp.self,
    "Equal": ComparisonOp<EqualKernel>.self, "Less": ComparisonOp<LessKernel>.self,
    "Greater": ComparisonOp<GreaterKernel>.self, "LessOrEqual": ComparisonOp<LessOrEqualKernel>.self,
    "GreaterOrEqual": ComparisonOp<GreaterOrEqualKernel>.self,
    "And": LogicalOp<AndKernel>.self, "Or": LogicalOp<OrKernel>.self, "Xor": LogicalOp<XorKernel>.self,
    "Where": WhereOp.self, "Cast": CastOp.self, "CastLike": CastLikeOp.self,
]
