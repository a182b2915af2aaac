/// Shape, reshape and constant-producing operators (Operators/Shape).
let shapeOperators: [String: Operator.Type] = [
    "Reshape": ReshapeOp.self, "Flatten": FlattenOp.self, "Squeeze": SqueezeOp.self, "Unsqueeze": UnsqueezeOp.self,
    "Shape": ShapeOp.self, "Size": SizeOp.self, "Identity": IdentityOp.self, "Dropout": DropoutOp.self,
    "Constant": ConstantOp.self, "ConstantOfShape": ConstantOfShapeOp.self, "Range": RangeOp.self,
    "Expand": ExpandOp.self, "EyeLike": EyeLikeOp.self,
]
