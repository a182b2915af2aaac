/// Placeholder until the family lands.
let reductionOperators: [String: Operator.Type] = [:]
