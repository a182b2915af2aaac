import Foundation
import XCTest
@testable import TUI

/// Compares a grid with `Snapshots/<name>.txt` next to this file: the text, then the style map (one role
/// code per cell, see `StyleRole.code`).
///
/// To re-record after an intended change, run the tests with `QSCOPE_RECORD_SNAPSHOTS=1`, e.g.
/// `QSCOPE_RECORD_SNAPSHOTS=1 swift test --filter TUITests`, then review the diff of the snapshot files.
/// A missing snapshot is written and the test fails once, so new snapshots are always looked at.
func assertSnapshot(_ grid: Grid, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let url = snapshotDirectory().appendingPathComponent(name + ".txt")
    let actual = grid.text + "\n--- styles ---\n" + grid.styleMap + "\n"
    let recording = ProcessInfo.processInfo.environment["QSCOPE_RECORD_SNAPSHOTS"] == "1"
    let existing = try? String(contentsOf: url, encoding: .utf8)
    if recording || existing == nil {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? actual.write(to: url, atomically: true, encoding: .utf8)
        if existing == nil && !recording { XCTFail("recorded new snapshot \(name); check it and run again", file: file, line: line) }
        return
    }
    if existing != actual {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = existing!.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDiff = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }
        let where_ = firstDiff.map { "line \($0.offset + 1):\n  expected: \($0.element.1)\n  actual:   \($0.element.0)" } ?? "line count differs"
        XCTFail("snapshot \(name) differs at \(where_)\n(re-record with QSCOPE_RECORD_SNAPSHOTS=1)", file: file, line: line)
    }
}

func snapshotDirectory() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Snapshots")
}

func repositoryRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
