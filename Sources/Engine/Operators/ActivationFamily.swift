/// Element-wise activations and unary math, Softmax/LogSoftmax (implementations in Operators/Activation).
let activationOperators: [String: Operator.Type] = [
    "Relu": ReluOp.self, "LeakyRelu": LeakyReluOp.self, "PRelu": PReluOp.self,
    "Clip": ClipOp.self, "Sigmoid": SigmoidOp.self, "HardSigmoid": HardSigmoidOp.self,
    "HardSwish": HardSwishOp.self, "Tanh": TanhOp.self, "Exp": ExpOp.self,
    "Log": LogOp.self, "Erf": ErfOp.self, "Sqrt": SqrtOp.self,
    "Neg": NegOp.self, "Abs": AbsOp.self, "Reciprocal": ReciprocalOp.self,
    "Floor": FloorOp.self, "Ceil": CeilOp.self, "Round": RoundOp.self,
    "Sign": SignOp.self, "Elu": EluOp.self, "Selu": SeluOp.self,
    "Softplus": SoftplusOp.self, "Softsign": SoftsignOp.self, "Not": NotOp.self,
    "Softmax": SoftmaxOp.self, "LogSoftmax": SoftmaxOp.self,
]
