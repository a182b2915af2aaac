/// Typed attribute access for operator builders. Errors name the attribute; the executor adds the node.
extension Node {
    public func has(_ key: String) -> Bool { attributes[key] != nil }

    public func int(_ key: String) throws -> Int? {
        switch attributes[key] {
        case nil: return nil
        case .int(let v)?: return v
        case .float(let v)? where v == v.rounded(): return Int(v)
        default: throw OpError("attribute '\(key)' should be an integer")
        }
    }

    public func int(_ key: String, default value: Int) throws -> Int { try int(key) ?? value }

    public func float(_ key: String) throws -> Float? {
        switch attributes[key] {
        case nil: return nil
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw OpError("attribute '\(key)' should be a float")
        }
    }

    public func float(_ key: String, default value: Float) throws -> Float { try float(key) ?? value }

    public func ints(_ key: String) throws -> [Int]? {
        switch attributes[key] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw OpError("attribute '\(key)' should be a list of integers")
        }
    }

    public func floats(_ key: String) throws -> [Float]? {
        switch attributes[key] {
        case nil: return nil
        case .floats(let v)?: return v
        case .float(let v)?: return [v]
        case .ints(let v)?: return v.map(Float.init)
        default: throw OpError("attribute '\(key)' should be a list of floats")
        }
    }

    public func string(_ key: String) throws -> String? {
        switch attributes[key] {
        case nil: return nil
        case .string(let v)?: return v
        default: throw OpError("attribute '\(key)' should be a string")
        }
    }

    public func string(_ key: String, default value: String) throws -> String { try string(key) ?? value }

    public func tensor(_ key: String) throws -> Tensor? {
        switch attributes[key] {
        case nil: return nil
        case .tensor(let v)?: return v
        default: throw OpError("attribute '\(key)' should be a tensor")
        }
    }
}
