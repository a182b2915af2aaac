import Foundation

/// Every failure qscope reports to a user. Each case renders as one paragraph that names the file, node or
/// tensor involved and says what is wrong; the command-line front end prints it and exits with code 2.
public enum QScopeError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read (missing, unreadable, a directory).
    case fileUnreadable(path: String, reason: String)
    /// A file or directory could not be written (no such directory, no permission, disk full).
    case fileUnwritable(path: String, reason: String)
    /// A file exists but its bytes are not what was expected (truncated, not ONNX, corrupt).
    case invalidFile(path: String, reason: String)
    /// The graph itself is malformed: a cycle, a missing tensor, a duplicate output.
    case invalidGraph(String)
    /// Operators qscope does not implement, each with the nodes that use it.
    case unsupportedOperators([String: [String]])
    /// An operator failed or was given inputs it cannot accept.
    case nodeFailed(node: String, op: String, reason: String)
    /// A model input was missing, or had the wrong shape or element type.
    case badInput(name: String, reason: String)
    /// A tensor would be too large to allocate.
    case tooLarge(what: String, shape: [Int])
    /// A command-line or configuration value is wrong.
    case usage(String)

    public var description: String {
        switch self {
        case let .fileUnreadable(path, reason):
            return "cannot read '\(path)': \(reason)."
        case let .fileUnwritable(path, reason):
            return "cannot write '\(path)': \(reason)."
        case let .invalidFile(path, reason):
            return "'\(path)' is not usable: \(reason)."
        case let .invalidGraph(reason):
            return "the model's graph is invalid: \(reason)."
        case let .unsupportedOperators(ops):
            let list = ops.keys.sorted().map { op -> String in
                let nodes = ops[op]!
                let shown = nodes.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
                let more = nodes.count > 5 ? " and \(nodes.count - 5) more" : ""
                return "\(op) (\(nodes.count) node\(nodes.count == 1 ? "" : "s"): \(shown)\(more))"
            }
            return "the model uses \(ops.count) operator\(ops.count == 1 ? "" : "s") that qscope does not support: "
                + list.joined(separator: "; ") + "."
        case let .nodeFailed(node, op, reason):
            return "node '\(node)' (\(op)) failed: \(reason)" + (reason.hasSuffix(".") ? "" : ".")
        case let .badInput(name, reason):
            return "input '\(name)': \(reason)" + (reason.hasSuffix(".") ? "" : ".")
        case let .tooLarge(what, shape):
            let elements = shape.reduce(1.0) { $0 * Double(max($1, 0)) }
            let gib = elements * 4 / 1_073_741_824
            return "\(what) would have shape \(shape) (\(String(format: "%.3g", elements)) elements, about "
                + "\(String(format: "%.3g", gib)) GiB); refusing to allocate it. Check the input shape and any --shape flags."
        case let .usage(message):
            return message
        }
    }
}

/// An error raised inside an operator; the executor wraps it with the node's name and op type.
public struct OpError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
