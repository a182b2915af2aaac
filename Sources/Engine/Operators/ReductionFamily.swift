/// Reductions over axes and ArgMax/ArgMin (implementations in Operators/Reduction).
let reductionOperators: [String: Operator.Type] = [
    "ReduceSum": ReduceOp.self, "ReduceMean": ReduceOp.self, "ReduceMax": ReduceOp.self, "ReduceMin": ReduceOp.self,
    "ReduceProd": ReduceOp.self, "ReduceL1": ReduceOp.self, "ReduceL2": ReduceOp.self,
    "ReduceSumSquare": ReduceOp.self, "ReduceLogSum": ReduceOp.self,
    "ReduceLogSumExp": ReduceOp.self,
    "ArgMax": ArgExtremeOp.self, "ArgMin": ArgExtremeOp.self,
]
