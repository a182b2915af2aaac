import Engine
import XCTest
@testable import TUI

/// The header's facts before the data is read.
final class SessionInfoTests: XCTestCase {
    func testHeaderShowsTheInputShapeARunUses() throws {
        let model = TUIFixtures.model()                              // x: [N, 3, 8, 8]
        XCTAssertEqual(TUIApp.defaultSession(model).inputShape, "1x3x8x8", "a symbolic batch dimension is 1")
        XCTAssertEqual(TUIApp.defaultSession(model, shapes: ["x": [4, 3, 8, 8]]).inputShape, "4x3x8x8")
        XCTAssertEqual(TUIApp.defaultSession(model).modelName, "tiny.onnx")
        var named = model
        named.graph.inputs[0].dims = [.fixed(1), .fixed(3), .symbolic("height"), .symbolic("")]
        XCTAssertEqual(TUIApp.defaultSession(named).inputShape, "1x3xheightx?", "other unknown dimensions by name")
        XCTAssertTrue(render(try TUIFixtures.state(metrics: false)).rowText(0).contains("│ input 1x3x8x8 │"))
    }
}
