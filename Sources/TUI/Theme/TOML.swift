/// A value of the TOML subset qscope reads.
public enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])

    /// The type as a user would name it, for messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a number"
        case .bool: return "true/false"
        case .array: return "a list"
        }
    }
}

/// A key's value and the line it was written on, so later checks can point at it.
public struct TOMLEntry: Equatable, Sendable {
    public var value: TOMLValue
    public var line: Int
}

/// A parse or validation error that names the file, the line and what is wrong.
public struct TOMLError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var message: String
    public init(file: String, line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String { "\(file):\(line): \(message)" }
}

/// A parsed document: tables by name ("" holds the keys before the first header), in file order.
public struct TOMLDocument: Equatable, Sendable {
    public var tables: [String: [String: TOMLEntry]] = ["": [:]]
    /// Table names in the order they appear, with the line of their header.
    public var tableOrder: [(name: String, line: Int)] = []

    public static func == (a: TOMLDocument, b: TOMLDocument) -> Bool {
        a.tables == b.tables && a.tableOrder.map(\.name) == b.tableOrder.map(\.name)
    }

    /// Parses the subset: `[table]` headers, `key = value` with basic and literal strings, integers, floats,
    /// booleans and one-line arrays, and `#` comments.
    public static func parse(_ text: String, file: String) throws -> TOMLDocument {
        var doc = TOMLDocument()
        var current = ""
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = number + 1
            var p = LineParser(chars: Array(raw.hasSuffix("\r") ? raw.dropLast() : raw[...]), file: file, line: line)
            p.skipSpaces()
            if p.atEnd || p.peek == "#" { continue }
            if p.peek == "[" {
                p.advance()
                p.skipSpaces()
                let name = p.readWhile { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
                p.skipSpaces()
                guard !name.isEmpty else { throw p.error("expected a table name after '['") }
                guard p.peek == "]" else { throw p.error("expected ']' to close the table header [\(name)") }
                p.advance()
                try p.expectEnd()
                if doc.tables[name] != nil { throw p.error("table [\(name)] is defined twice") }
                doc.tables[name] = [:]
                doc.tableOrder.append((name, line))
                current = name
                continue
            }
            let key = p.readWhile { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            guard !key.isEmpty else { throw p.error("expected 'key = value', a [table] header or a # comment") }
            p.skipSpaces()
            guard p.peek == "=" else { throw p.error("expected '=' after the key '\(key)'") }
            p.advance()
            p.skipSpaces()
            let value = try p.value()
            try p.expectEnd()
            if doc.tables[current]?[key] != nil {
                throw p.error("key '\(key)' is set twice" + (current.isEmpty ? "" : " in [\(current)]"))
            }
            doc.tables[current, default: [:]][key] = TOMLEntry(value: value, line: line)
        }
        return doc
    }
}

/// Reads one line of TOML.
private struct LineParser {
    let chars: [Character]
    let file: String
    let line: Int
    var i = 0

    var atEnd: Bool { i >= chars.count }
    var peek: Character? { atEnd ? nil : chars[i] }
    mutating func advance() { i += 1 }
    func error(_ message: String) -> TOMLError { TOMLError(file: file, line: line, message) }

    mutating func skipSpaces() { while let c = peek, c == " " || c == "\t" { advance() } }

    mutating func readWhile(_ test: (Character) -> Bool) -> String {
        var s = ""
        while let c = peek, test(c) { s.append(c); advance() }
        return s
    }

    /// Only spaces and a comment may follow a value or a header.
    mutating func expectEnd() throws {
        skipSpaces()
        if let c = peek, c != "#" { throw error("unexpected '\(c)' after the value (a missing comment '#'?)") }
    }

    mutating func value() throws -> TOMLValue {
        guard let c = peek else { throw error("missing value after '='") }
        switch c {
        case "\"": return .string(try basicString())
        case "'": return .string(try literalString())
        case "[": return try array()
        default:
            let word = readWhile { !($0 == " " || $0 == "\t" || $0 == "," || $0 == "]" || $0 == "#") }
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            let digits = word.replacingUnderscores()
            if digits.hasPrefix("0x"), let v = Int(digits.dropFirst(2), radix: 16) { return .integer(v) }
            if let v = Int(digits) { return .integer(v) }
            if let v = Double(digits), digits.contains(where: { $0.isNumber }) { return .float(v) }
            throw error("'\(word)' is not a value: use \"text\" in quotes, a number, true or false")
        }
    }

    mutating func basicString() throws -> String {
        advance()
        var s = ""
        while let c = peek {
            advance()
            switch c {
            case "\"": return s
            case "\\":
                guard let e = peek else { break }
                advance()
                switch e {
                case "n": s.append("\n")
                case "t": s.append("\t")
                case "\"": s.append("\"")
                case "\\": s.append("\\")
                case "u":
                    let hex = String(chars[i..<min(chars.count, i + 4)])
                    guard hex.count == 4, let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else {
                        throw error("bad \\u escape in a string: expected 4 hex digits")
                    }
                    s.unicodeScalars.append(u)
                    i += 4
                default: throw error("unknown escape '\\\(e)' in a string")
                }
            default: s.append(c)
            }
        }
        throw error("string is not closed: a '\"' is missing")
    }

    mutating func literalString() throws -> String {
        advance()
        var s = ""
        while let c = peek {
            advance()
            if c == "'" { return s }
            s.append(c)
        }
        throw error("string is not closed: a \"'\" is missing")
    }

    mutating func array() throws -> TOMLValue {
        advance()
        var items: [TOMLValue] = []
        while true {
            skipSpaces()
            guard let c = peek else { throw error("list is not closed: a ']' is missing (lists must fit on one line)") }
            if c == "]" { advance(); return .array(items) }
            items.append(try value())
            skipSpaces()
            if atEnd { throw error("list is not closed: a ']' is missing (lists must fit on one line)") }
            if peek == "," { advance() } else if peek != "]" {
                throw error("expected ',' or ']' in the list")
            }
        }
    }
}

private extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
