import XCTest
@testable import TUI

/// What the detail pane says about where a layer runs when it has no placement.
final class DetailPaneTests: XCTestCase {
    func placeLine(_ s: AppState) -> String {
        let lines = DetailPaneView.lines(s, width: 100, glyphs: .ascii)
        return lines.map { $0.pieces.map(\.text).joined() }.first { $0.hasPrefix("runs on") } ?? ""
    }

    func testLayerWithoutPlacementSaysWhy() throws {
        var s = try TUIFixtures.state()
        let i = try XCTUnwrap(s.selected)
        s.layers[i].placement = nil
        // The fixture's hybrid stage is still computing.
        XCTAssertTrue(placeLine(s).contains("hybrid not built"), placeLine(s))
        s.stages[.hybrid] = .ready
        XCTAssertTrue(placeLine(s).contains("not a layer of the hybrid graph"), placeLine(s))
        s.layers[i].placement = .acc
        XCTAssertTrue(placeLine(s).hasPrefix("runs on ACC"), placeLine(s))
    }
}
