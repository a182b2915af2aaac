import XCTest
@testable import TUI

/// Background work that fails or is cancelled before the float pass is done: the stages say so, `c`, `p` and
/// `x` explain why they cannot start, and the keys keep working.
final class StageFailureTests: XCTestCase {
    static let reason = "'/data/calib/broken.png' is not usable: cannot decode the image (stb_image: unknown image type)."

    /// The screen while the float pass runs, as `qscope open` starts it.
    static func opening(width: Int = 120, height: Int = 40) throws -> AppState {
        var s = try TUIFixtures.state(width: width, height: height, metrics: false)
        s.stages = [.float: .computing(progress: 0, note: "reading data"), .optimized: .pending,
                    .quantized: .pending, .hybrid: .pending]
        return s
    }

    static func text(_ s: AppState) -> String { render(s).text }

    func testFailedFloatPassFailsEveryStageAndShowsTheReason() throws {
        var s = try Self.opening()
        XCTAssertEqual(s.apply(.workFailed(Self.reason)), [.redraw])
        XCTAssertEqual(s.stages[.float], .failed(reason: Self.reason))
        for stage in [Stage.optimized, .quantized, .hybrid] {
            XCTAssertEqual(s.stages[stage], .failed(reason: "needs the float stage"), stage.label)
        }
        XCTAssertEqual(s.message, "float failed: " + Self.reason)
        XCTAssertTrue(s.messageIsError)
        let header = render(s).rowText(2)
        XCTAssertTrue(header.hasPrefix(" float ✗ failed: '/data/calib/broken.png' is"), header)
        XCTAssertFalse(header.contains("◐"), "nothing is shown as running: \(header)")
        // A key clears the status line; the detail pane keeps the whole reason, wrapped to its width.
        _ = TUIFixtures.press(&s, [.down])
        XCTAssertNil(s.message)
        let detail = DetailPaneView.lines(s, width: 40, glyphs: .unicode).map { $0.pieces.map(\.text).joined() }
        let failure = detail.drop { !$0.hasPrefix("float failed:") }.prefix { !$0.hasPrefix("quantized failed") }
        XCTAssertEqual(failure.joined(separator: " "), "float failed: " + Self.reason, detail.joined(separator: "\n"))
        XCTAssertTrue(detail.contains("quantized failed: needs the float stage"), detail.joined(separator: "\n"))
    }

    func testRecomputeKeysExplainAFailedFloatPass() throws {
        var s = try Self.opening()
        _ = s.apply(.workFailed(Self.reason))
        let stages = s.stages
        for key in ["c", "p", "x"] {
            XCTAssertEqual(TUIFixtures.press(&s, [.char(Character(key))]), [.redraw], key)
            XCTAssertEqual(s.message, "nothing to recompute: the float stage failed: " + Self.reason, key)
            XCTAssertTrue(s.messageIsError, key)
        }
        XCTAssertEqual(s.stages, stages, "no stage is queued for a recomputation that cannot run")
        XCTAssertEqual(s.session.calibration, .max, "the method is not changed")
        XCTAssertTrue(s.session.perChannel)
        XCTAssertEqual(s.cpuFallback, [])
        XCTAssertEqual(TUIFixtures.press(&s, [.char("q")]), [.quit])
    }

    func testRecomputeKeysWaitForTheFloatPass() throws {
        var s = try Self.opening()
        XCTAssertEqual(TUIFixtures.press(&s, [.char("c")]), [.redraw])
        XCTAssertEqual(s.message, "the float pass is still running: c, p and x work once it is ready")
        XCTAssertEqual(s.session.calibration, .max)
        XCTAssertEqual(s.stages[.quantized], .pending)
        _ = s.apply(.stage(.float, .ready))
        guard case .recompute(let request)? = TUIFixtures.press(&s, [.char("c")]).first else {
            return XCTFail("a recomputation once the float stage is ready")
        }
        XCTAssertEqual(request.method, .kl)
    }

    func testEscDuringTheFloatPassCancelsTheStagesWaitingForIt() throws {
        var s = try Self.opening()
        XCTAssertEqual(TUIFixtures.press(&s, [.escape]), [.cancelJobs, .redraw])
        for stage in Stage.allCases { XCTAssertEqual(s.stages[stage], .cancelled, stage.label) }
        let header = render(s).rowText(2)
        XCTAssertEqual(header.components(separatedBy: "cancelled").count - 1, 4, header)
        XCTAssertFalse(header.contains("failed"), header)
        _ = TUIFixtures.press(&s, [.char("c")])
        XCTAssertEqual(s.message, "nothing to recompute: the float pass was cancelled (open the model again to run it)")
    }

    func testFailedRecomputationFailsTheQuantizedStages() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("c")])
        _ = s.apply(.stage(.quantized, .computing(progress: 0.85, note: "quantizing (percentile)")))
        _ = s.apply(.workFailed("tensor 'c2' held 3 NaN values"))
        XCTAssertEqual(s.stages[.float], .ready)
        XCTAssertEqual(s.stages[.optimized], .ready)
        XCTAssertEqual(s.stages[.quantized], .failed(reason: "tensor 'c2' held 3 NaN values"))
        XCTAssertEqual(s.stages[.hybrid], .failed(reason: "needs the quantized stage"))
        XCTAssertEqual(s.message, "quantized failed: tensor 'c2' held 3 NaN values", "the cause, not a consequence")
    }

    func testFailureWithNothingUnderwayIsAMessage() throws {
        var s = try TUIFixtures.state()
        s.stages[.hybrid] = .ready
        let stages = s.stages
        _ = s.apply(.workFailed("disk full"))
        XCTAssertEqual(s.stages, stages)
        XCTAssertEqual(s.message, "disk full")
        XCTAssertTrue(s.messageIsError)
    }
}
