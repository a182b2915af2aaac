import Foundation

/// What an int8 accelerator can run: its operators, the attribute limits of each, and nodes forced to the CPU.
/// Loaded from a JSON file (`--target FILE`, format in `targets/README.md`); `TargetDescription.default` is the
/// bundled `targets/generic-npu.json`.
public struct TargetDescription: Equatable, Sendable {
    /// Limits on one operator's attributes; nil means unlimited.
    public struct OperatorLimits: Equatable, Sendable {
        /// Largest kernel extent in any spatial dimension.
        public var kernelMax: Int?
        /// Largest stride in any spatial dimension.
        public var strideMax: Int?
        /// Largest dilation in any spatial dimension.
        public var dilationMax: Int?
        /// Convolution group kinds supported: "regular" (group 1), "depthwise" (one input channel per group),
        /// "grouped" (anything else).
        public var groups: Set<String>?
        /// Resize modes supported ("nearest", "linear", "cubic").
        public var modes: Set<String>?
        /// How the accelerator computes it: "native" or "lut" (a 256-entry lookup table).
        public var via: String

        public init(kernelMax: Int? = nil, strideMax: Int? = nil, dilationMax: Int? = nil,
                    groups: Set<String>? = nil, modes: Set<String>? = nil, via: String = "native") {
            self.kernelMax = kernelMax
            self.strideMax = strideMax
            self.dilationMax = dilationMax
            self.groups = groups
            self.modes = modes
            self.via = via
        }
    }

    public var name: String
    public var description: String
    /// How requantization rounds ties.
    public var rounding: IntegerRounding
    /// Node names always placed on the CPU.
    public var runOnCPU: Set<String>
    /// Supported operators (default ONNX domain) and their limits.
    public var operators: [String: OperatorLimits]

    public init(name: String, description: String = "", rounding: IntegerRounding = .halfAwayFromZero,
                runOnCPU: Set<String> = [], operators: [String: OperatorLimits]) {
        self.name = name
        self.description = description
        self.rounding = rounding
        self.runOnCPU = runOnCPU
        self.operators = operators
    }

    /// The bundled generic NPU profile.
    public static let `default`: TargetDescription = {
        // The embedded copy is checked by a test; failing here would be a build defect, not a user error.
        guard let t = try? TargetDescription(json: Data(DefaultTarget.json.utf8), source: DefaultTarget.fileName) else {
            preconditionFailure("the embedded default target does not parse")
        }
        return t
    }()

    /// Loads a target file. Errors name the file and the offending key.
    public static func load(path: String) throws -> TargetDescription {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw QScopeError.fileUnreadable(path: path, reason: "\(error.localizedDescription)")
        }
        return try TargetDescription(json: data, source: path)
    }

    private static let topKeys: Set<String> = ["name", "description", "rounding", "run_on_cpu", "operators"]
    private static let limitKeys: Set<String> = ["kernel_max", "stride_max", "dilation_max", "groups", "modes", "via"]

    /// Parses a target description; `source` names the file in errors.
    public init(json: Data, source: String) throws {
        func bad(_ reason: String) -> QScopeError { .invalidFile(path: source, reason: reason) }
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw bad("it is not valid JSON (\(error.localizedDescription))")
        }
        guard let top = root as? [String: Any] else { throw bad("the top level must be a JSON object") }
        for key in top.keys.sorted() where !Self.topKeys.contains(key) {
            throw bad("unknown key '\(key)' (expected one of \(Self.topKeys.sorted().joined(separator: ", ")))")
        }
        guard let name = top["name"] as? String, !name.isEmpty else { throw bad("key 'name' must be a non-empty string") }
        let description = try top["description"].map { v -> String in
            guard let s = v as? String else { throw bad("key 'description' must be a string") }
            return s
        } ?? ""
        var rounding = IntegerRounding.halfAwayFromZero
        if let r = top["rounding"] {
            guard let s = r as? String, let mode = IntegerRounding(rawValue: s) else {
                throw bad("key 'rounding' must be \"half_away_from_zero\" or \"half_to_even\", got \(r)")
            }
            rounding = mode
        }
        var cpu: Set<String> = []
        if let list = top["run_on_cpu"] {
            guard let names = list as? [String] else { throw bad("key 'run_on_cpu' must be a list of node names") }
            cpu = Set(names)
        }
        guard let ops = top["operators"] as? [String: Any] else {
            throw bad("key 'operators' must be an object mapping ONNX operator names to their limits")
        }
        let unknownOps = ops.keys.sorted().filter { OperatorRegistry.table[$0] == nil }
        if !unknownOps.isEmpty {
            let known = OperatorRegistry.table.keys.sorted()
            let described = unknownOps.map { op -> String in
                let near = known.min { editDistance(op, $0) < editDistance(op, $1) }
                let obvious = near.map { editDistance(op.lowercased(), $0.lowercased()) <= max(1, op.count / 4) } ?? false
                return "'operators.\(op)'" + (obvious ? " (did you mean '\(near!)'?)" : "")
            }
            throw bad("unknown operator\(unknownOps.count == 1 ? "" : "s") " + described.joined(separator: ", ")
                + ": the keys of 'operators' must be ONNX operators (default domain) that qscope runs, spelled as "
                + "in ONNX, e.g. Conv, MaxPool, HardSwish")
        }
        var operators: [String: OperatorLimits] = [:]
        for (op, value) in ops.sorted(by: { $0.key < $1.key }) {
            let at = "operators.\(op)"
            guard let dict = value as? [String: Any] else { throw bad("key '\(at)' must be an object (use {} for no limits)") }
            for key in dict.keys.sorted() where !Self.limitKeys.contains(key) {
                throw bad("unknown key '\(at).\(key)' (expected one of \(Self.limitKeys.sorted().joined(separator: ", ")))")
            }
            func positive(_ key: String) throws -> Int? {
                guard let v = dict[key] else { return nil }
                guard let n = v as? Int, !(v is Bool), n >= 1 else { throw bad("key '\(at).\(key)' must be an integer >= 1, got \(v)") }
                return n
            }
            func names(_ key: String, allowed: Set<String>) throws -> Set<String>? {
                guard let v = dict[key] else { return nil }
                guard let list = v as? [String] else { throw bad("key '\(at).\(key)' must be a list of strings") }
                for s in list where !allowed.contains(s) {
                    throw bad("key '\(at).\(key)' has '\(s)'; allowed: \(allowed.sorted().joined(separator: ", "))")
                }
                return Set(list)
            }
            var limits = OperatorLimits(kernelMax: try positive("kernel_max"), strideMax: try positive("stride_max"),
                                        dilationMax: try positive("dilation_max"),
                                        groups: try names("groups", allowed: ["regular", "depthwise", "grouped"]),
                                        modes: try names("modes", allowed: ["nearest", "linear", "cubic"]))
            if let v = dict["via"] {
                guard let s = v as? String, s == "native" || s == "lut" else {
                    throw bad("key '\(at).via' must be \"native\" or \"lut\", got \(v)")
                }
                limits.via = s
            }
            operators[op] = limits
        }
        self.init(name: name, description: description, rounding: rounding, runOnCPU: cpu, operators: operators)
    }
}
