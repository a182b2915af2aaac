/// Placeholder until the family lands.
let poolingOperators: [String: Operator.Type] = [:]
