/// Operators that only change a tensor's shape, never its elements.

/// Reshape: the shape comes from input 1 (opset 5+) or the `shape` attribute (opset 1). 0 copies the input's
/// dimension unless `allowzero` is 1; one -1 is inferred from the element count.
final class ReshapeOp: Operator {
    let allowZero: Bool
    let attributeShape: [Int]?

    init(_ context: BuildContext) throws {
        allowZero = try context.node.int("allowzero", default: 0) == 1
        attributeShape = context.opset < 5 ? try context.node.ints("shape") : nil
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard let requested = attributeShape ?? inputs.intList(1) else { throw OpError("the target shape is missing") }
        return [try x.reshaped(try Self.resolve(requested, from: x, allowZero: allowZero))]
    }

    /// The concrete shape for a Reshape request.
    static func resolve(_ requested: [Int], from x: Tensor, allowZero: Bool) throws -> [Int] {
        var shape = requested
        var inferred: Int?
        for (i, d) in requested.enumerated() {
            if d == 0 && !allowZero {
                guard i < x.rank else { throw OpError("shape \(requested) copies dimension \(i) but the input \(x.shape) has rank \(x.rank)") }
                shape[i] = x.shape[i]
            } else if d == -1 {
                guard inferred == nil else { throw OpError("shape \(requested) has more than one -1") }
                inferred = i
            } else if d < 0 {
                throw OpError("shape \(requested) has a negative dimension \(d)")
            }
        }
        if let i = inferred {
            shape[i] = 1
            let known = try Tensor.elementCount(shape)
            guard known > 0, x.count % known == 0 else {
                throw OpError("cannot reshape \(x.shape) (\(x.count) elements) to \(requested)")
            }
            shape[i] = x.count / known
        }
        return shape
    }
}

/// Flatten: to 2-D, splitting the dimensions at `axis` (negative counts from the end).
final class FlattenOp: Operator {
    let axis: Int
    init(_ context: BuildContext) throws { axis = try context.node.int("axis", default: 1) }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let a = axis < 0 ? axis + x.rank : axis
        guard a >= 0 && a <= x.rank else { throw OpError("axis \(axis) is out of range for rank \(x.rank)") }
        let outer = x.shape[..<a].reduce(1, *)
        return [try x.reshaped([outer, x.shape[a...].reduce(1, *)])]
    }
}

/// Squeeze: removes the listed size-1 axes (attribute before opset 13, input after), or every size-1 axis.
final class SqueezeOp: Operator {
    let attributeAxes: [Int]?
    let fromInput: Bool

    init(_ context: BuildContext) throws {
        fromInput = context.opset >= 13
        attributeAxes = fromInput ? nil : try context.node.ints("axes")
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axes = fromInput ? inputs.intList(1) : attributeAxes
        guard let axes else { return [try x.reshaped(x.shape.filter { $0 != 1 })] }
        let normalized = Set(try axes.map { try ShapeMath.existingAxis($0, rank: x.rank) })
        guard normalized.count == axes.count else { throw OpError("axes \(axes) repeat an axis") }
        for a in normalized where x.shape[a] != 1 {
            throw OpError("cannot squeeze axis \(a) of shape \(x.shape): its size is not 1")
        }
        return [try x.reshaped(x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))]
    }
}

/// Unsqueeze: inserts size-1 axes at the listed output positions (attribute before opset 13, input after).
final class UnsqueezeOp: Operator {
    let attributeAxes: [Int]?
    let fromInput: Bool

    init(_ context: BuildContext) throws {
        fromInput = context.opset >= 13
        attributeAxes = fromInput ? nil : try context.node.ints("axes")
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        guard let axes = fromInput ? inputs.intList(1) : attributeAxes else { throw OpError("axes are missing") }
        let rank = x.rank + axes.count
        let normalized = Set(try axes.map { try ShapeMath.existingAxis($0, rank: rank) })
        guard normalized.count == axes.count else { throw OpError("axes \(axes) repeat an axis") }
        var shape: [Int] = []
        var next = x.shape.makeIterator()
        for i in 0..<rank { shape.append(normalized.contains(i) ? 1 : next.next()!) }
        return [try x.reshaped(shape)]
    }
}

/// Identity: passes the input through.
final class IdentityOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] { [try inputs.required(0)] }
}

/// Dropout at inference: identity, plus an all-true mask when the node asks for it.
final class DropoutOp: Operator {
    init(_ context: BuildContext) throws {}
    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        return [x, Tensor(shape: x.shape, data: .bool(Array(repeating: true, count: x.count)))]
    }
}
