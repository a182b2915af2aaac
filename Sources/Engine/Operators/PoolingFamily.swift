/// Pooling operators (implementations in Operators/Pooling).
let poolingOperators: [String: Operator.Type] = [
    "MaxPool": MaxPoolOp.self,
    "AveragePool": AveragePoolOp.self,
    "GlobalAveragePool": GlobalAveragePoolOp.self,
    "GlobalMaxPool": GlobalMaxPoolOp.self,
]
