import Foundation

/// Typed reading of YAML values, with errors that name the file, the key and what was expected.
struct ValueReader {
    let path: String
    /// For values that came from command-line flags: the flag of each key, named in errors instead of the key.
    var flags: [String: String] = [:]

    func wrong(_ key: String, _ expected: String, _ value: Any) -> QScopeError {
        if let flag = flags[key] { return .usage("\(flag) should be \(expected), but it is \(describe(value))") }
        return .invalidFile(path: path, reason: "key '\(key)' should be \(expected), but it is \(describe(value))")
    }

    func describe(_ v: Any) -> String {
        switch v {
        case is String: return "the text \"\(v)\""
        case is Bool: return "the boolean \(v)"
        case is Int, is Double: return "the number \(v)"
        case is [Any]: return "a list"
        case is [String: Any]: return "a mapping"
        default: return "empty"
        }
    }

    func string(_ key: String, _ v: Any) throws -> String {
        if let s = v as? String { return s }
        if let i = v as? Int { return String(i) }
        throw wrong(key, "text", v)
    }

    func number(_ key: String, _ v: Any) throws -> Double {
        if v is Bool { throw wrong(key, "a number", v) }
        if let d = v as? Double, d.isFinite { return d }
        if let i = v as? Int { return Double(i) }
        throw wrong(key, "a number", v)
    }

    func positiveInt(_ key: String, _ v: Any) throws -> Int {
        guard !(v is Bool), let i = v as? Int, i > 0 else { throw wrong(key, "a positive whole number", v) }
        return i
    }

    func bool(_ key: String, _ v: Any) throws -> Bool {
        if let b = v as? Bool { return b }
        throw wrong(key, "true or false", v)
    }

    /// A list of numbers, or numbers separated by spaces or commas in one string.
    func floats(_ key: String, _ v: Any) throws -> [Float] {
        let items: [Any]
        if let s = v as? String {
            items = s.split(whereSeparator: { $0 == " " || $0 == "," }).map { Double($0) as Any? ?? String($0) }
        } else if let list = v as? [Any] { items = list } else if v is Int || v is Double { items = [v] } else {
            throw wrong(key, "a list of numbers", v)
        }
        return try items.map { Float(try number(key, $0)) }
    }

    /// A list of names, or names separated by ';' in one string (as converters write run_on_cpu).
    func strings(_ key: String, _ v: Any) throws -> [String] {
        if let s = v as? String { return s.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let list = v as? [Any] { return try list.map { try string(key, $0) } }
        throw wrong(key, "a list of node names", v)
    }

    /// One or two positive sizes: `256`, `"224x224"` or `[224, 224]`; nothing else (`10x`, `"256 256"`).
    func size(_ key: String, _ v: Any) throws -> [Int] {
        var dims: [Int]?
        if let i = v as? Int, !(v is Bool) { dims = [i] }
        if let s = v as? String { dims = DimensionText.size(s) }
        if let list = v as? [Any] { dims = list.map { $0 is Bool ? -1 : $0 as? Int ?? -1 } }
        guard let d = dims, (1...2).contains(d.count), d.allSatisfy({ $0 > 0 && $0 <= 16384 }) else {
            throw wrong(key, "a size N or HxW of whole numbers from 1 to 16384, like 256, \"224x224\" or [224, 224]", v)
        }
        return d
    }

    /// `"1x3x224x224"` (for a one-input model, stored under "") or a map from input name to such a shape.
    func shapes(_ key: String, _ v: Any) throws -> [String: [Int]] {
        func one(_ x: Any) throws -> [Int] {
            if let s = x as? String, let d = DimensionText.shape(s) { return d }
            if let l = x as? [Any] {
                let d = l.map { $0 as? Int ?? -1 }
                if !d.isEmpty, d.allSatisfy({ $0 > 0 }) { return d }
            }
            throw wrong(key, "a shape like \"1x3x224x224\"", x)
        }
        if let map = v as? [String: Any] { return try map.mapValues(one) }
        return ["": try one(v)]
    }
}
