/// Data-movement operators (Operators/Movement).
let movementOperators: [String: Operator.Type] = [
    "Concat": ConcatOp.self, "Split": SplitOp.self, "Slice": SliceOp.self, "Transpose": TransposeOp.self,
    "Gather": GatherOp.self, "GatherElements": GatherElementsOp.self, "Tile": TileOp.self,
    "DepthToSpace": DepthToSpaceOp.self, "SpaceToDepth": SpaceToDepthOp.self, "Pad": PadOp.self,
]
