/// Placeholder until the family lands.
let normalizationOperators: [String: Operator.Type] = [:]
