/// Matrix-product operators (implementations in Operators/Matrix).
let matrixOperators: [String: Operator.Type] = [
    "Gemm": GemmOp.self,
    "MatMul": MatMulOp.self,
]
