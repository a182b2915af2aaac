import Foundation
import XCTest

/// The README and docs/ describe the binary that is built: the commands they name exist, and the options
/// `analyze --help` lists are documented.
final class DocsConsistencyTests: XCTestCase {
    var root: URL { DemoAssets.packageRoot }

    func documents() throws -> [(name: String, text: String)] {
        let docs = root.appendingPathComponent("docs")
        let files = try FileManager.default.contentsOfDirectory(atPath: docs.path).filter { $0.hasSuffix(".md") }
        return try [("README.md", String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8))]
            + files.sorted().map { ("docs/\($0)", try String(contentsOf: docs.appendingPathComponent($0), encoding: .utf8)) }
    }

    /// The subcommands of `qscope --help`.
    func subcommands() throws -> Set<String> {
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.code, 0, help.stderr)
        let section = help.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        return Set(section.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) })
    }

    func testEveryQscopeCommandTheDocsNameExists() throws {
        var commands = try subcommands()
        commands.insert("bench-render")  // hidden from the help, documented under Benchmarks
        let pattern = try NSRegularExpression(pattern: "`qscope ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")
        for (name, text) in try documents() {
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let first = String(text[Range(m.range(at: 1), in: text)!])
                let second = Range(m.range(at: 2), in: text).map { String(text[$0]) }
                if first == "help" {
                    XCTAssertTrue(second.map(commands.contains) ?? true, "\(name) names `qscope help \(second ?? "")`, which does not exist")
                } else {
                    XCTAssertTrue(commands.contains(first), "\(name) names `qscope \(first)`, which is not a subcommand")
                }
            }
        }
    }

    func testAnalyzeHelpAndTheReadmeAgree() throws {
        let help = try CLI.run(["analyze", "--help"])
        XCTAssertEqual(help.code, 0, help.stderr)
        let readme = try documents()[0].text
        let option = try NSRegularExpression(pattern: "^\\s+(--[a-z][a-z-]*)", options: .anchorsMatchLines)
        let listed = option.matches(in: help.stdout, range: NSRange(help.stdout.startIndex..., in: help.stdout))
            .map { String(help.stdout[Range($0.range(at: 1), in: help.stdout)!]) }
        XCTAssertTrue(listed.contains("--all-methods"), help.stdout)
        for flag in listed where flag != "--help" {
            XCTAssertTrue(readme.contains("`\(flag)"), "analyze --help lists \(flag), which the README does not document")
        }
        // --method takes `all` in analyze, as the README's synopsis says.
        let method = help.stdout.components(separatedBy: "--method <method>").last?.components(separatedBy: "\n  --").first ?? ""
        XCTAssertTrue(method.contains("all"), "analyze --help: --method \(method)")
        XCTAssertTrue(readme.contains("[--method max|kl|percentile|mse|auto|all] [--all-methods]"))
    }
}
