/// Orders a graph's nodes so that every tensor is produced before it is read.
public enum GraphPlanner {
    /// Kahn's algorithm, stable in file order. Errors name a missing tensor, a doubly-produced tensor, or the
    /// nodes caught in a cycle.
    public static func topologicalOrder(_ graph: Graph) throws -> [Int] {
        var producer: [String: Int] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                if let other = producer[o] {
                    throw QScopeError.invalidGraph("tensor '\(o)' is produced by both node '\(graph.nodes[other].name)' and node '\(n.name)'")
                }
                if graph.initializers[o] != nil || graph.inputs.contains(where: { $0.name == o }) {
                    throw QScopeError.invalidGraph("node '\(n.name)' writes tensor '\(o)', which is already a graph input or initializer")
                }
                producer[o] = i
            }
        }
        let available = Set(graph.inputs.map(\.name)).union(graph.initializers.keys)
        var pending = [Int](repeating: 0, count: graph.nodes.count)
        var consumers: [Int: [Int]] = [:]
        for (i, n) in graph.nodes.enumerated() {
            for name in Set(n.inputs) where !name.isEmpty && !available.contains(name) {
                guard let p = producer[name] else {
                    throw QScopeError.invalidGraph("node '\(n.name)' (\(n.opType)) reads tensor '\(name)', which no node produces "
                        + "and which is neither an initializer nor a graph input (a missing weight?)")
                }
                pending[i] += 1
                consumers[p, default: []].append(i)
            }
        }
        var ready = (0..<graph.nodes.count).filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(graph.nodes.count)
        while let i = ready.popLast() {
            order.append(i)
            var next: [Int] = []
            for c in consumers[i] ?? [] {
                pending[c] -= 1
                if pending[c] == 0 { next.append(c) }
            }
            // Keep file order among newly ready nodes: the stack pops the smallest index first.
            ready.append(contentsOf: next.sorted().reversed())
            ready.sort(by: >)
        }
        if order.count < graph.nodes.count {
            let stuck = Set(0..<graph.nodes.count).subtracting(order).sorted().map { "'\(graph.nodes[$0].name)'" }
            throw QScopeError.invalidGraph("the nodes \(stuck.prefix(8).joined(separator: ", "))\(stuck.count > 8 ? " …" : "") "
                + "depend on each other in a cycle")
        }
        return order
    }
}
