/// Placeholder until the family lands.
let activationOperators: [String: Operator.Type] = [:]
