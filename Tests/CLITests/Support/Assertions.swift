import Engine
import Foundation
import XCTest

extension CLI {
    /// Runs qscope and checks that it failed as every bad input must: exit code 2, one `qscope: error:`
    /// paragraph on stderr that mentions each of `mentions`, and no trap. Returns stderr.
    @discardableResult
    static func assertFails(_ args: [String], mentions: [String], file: StaticString = #filePath,
                            line: UInt = #line) throws -> String {
        let r = try run(args)
        XCTAssertEqual(r.code, 2, "exit code of \(args); stderr: \(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.stderr.components(separatedBy: "qscope: error: ").count, 2, "one error paragraph: \(r.stderr)",
                       file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "'\(m)' not in: \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr, file: file, line: line)
        return r.stderr
    }

    /// A one-node model `y = Relu(x)`; `dims` nil entries are dynamic (named `d0`, `d1`, ...).
    static func writeReluModel(_ dims: [Int?], to url: URL) throws {
        var input = ProtoBuilder.valueInfo("x", dims.map { $0 ?? 1 })
        if case .tensorType(var t)? = input.type.value {
            for (i, d) in dims.enumerated() where d == nil {
                t.shape.dim[i].dimParam = "d\(i)"
            }
            input.type.value = .tensorType(t)
        }
        let m = ProtoBuilder.model(nodes: [ProtoBuilder.node("Relu", ["x"], ["y"], name: "relu1")], inputs: [input],
                                   outputs: [ProtoBuilder.valueInfo("y", dims.map { $0 ?? 1 })])
        try ProtoBuilder.write(m, to: url)
    }
}
