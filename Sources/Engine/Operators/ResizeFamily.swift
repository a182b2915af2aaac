/// Resampling operators (Operators/Resize).
let resizeOperators: [String: Operator.Type] = ["Resize": ResizeOp.self, "Upsample": UpsampleOp.self]
