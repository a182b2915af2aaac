import XCTest
@testable import TUI

/// Whole screens as text and style maps, at the sizes people use.
final class SnapshotTests: XCTestCase {
    func testMetrics80x24() throws {
        let s = try TUIFixtures.state(width: 80, height: 24)
        assertSnapshot(render(s), named: "metrics-80x24")
    }

    func testMetrics120x40() throws {
        var s = try TUIFixtures.state(width: 120, height: 40)
        _ = TUIFixtures.press(&s, [.down, .down])
        assertSnapshot(render(s), named: "metrics-120x40")
    }

    func testHistogramAndChannelRanges120x40() throws {
        var s = try TUIFixtures.state(width: 120, height: 40)
        _ = TUIFixtures.press(&s, [.down, .tab, .pageDown])
        assertSnapshot(render(s), named: "detail-relu-120x40")
        var c = try TUIFixtures.state(width: 120, height: 40)
        _ = TUIFixtures.press(&c, [.tab, .pageDown])
        assertSnapshot(render(c), named: "detail-conv-120x40")
    }

    func testNoMetricsYet80x24() throws {
        let s = try TUIFixtures.state(width: 80, height: 24, metrics: false)
        assertSnapshot(render(s), named: "no-metrics-80x24")
    }

    func testASCIIFallback80x24() throws {
        var s = try TUIFixtures.state(width: 80, height: 24)
        s.unicode = false
        assertSnapshot(render(s), named: "ascii-80x24")
    }

    func testSortedAndFiltered80x24() throws {
        var s = try TUIFixtures.state(width: 80, height: 24)
        _ = TUIFixtures.press(&s, [.char("s"), .char("f")])
        assertSnapshot(render(s), named: "sorted-filtered-80x24")
    }

    func testHelp80x24() throws {
        var s = try TUIFixtures.state(width: 80, height: 24)
        _ = TUIFixtures.press(&s, [.char("?")])
        assertSnapshot(render(s), named: "help-80x24")
    }

    func testExportPrompt80x24() throws {
        var s = try TUIFixtures.state(width: 80, height: 24)
        _ = TUIFixtures.press(&s, [.char("e"), .tab])
        assertSnapshot(render(s), named: "export-prompt-80x24")
    }

    func testFailedStageAndPicker120x40() throws {
        var s = try TUIFixtures.state(width: 120, height: 40)
        _ = s.apply(.stage(.hybrid, .failed(reason: "operator Softmax has no integer kernel")))
        _ = TUIFixtures.press(&s, [.down, .char("o")])
        assertSnapshot(render(s), named: "failed-stage-picker-120x40")
    }

    func testTooSmall() throws {
        let s = try TUIFixtures.state(width: 50, height: 12)
        assertSnapshot(render(s), named: "too-small-50x12")
    }
}
