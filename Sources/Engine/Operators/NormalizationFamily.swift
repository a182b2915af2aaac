/// Normalization operators (implementations in Operators/Normalization).
let normalizationOperators: [String: Operator.Type] = [
    "BatchNormalization": BatchNormalizationOp.self,
    "LayerNormalization": LayerNormalizationOp.self,
    "InstanceNormalization": InstanceNormalizationOp.self,
]
