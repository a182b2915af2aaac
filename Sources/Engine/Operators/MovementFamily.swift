/// Placeholder until the family lands.
let movementOperators: [String: Operator.Type] = [:]
