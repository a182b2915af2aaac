import Engine
import Foundation
import XCTest
@testable import TUI

/// A terminal that plays a script of events and records every frame.
final class FakeTerminal: TerminalIO {
    enum Step {
        case event(Event)
        /// Polls (returning no event) until the last frame satisfies the test.
        case waitFor(String, (Grid) -> Bool)
    }

    var steps: [Step]
    var frames: [Grid] = []
    var themes: [String] = []
    var timedOut: String?
    var restored = false
    let size: (width: Int, height: Int)
    let supportsUnicode = true
    private var polls = 0

    init(width: Int = 100, height: Int = 30, _ steps: [Step]) {
        self.size = (width, height)
        self.steps = steps
    }

    func draw(_ grid: Grid, theme: Theme) {
        frames.append(grid)
        themes.append(theme.name)
    }

    func nextEvent(timeoutMilliseconds: Int) -> Event? {
        guard let step = steps.first else { return .key(.char("q")) }
        switch step {
        case .event(let e):
            steps.removeFirst()
            return e
        case .waitFor(let what, let test):
            if let last = frames.last, test(last) { steps.removeFirst(); polls = 0; return nil }
            polls += 1
            if polls > 400 {                    // about 4 s: give up, record it and quit
                timedOut = what
                steps = []
                return .key(.char("q"))
            }
            usleep(10_000)
            return nil
        }
    }

    func restore() { restored = true }
}

final class AppLoopTests: XCTestCase {
    func run(_ terminal: FakeTerminal, hooks: TUIHooks, metrics: Bool = false) throws -> AppState {
        let state = try TUIFixtures.state(metrics: metrics)
        let final = TUIApp.run(state: state, themes: ThemeSet(themes: ThemeSet.builtIn), hooks: hooks,
                               terminal: terminal, pollMilliseconds: 1)
        XCTAssertNil(terminal.timedOut, "timed out waiting for \(terminal.timedOut ?? "")")
        return final
    }

    func testRecomputeRunsInBackgroundAndResultsArrive() throws {
        let seen = Locked<[RecomputeRequest]>([])
        let hooks = TUIHooks(recompute: { request, context in
            seen.mutate { $0.append(request) }
            context.progress(.quantized, 0.5, "calibrating")
            return try TUIFixtures.layersWithMetrics()
        })
        let terminal = FakeTerminal([
            .event(.key(.down)),
            .event(.key(.char("c"))),
            .waitFor("metrics", { $0.text.contains("0.7420") }),
        ])
        let final = try run(terminal, hooks: hooks)
        XCTAssertEqual(seen.value, [RecomputeRequest(method: .kl, perChannel: true, cpuFallback: [])])
        XCTAssertEqual(final.stages[.quantized], .ready)
        XCTAssertEqual(final.stages[.hybrid], .ready)
        XCTAssertEqual(final.selectedLayer?.name, "relu1", "selection kept across the recompute")
        XCTAssertTrue(terminal.frames.first!.text.contains("tiny.onnx"))
    }

    func testMissingHooksAreReportedNotFatal() throws {
        let terminal = FakeTerminal([
            .event(.key(.char("c"))),
            .waitFor("failure", { $0.text.contains("quantization is not available") }),
            .event(.key(.char("e"))), .event(.key(.enter)), .event(.key(.char("y"))),
            .waitFor("export message", { $0.text.contains("export is not available in this build") }),
        ])
        let final = try run(terminal, hooks: TUIHooks())
        XCTAssertEqual(final.stages[.quantized], .failed(reason: "quantization is not available in this build"))
    }

    func testEscCancelsAndDropsTheStaleResult() throws {
        let cancelled = Locked(false)
        let hooks = TUIHooks(recompute: { _, context in
            for i in 0..<400 {
                if context.isCancelled { cancelled.mutate { $0 = true } }
                try context.checkCancelled()
                context.progress(.quantized, Double(i) / 400, "step \(i)")
                usleep(10_000)
            }
            return try TUIFixtures.layersWithMetrics()
        })
        let terminal = FakeTerminal([
            .event(.key(.char("c"))),
            .waitFor("progress", { $0.text.contains("step") }),
            .event(.key(.escape)),
            .waitFor("cancelled stage", { $0.text.contains("cancelled") }),
        ])
        let final = try run(terminal, hooks: hooks)
        XCTAssertEqual(final.stages[.quantized], .cancelled)
        usleep(100_000)
        XCTAssertTrue(cancelled.value, "the job saw the cancellation")
        XCTAssertNil(final.layers[0].cosine(final.pair), "no result from the cancelled job")
    }

    func testExportHookGetsFormatPathAndLayers() throws {
        let got = Locked<(ExportFormat, String, Int)?>(nil)
        let hooks = TUIHooks(export: { format, path, layers, _ in
            got.mutate { $0 = (format, path, layers.count) }
            return "wrote \(path)"
        })
        let terminal = FakeTerminal([
            .event(.key(.char("e"))), .event(.key(.tab)), .event(.key(.enter)), .event(.key(.char("y"))),
            .waitFor("message", { $0.text.contains("wrote tiny-report.json") }),
        ])
        _ = try run(terminal, hooks: hooks)
        XCTAssertEqual(got.value?.0, .json)
        XCTAssertEqual(got.value?.1, "tiny-report.json")
        XCTAssertEqual(got.value?.2, 8)
    }

    func testFailingStartHookFailsTheStagesInsteadOfHanging() throws {
        let hooks = TUIHooks(start: { context in
            context.progress(.float, 0.1, "reading data")
            throw QScopeError.invalidFile(path: "/data/calib/broken.png",
                                          reason: "cannot decode the image (stb_image: unknown image type)")
        })
        let terminal = FakeTerminal([
            .waitFor("the failed float stage", { $0.rowText(2).contains("float ✗ failed") }),
            .event(.key(.char("c"))),
        ])
        let final = TUIApp.run(state: try StageFailureTests.opening(width: 100, height: 30),
                               themes: ThemeSet(themes: ThemeSet.builtIn), hooks: hooks, terminal: terminal,
                               pollMilliseconds: 1)
        XCTAssertNil(terminal.timedOut, "timed out waiting for \(terminal.timedOut ?? "")")
        let reason = "'/data/calib/broken.png' is not usable: cannot decode the image (stb_image: unknown image type)."
        XCTAssertEqual(final.stages[.float], .failed(reason: reason))
        XCTAssertEqual(final.stages[.quantized], .failed(reason: "needs the float stage"))
        let last = try XCTUnwrap(terminal.frames.last).text
        XCTAssertTrue(last.contains("nothing to recompute: the float stage failed: '/data/calib/broken.png'"), last)
    }

    func testThemeKeySwitchesTheDrawnTheme() throws {
        let terminal = FakeTerminal([.event(.key(.char("t"))), .event(.key(.char("t")))])
        _ = try run(terminal, hooks: TUIHooks())
        XCTAssertEqual(Array(terminal.themes.prefix(3)), ["dark", "light", "high-contrast"])
    }

    func testStartHookPostsEvents() throws {
        let hooks = TUIHooks(start: { context in
            context.post(.stage(.optimized, .computing(progress: 0.25, note: "folding")))
            context.post(.message("float model ready", isError: false))
        })
        let terminal = FakeTerminal([.waitFor("message", { $0.text.contains("float model ready") })])
        let final = try run(terminal, hooks: hooks)
        XCTAssertEqual(final.stages[.optimized], .computing(progress: 0.25, note: "folding"))
    }
}

/// A value shared with background jobs in tests.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.lock(); defer { lock.unlock() }; return stored }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&stored); lock.unlock() }
}
