/// Broadcast arithmetic, comparisons, logic, Where and Cast (implementations in Operators/Elementwise).
let elementwiseOperators: [String: Operator.Type] = [
    "Add": AddOp.self, "Sub": SubOp.self, "Mul": MulOp.self, "Div": DivOp.self, "Pow": PowOp.self,
    "Max": MaxOp.self, "Min": MinOp.self, "Sum": SumOp.self, "Mean": MeanOp.self,
    "Equal": EqualOp.self, "Less": LessOp.self,
    "Greater": GreaterOp.self, "LessOrEqual": LessOrEqualOp.self,
    "GreaterOrEqual": GreaterOrEqualOp.self,
    "And": AndOp.self, "Or": OrOp.self, "Xor": XorOp.self,
    "Where": WhereOp.self, "Cast": CastOp.self, "CastLike": CastLikeOp.self,
]
