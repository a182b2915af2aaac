/// Placeholder until the family lands.
let resizeOperators: [String: Operator.Type] = [:]
