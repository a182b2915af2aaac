import Foundation
import XCTest
@testable import TUI

final class TOMLTests: XCTestCase {
    func testParsesTheSubset() throws {
        let doc = try TOMLDocument.parse("""
        # comment
        name = "dark \\"x\\" \\u00e9"   # trailing comment
        literal = 'C:\\path'

        [table]
        count = 1_000
        hex = 0xff
        ratio = -2.5
        on = true
        list = ["bold", 'dim', 3]
        """, file: "t.toml")
        XCTAssertEqual(doc.tables[""]?["name"]?.value, .string("dark \"x\" é"))
        XCTAssertEqual(doc.tables[""]?["literal"]?.value, .string("C:\\path"))
        XCTAssertEqual(doc.tables["table"]?["count"], TOMLEntry(value: .integer(1000), line: 6))
        XCTAssertEqual(doc.tables["table"]?["hex"]?.value, .integer(255))
        XCTAssertEqual(doc.tables["table"]?["ratio"]?.value, .float(-2.5))
        XCTAssertEqual(doc.tables["table"]?["on"]?.value, .bool(true))
        XCTAssertEqual(doc.tables["table"]?["list"]?.value, .array([.string("bold"), .string("dim"), .integer(3)]))
        XCTAssertEqual(doc.tableOrder.map(\.name), ["table"])
    }

    func testErrorsNameFileLineAndProblem() {
        let cases: [(String, Int, String)] = [
            ("a = 1\nb = \"open", 2, "string is not closed"),
            ("[x]\n[x]", 2, "table [x] is defined twice"),
            ("a = 1\na = 2", 2, "key 'a' is set twice"),
            ("\n\nfg 12", 3, "expected '=' after the key 'fg'"),
            ("[sel\n", 1, "expected ']'"),
            ("a = blue", 1, "'blue' is not a value"),
            ("a = 1 2", 1, "unexpected '2' after the value"),
            ("a = [1, 2", 1, "list is not closed"),
            ("= 3", 1, "expected 'key = value'"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try TOMLDocument.parse(text, file: "bad.toml"), text) { error in
                guard let e = error as? TOMLError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.line, line, text)
                XCTAssertTrue(e.message.contains(message), "\(e.message) should contain \(message)")
                XCTAssertTrue(e.description.hasPrefix("bad.toml:\(line): "), e.description)
            }
        }
    }
}

final class ThemeTests: XCTestCase {
    func testThemeFilesParseAndCoverEveryRole() throws {
        for name in ["dark", "light", "high-contrast"] {
            let path = repositoryRoot().appendingPathComponent("themes/\(name).toml").path
            let theme = try Theme.load(path: path)
            XCTAssertEqual(theme.name, name)
            XCTAssertEqual(Set(theme.styles.keys), Set(StyleRole.allCases), "\(name) misses roles")
        }
        XCTAssertEqual(ThemeSet.builtIn.map(\.name), ["dark", "light", "high-contrast"])
    }

    /// The binary embeds the theme files; recording mode regenerates the Swift file from them.
    func testBuiltInSourcesMatchThemeFiles() throws {
        let root = repositoryRoot()
        var swift = """
        // Generated from themes/*.toml so the binary works without the repository. A test keeps them equal:
        // after editing a theme file, run the tests with QSCOPE_RECORD_SNAPSHOTS=1 to regenerate this file.

        extension Theme {
            /// The built-in theme files by name, in the order `t` cycles them.
            public static let builtInSources: [(name: String, toml: String)] = [

        """
        for name in ["dark", "light", "high-contrast"] {
            let text = try String(contentsOf: root.appendingPathComponent("themes/\(name).toml"), encoding: .utf8)
            swift += "        (\"\(name)\", #\"\"\"\n" + text.trimmingCharacters(in: .newlines) + "\n\"\"\"#),\n"
            if ProcessInfo.processInfo.environment["QSCOPE_RECORD_SNAPSHOTS"] != "1" {
                let embedded = Theme.builtInSources.first { $0.name == name }?.toml
                XCTAssertEqual(embedded, text.trimmingCharacters(in: .newlines),
                               "themes/\(name).toml changed: re-run with QSCOPE_RECORD_SNAPSHOTS=1")
            }
        }
        swift += "    ]\n}\n"
        if ProcessInfo.processInfo.environment["QSCOPE_RECORD_SNAPSHOTS"] == "1" {
            try swift.write(to: root.appendingPathComponent("Sources/TUI/Theme/BuiltinThemes.swift"), atomically: true, encoding: .utf8)
        }
    }

    func testThemeErrorsPointAtTheLine() {
        let cases: [(String, Int, String)] = [
            ("name = \"x\"\n[selected]\nfg = 1", 2, "unknown role [selected]"),
            ("[normal]\nfg = 300", 2, "colour 300 is out of range"),
            ("[normal]\nfg = \"mauve\"", 2, "unknown colour \"mauve\""),
            ("[normal]\nattrs = [\"blink\"]", 2, "unknown attribute"),
            ("[normal]\ncolour = 3", 2, "unknown key 'colour'"),
            ("title = \"x\"", 1, "unknown key 'title'"),
            ("[normal]\nfg = true", 2, "not true/false"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try Theme.parse(text, file: "mine.toml")) { error in
                let e = error as? TOMLError
                XCTAssertEqual(e?.line, line, text)
                XCTAssertTrue(e?.message.contains(message) == true, "\(String(describing: e)) should contain \(message)")
            }
        }
    }

    func testMissingThemeFileIsAClearError() {
        XCTAssertThrowsError(try ThemeSet(userFile: "/nonexistent/mine.toml")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/mine.toml:0: cannot read the theme file (missing or unreadable)")
        }
    }

    func testUserThemeComesFirst() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-theme-\(getpid()).toml")
        try "name = \"mine\"\n[normal]\nfg = \"#ff0000\"\nbg = \"default\"\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let set = try ThemeSet(userFile: url.path)
        XCTAssertEqual(set.themes.map(\.name), ["mine", "dark", "light", "high-contrast"])
        XCTAssertEqual(set.theme(at: 0).style(.normal), RoleStyle(foreground: 196, background: nil))
        XCTAssertEqual(set.theme(at: 0).style(.warn), set.theme(at: 0).style(.normal), "missing roles look like normal")
        XCTAssertEqual(set.theme(at: 5).name, "dark", "indices wrap")
    }

    func testColourFallbacks() {
        XCTAssertEqual(TerminalColor.basic(196), 1)     // red
        XCTAssertEqual(TerminalColor.basic(46), 2)      // green
        XCTAssertEqual(TerminalColor.basic(21), 4)      // blue
        XCTAssertEqual(TerminalColor.basic(226), 3)     // yellow
        XCTAssertEqual(TerminalColor.basic(231), 7)     // white
        XCTAssertEqual(TerminalColor.basic(16), 0)      // black
        XCTAssertEqual(TerminalColor.basic(236), 0)     // dark grey
        XCTAssertEqual(TerminalColor.basic(252), 7)     // light grey
        XCTAssertEqual(TerminalColor.basic(9), 1)
        XCTAssertEqual(TerminalColor.index(red: 255, green: 0, blue: 0), 196)
        XCTAssertEqual(TerminalColor.index(red: 128, green: 128, blue: 128), 244)
    }

    func testMonochromeKeepsMeaning() {
        let dark = ThemeSet.builtIn[0]
        XCTAssertTrue(dark.monochrome(.selectedRow).reverse)
        XCTAssertNil(dark.monochrome(.fail).foreground)
        XCTAssertTrue(dark.monochrome(.fail).bold)
    }
}
