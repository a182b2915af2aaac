/// Element-wise activations and unary math, Softmax/LogSoftmax (implementations in Operators/Activation).
let activationOperators: [String: Operator.Type] = [
    "Relu": UnaryOp<ReluKernel>.self, "LeakyRelu": UnaryOp<LeakyReluKernel>.self, "PRelu": PReluOp.self,
    "Clip": ClipOp.self, "Sigmoid": UnaryOp<SigmoidKernel>.self, "HardSigmoid": UnaryOp<HardSigmoidKernel>.self,
    "HardSwish": UnaryOp<HardSwishKernel>.self, "Tanh": UnaryOp<TanhKernel>.self, "Exp": UnaryOp<ExpKernel>.self,
    "Log": UnaryOp<LogKernel>.self, "Erf": UnaryOp<ErfKernel>.self, "Sqrt": UnaryOp<SqrtKernel>.self,
    "Neg": UnaryOp<NegKernel>.self, "Abs": UnaryOp<AbsKernel>.self, "Reciprocal": UnaryOp<ReciprocalKernel>.self,
    "Floor": UnaryOp<FloorKernel>.self, "Ceil": UnaryOp<CeilKernel>.self, "Round": UnaryOp<RoundKernel>.self,
    "Sign": UnaryOp<SignKernel>.self, "Elu": UnaryOp<EluKernel>.self, "Selu": UnaryOp<SeluKernel>.self,
    "Softplus": UnaryOp<SoftplusKernel>.self, "Softsign": UnaryOp<SoftsignKernel>.self, "Not": NotOp.self,
    "Softmax": SoftmaxOp.self, "LogSoftmax": SoftmaxOp.self,
]
