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
}
