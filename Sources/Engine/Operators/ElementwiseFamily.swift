/// Placeholder until the family lands.
let elementwiseOperators: [String: Operator.Type] = [:]
