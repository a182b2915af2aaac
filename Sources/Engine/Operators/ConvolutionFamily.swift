/// Placeholder until the family lands.
let convolutionOperators: [String: Operator.Type] = [:]
