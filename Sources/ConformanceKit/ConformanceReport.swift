/// Collects test outcomes and renders the summary the `qscope-conformance` tool prints.
public struct ConformanceReport {
    public private(set) var results: [(name: String, outcome: TestOutcome)] = []

    public init() {}

    public mutating func add(_ name: String, _ outcome: TestOutcome) {
        results.append((name, outcome))
    }

    public var passed: Int { results.filter { $0.outcome == .passed }.count }
    public var failed: Int { results.filter { if case .failed = $0.outcome { true } else { false } }.count }
    /// Unsupported operators, unsupported element types and exclusions.
    public var skipped: Int { results.count - passed - failed }

    /// The exact last line of the tool's output.
    public var summaryLine: String {
        "conformance: \(passed) passed, \(failed) failed, \(skipped) skipped"
    }

    /// Failures with reasons, then the skipped groups, then the summary line.
    public func render(verbose: Bool) -> String {
        var lines: [String] = []
        let failures = results.compactMap { r -> (String, String)? in
            if case .failed(let why) = r.outcome { return (r.name, why) }
            return nil
        }
        if !failures.isEmpty {
            lines.append("FAILURES (\(failures.count)):")
            for (name, why) in failures { lines.append("  \(name): \(why)") }
        }
        if verbose {
            let passing = results.filter { $0.outcome == .passed }.map(\.name)
            if !passing.isEmpty {
                lines.append("PASSED (\(passing.count)):")
                lines.append(contentsOf: wrap(passing.map(Self.short), indent: "  "))
            }
        }

        // A test missing several operators is listed under each of them: the groups answer "what would
        // implementing this operator unlock".
        var byOperator: [String: [String]] = [:]
        var byDType: [String: [String]] = [:]
        var excluded: [(String, String)] = []
        for r in results {
            switch r.outcome {
            case .unsupportedOperators(let ops): for op in ops { byOperator[op, default: []].append(r.name) }
            case .unsupportedDType(let t): byDType["dtype \(t)", default: []].append(r.name)
            case .excluded(let why): excluded.append((r.name, why))
            default: break
            }
        }
        if !byOperator.isEmpty {
            let tests = results.filter { if case .unsupportedOperators = $0.outcome { true } else { false } }.count
            lines.append("SKIPPED, unsupported operator (\(tests) tests, \(byOperator.count) operators):")
            lines.append(contentsOf: groups(byOperator, verbose: verbose))
        }
        if !byDType.isEmpty {
            lines.append("SKIPPED, unsupported element type (\(byDType.values.map(\.count).reduce(0, +)) tests):")
            lines.append(contentsOf: groups(byDType, verbose: verbose))
        }
        if !excluded.isEmpty {
            lines.append("SKIPPED, listed in the exclusions file (\(excluded.count)):")
            for (name, why) in excluded { lines.append("  \(Self.short(name)): \(why)") }
        }
        lines.append(summaryLine)
        return lines.joined(separator: "\n")
    }

    /// Groups, largest first: `  Op -> count: name, name, ...` (names shortened; at most 8 unless verbose).
    private func groups(_ table: [String: [String]], verbose: Bool) -> [String] {
        table.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.map { key, names in
            let limit = verbose ? names.count : 8
            var shown = names.prefix(limit).map(Self.short).joined(separator: ", ")
            if names.count > limit { shown += ", ... \(names.count - limit) more" }
            return "  \(key) -> \(names.count): \(shown)"
        }
    }

    /// `test_conv_with_strides_padding` -> `conv_with_strides_padding`.
    static func short(_ name: String) -> String {
        name.hasPrefix("test_") ? String(name.dropFirst(5)) : name
    }

    private func wrap(_ words: [String], indent: String, width: Int = 110) -> [String] {
        var lines: [String] = []
        var line = indent
        for w in words {
            if line.count + w.count + 2 > width, line != indent {
                lines.append(line)
                line = indent
            }
            line += line == indent ? w : ", \(w)"
        }
        if line != indent { lines.append(line) }
        return lines
    }
}
