/// Placeholder until the family lands.
let matrixOperators: [String: Operator.Type] = [:]
