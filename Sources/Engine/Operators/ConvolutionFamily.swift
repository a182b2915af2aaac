/// Convolution operators (implementations in Operators/Convolution).
let convolutionOperators: [String: Operator.Type] = [
    "Conv": ConvOp.self,
    "ConvTranspose": ConvTransposeOp.self,
]
