/// Placeholder until the family lands.
let shapeOperators: [String: Operator.Type] = [:]
