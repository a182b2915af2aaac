/// Small graph queries and edits shared by the passes.
extension Graph {
    /// Every (node index, input position) that reads `tensor`.
    func consumers(of tensor: String) -> [(node: Int, slot: Int)] {
        var result: [(node: Int, slot: Int)] = []
        for (i, n) in nodes.enumerated() {
            for (k, name) in n.inputs.enumerated() where name == tensor { result.append((i, k)) }
        }
        return result
    }

    /// The index of the node that writes `tensor`, if any.
    func producer(of tensor: String) -> Int? {
        nodes.firstIndex { $0.outputs.contains(tensor) }
    }

    func isGraphOutput(_ tensor: String) -> Bool { outputs.contains { $0.name == tensor } }

    func isGraphInput(_ tensor: String) -> Bool { inputs.contains { $0.name == tensor } }

    /// The initializer named `tensor`, unless a graph input of that name shadows it.
    func constant(_ tensor: String) -> Tensor? {
        guard !tensor.isEmpty, !isGraphInput(tensor) else { return nil }
        return initializers[tensor]
    }

    /// Whether `tensor` is read by exactly one input of exactly one node and is not a graph output: the
    /// condition for fusing its producer with that consumer.
    func hasSingleConsumer(_ tensor: String) -> (node: Int, slot: Int)? {
        let c = consumers(of: tensor)
        guard c.count == 1, !isGraphOutput(tensor) else { return nil }
        return c[0]
    }

    /// Every tensor name the graph mentions.
    var allTensorNames: Set<String> {
        var names = Set(initializers.keys)
        names.formUnion(inputs.map(\.name))
        names.formUnion(outputs.map(\.name))
        for n in nodes {
            names.formUnion(n.inputs)
            names.formUnion(n.outputs)
        }
        return names
    }

    /// `base`, or `base_2`, `base_3`, ... whichever the graph does not use yet.
    func unusedTensorName(_ base: String) -> String {
        let taken = allTensorNames
        if !taken.contains(base) { return base }
        var k = 2
        while taken.contains("\(base)_\(k)") { k += 1 }
        return "\(base)_\(k)"
    }

    /// Removes the nodes at `indices`, keeping the others in order.
    mutating func removeNodes(_ indices: Set<Int>) {
        nodes = nodes.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
    }
}
