import XCTest
@testable import TUI

/// Key sequences driven through `update` without a terminal.
final class UpdateTests: XCTestCase {
    func testArrowsAndVimKeysMoveAndClamp() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.down, .char("j"), .down])
        XCTAssertEqual(s.selected, 3)
        _ = TUIFixtures.press(&s, [.up, .char("k")])
        XCTAssertEqual(s.selected, 1)
        _ = TUIFixtures.press(&s, [.up, .up, .up])
        XCTAssertEqual(s.selected, 0, "stops at the top")
        _ = TUIFixtures.press(&s, [.char("G")])
        XCTAssertEqual(s.selected, 7)
        _ = TUIFixtures.press(&s, [.down])
        XCTAssertEqual(s.selected, 7, "stops at the bottom")
        _ = TUIFixtures.press(&s, [.char("g")])
        XCTAssertEqual(s.selected, 0)
    }

    func testPagingScrollsAndKeepsCursorVisible() throws {
        var s = try bigState(count: 2000)
        let rows = Layout(width: 80, height: 24).listRows
        _ = TUIFixtures.press(&s, [.pageDown])
        XCTAssertEqual(s.cursor, rows)
        XCTAssertTrue(s.cursor >= s.scroll && s.cursor < s.scroll + rows)
        _ = TUIFixtures.press(&s, [.char("G")])
        XCTAssertEqual(s.cursor, 1999)
        XCTAssertEqual(s.scroll, 2000 - rows)
        _ = TUIFixtures.press(&s, [.pageUp])
        XCTAssertEqual(s.cursor, 1999 - rows)
        XCTAssertTrue(s.cursor >= s.scroll && s.cursor < s.scroll + rows)
        // A render touches only the visible rows and shows the cursor row.
        let grid = render(s)
        XCTAssertTrue(grid.text.contains("layer_\(1999 - rows)"))
    }

    func testFollowConsumerAndBack() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.down])                  // relu1, read by conv2 and the add
        _ = TUIFixtures.press(&s, [.enter])
        XCTAssertEqual(s.selectedLayer?.name, "conv2")
        XCTAssertEqual(s.message, "consumer 1 of 2; o picks another")
        _ = TUIFixtures.press(&s, [.right])
        XCTAssertEqual(s.selectedLayer?.op, "Add")
        XCTAssertEqual(s.history, [1, 2])
        _ = TUIFixtures.press(&s, [.left])
        XCTAssertEqual(s.selectedLayer?.name, "conv2")
        _ = TUIFixtures.press(&s, [.left])
        XCTAssertEqual(s.selectedLayer?.name, "relu1")
        _ = TUIFixtures.press(&s, [.left])
        XCTAssertEqual(s.selectedLayer?.name, "relu1", "nothing left to go back to")
        XCTAssertNotNil(s.message)
    }

    func testFollowFromGraphOutputSaysSo() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("G"), .enter])
        XCTAssertEqual(s.selectedLayer?.name, "softmax")
        XCTAssertEqual(s.message, "softmax has no consumer (a graph output)")
    }

    func testPickProducerAndConsumer() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.down, .char("o")])
        XCTAssertEqual(s.prompt, .pick(producers: false, choices: [2, 3], cursor: 0))
        _ = TUIFixtures.press(&s, [.down, .enter])
        XCTAssertNil(s.prompt)
        XCTAssertEqual(s.selected, 3)
        _ = TUIFixtures.press(&s, [.char("i")])                 // the add reads relu1 and conv2
        XCTAssertEqual(s.prompt, .pick(producers: true, choices: [1, 2], cursor: 0))
        _ = TUIFixtures.press(&s, [.char("2")])
        XCTAssertEqual(s.selected, 2)
        _ = TUIFixtures.press(&s, [.char("i")])                 // conv2 has one producer: go straight there
        XCTAssertEqual(s.selected, 1)
        _ = TUIFixtures.press(&s, [.char("o"), .escape])
        XCTAssertNil(s.prompt)
        XCTAssertEqual(s.selected, 1, "Esc leaves the selection")
    }

    func testIncrementalSearchEnterAndEsc() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("/")] + TUIFixtures.type("gemm"))
        XCTAssertEqual(s.selectedLayer?.name, "fc", "matches op types, case-insensitively, while typing")
        _ = TUIFixtures.press(&s, [.enter])
        XCTAssertNil(s.prompt)
        XCTAssertEqual(s.lastSearch, "gemm")
        XCTAssertEqual(s.history, [0])
        _ = TUIFixtures.press(&s, [.char("/")] + TUIFixtures.type("relu") + [.escape])
        XCTAssertEqual(s.selectedLayer?.name, "fc", "Esc returns to where the search started")
        _ = TUIFixtures.press(&s, [.char("/")] + TUIFixtures.type("poolx") + [.backspace])
        XCTAssertEqual(s.prompt, .search(text: "pool", origin: 6))
        XCTAssertEqual(s.selectedLayer?.name, "pool")
        _ = TUIFixtures.press(&s, [.char("q")])
        XCTAssertEqual(s.prompt, .search(text: "poolq", origin: 6), "q types into the prompt, it does not quit")
    }

    func testNextAndPreviousSuspiciousWrap() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("n")])
        XCTAssertEqual(s.selected, 2)
        _ = TUIFixtures.press(&s, [.char("n"), .char("n"), .char("n"), .char("n"), .char("n")])
        XCTAssertEqual(s.selected, 7)
        _ = TUIFixtures.press(&s, [.char("n")])
        XCTAssertEqual(s.selected, 2, "wraps around")
        _ = TUIFixtures.press(&s, [.char("N")])
        XCTAssertEqual(s.selected, 7)
        var clean = try TUIFixtures.state(metrics: false)
        _ = TUIFixtures.press(&clean, [.char("n")])
        XCTAssertEqual(clean.selected, 0)
        XCTAssertEqual(clean.message, "no suspicious layer for float vs quantized")
    }

    func testSortByCosineKeepsSelection() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.down, .down])                 // conv2
        _ = TUIFixtures.press(&s, [.char("s")])
        XCTAssertEqual(s.order, [6, 7, 2, 3, 4, 5, 1, 0])
        XCTAssertEqual(s.selectedLayer?.name, "conv2")
        _ = TUIFixtures.press(&s, [.char("s")])
        XCTAssertEqual(s.order, Array(0..<8))
        XCTAssertEqual(s.selectedLayer?.name, "conv2")
    }

    func testFilterSuspiciousAndFollowingIntoHiddenLayer() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("f")])
        XCTAssertEqual(s.order, [2, 3, 4, 5, 6, 7])
        XCTAssertEqual(s.selected, 2, "the hidden selection moves to the next shown layer")
        _ = TUIFixtures.press(&s, [.char("i")])                   // conv2's producer relu1 is hidden
        XCTAssertFalse(s.filterSuspicious, "following into a hidden layer turns the filter off")
        XCTAssertEqual(s.selectedLayer?.name, "relu1")
    }

    func testPairSwitchChangesCosineAndSuspicion() throws {
        var s = try TUIFixtures.state()
        XCTAssertTrue(s.isSuspicious(2))
        _ = TUIFixtures.press(&s, [.char("1")])
        XCTAssertEqual(s.pair, StagePair(.float, .optimized))
        XCTAssertFalse(s.isSuspicious(2))
        XCTAssertTrue(render(s).text.contains("pair 1: float ↔ optimized"))
        _ = TUIFixtures.press(&s, [.char("f")])
        XCTAssertTrue(s.order.isEmpty)
        XCTAssertTrue(render(s).text.contains("no suspicious layer (f shows all)"))
        _ = TUIFixtures.press(&s, [.char("4")])
        XCTAssertEqual(s.pairIndex, 3)
        _ = TUIFixtures.press(&s, [.char("9")])
        XCTAssertEqual(s.pairIndex, 3, "unbound keys change nothing")
    }

    func testTabSwitchesPaneAndArrowsScrollDetail() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.tab, .down, .down])
        XCTAssertEqual(s.focus, .detail)
        XCTAssertEqual(s.selected, 0)
        XCTAssertEqual(s.detailScroll, 2)
        _ = TUIFixtures.press(&s, [.tab, .down])
        XCTAssertEqual(s.selected, 1)
        XCTAssertEqual(s.detailScroll, 0, "a new layer's detail starts at the top")
    }

    func testCalibrationCycleRequestsRecomputeAndMarksStages() throws {
        var s = try TUIFixtures.state()
        XCTAssertEqual(s.session.calibration, .kl)
        var methods: [CalibrationMethod] = []
        for _ in 0..<5 {
            let effects = TUIFixtures.press(&s, [.char("c")])
            guard case .recompute(let r)? = effects.first else { return XCTFail("no recompute in \(effects)") }
            methods.append(r.method)
        }
        XCTAssertEqual(methods, [.percentile, .mse, .auto, .max, .kl])
        XCTAssertEqual(s.stages[.quantized], .computing(progress: 0, note: "queued"))
        let effects = TUIFixtures.press(&s, [.char("p")])
        XCTAssertEqual(effects.first, .recompute(RecomputeRequest(method: .kl, perChannel: false, cpuFallback: [])))
    }

    func testMarkForCPUFallback() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("G"), .up])
        let effects = TUIFixtures.press(&s, [.char("x")])
        XCTAssertEqual(s.cpuFallback, [6])
        XCTAssertEqual(effects.first, .recompute(RecomputeRequest(method: .kl, perChannel: true, cpuFallback: [6])))
        XCTAssertTrue(render(s).rowText(11).contains("CPU*"))
        _ = TUIFixtures.press(&s, [.char("x")])
        XCTAssertEqual(s.cpuFallback, [])
    }

    func testEscCancelsComputation() throws {
        var s = try TUIFixtures.state()                             // hybrid is computing
        let effects = TUIFixtures.press(&s, [.escape])
        XCTAssertEqual(effects, [.cancelJobs, .redraw])
        XCTAssertEqual(s.stages[.hybrid], .cancelled)
        XCTAssertEqual(s.stages[.quantized], .ready, "finished stages stay as they are")
        let header = render(s).rowText(2)
        XCTAssertTrue(header.contains("hybrid · cancelled"), header)
        XCTAssertFalse(header.contains("failed"), header)
        XCTAssertEqual(TUIFixtures.press(&s, [.escape]), [.redraw], "nothing left to cancel")
    }

    func testExportPromptDefaultsConfirmAndCancel() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("e")])
        XCTAssertEqual(s.prompt, .export(format: .csv, path: "tiny-report.csv"))
        _ = TUIFixtures.press(&s, [.tab, .tab])
        XCTAssertEqual(s.prompt, .export(format: .html, path: "tiny-report.html"), "the extension follows the format")
        _ = TUIFixtures.press(&s, [.escape])
        XCTAssertNil(s.prompt)
        XCTAssertEqual(s.message, "export cancelled")

        _ = TUIFixtures.press(&s, [.char("e")] + Array(repeating: .backspace, count: 4) + TUIFixtures.type(".txt") + [.enter])
        XCTAssertEqual(s.prompt, .confirmExport(format: .csv, path: "tiny-report.txt"))
        XCTAssertEqual(TUIFixtures.press(&s, [.char("n")]), [.redraw])
        XCTAssertNil(s.prompt)

        _ = TUIFixtures.press(&s, [.char("e"), .enter])
        let effects = TUIFixtures.press(&s, [.char("y")])
        XCTAssertEqual(effects.first, .export(format: .csv, path: "tiny-report.csv"))
    }

    func testHelpOpensScrollsAndCloses() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.char("?"), .down, .down])
        XCTAssertTrue(s.showHelp)
        XCTAssertEqual(s.helpScroll, 2)
        XCTAssertEqual(s.selected, 0, "keys scroll the help, not the list")
        _ = TUIFixtures.press(&s, [.char("q")])
        XCTAssertFalse(s.showHelp, "q closes the help first")
        XCTAssertEqual(TUIFixtures.press(&s, [.char("q")]), [.quit])
    }

    func testThemeCycles() throws {
        var s = try TUIFixtures.state()
        s.themeCount = 3
        _ = TUIFixtures.press(&s, [.char("t"), .char("t"), .char("t"), .char("t")])
        XCTAssertEqual(s.themeIndex, 1)
    }

    func testResizeToTooSmallAndBack() throws {
        var s = try TUIFixtures.state()
        _ = s.apply(.resize(width: 59, height: 30))
        XCTAssertTrue(render(s).text.contains("terminal too small"))
        _ = s.apply(.resize(width: 100, height: 14))
        XCTAssertTrue(render(s).text.contains("need 60x15, have 100x14"))
        _ = s.apply(.resize(width: 60, height: 15))
        XCTAssertFalse(render(s).text.contains("too small"))
        XCTAssertEqual(TUIFixtures.press(&s, [.char("q")]), [.quit])
    }

    func testResizeKeepsCursorOnScreen() throws {
        var s = try bigState(count: 300)
        _ = TUIFixtures.press(&s, [.char("G")])
        _ = s.apply(.resize(width: 120, height: 40))
        let rows = Layout(width: 120, height: 40).listRows
        XCTAssertTrue(s.cursor >= s.scroll && s.cursor < s.scroll + rows)
        _ = s.apply(.resize(width: 60, height: 15))
        let small = Layout(width: 60, height: 15).listRows
        XCTAssertTrue(s.cursor >= s.scroll && s.cursor < s.scroll + small)
    }

    func testMouseSelectsRowsAndScrolls() throws {
        var s = try bigState(count: 100)
        let list = Layout(width: 80, height: 24).list
        _ = s.apply(.mouse(.press(x: 10, y: list.y + 3)))
        XCTAssertEqual(s.cursor, 2)
        _ = s.apply(.mouse(.wheelDown(x: 10, y: list.y + 3)))
        XCTAssertEqual(s.scroll, 3)
        XCTAssertEqual(s.cursor, 3, "the selection follows the view")
        _ = s.apply(.mouse(.press(x: 10, y: Layout(width: 80, height: 24).detail.y + 1)))
        XCTAssertEqual(s.focus, .detail)
    }

    func testBackgroundResultsKeepSelectionAndScroll() throws {
        var s = try TUIFixtures.state(metrics: false)
        _ = TUIFixtures.press(&s, [.down, .down, .down])
        let before = (s.selected, s.scroll)
        _ = s.apply(.layersUpdated(try TUIFixtures.layersWithMetrics()))
        _ = s.apply(.stage(.quantized, .ready))
        XCTAssertEqual(s.selected, before.0)
        XCTAssertEqual(s.scroll, before.1)
        XCTAssertEqual(s.selectedLayer?.cosine(s.pair), 0.9731)
        _ = s.apply(.stage(.hybrid, .failed(reason: "boom")))
        XCTAssertEqual(s.message, "hybrid failed: boom")
        XCTAssertTrue(s.messageIsError)
    }

    func testFooterAndHelpComeFromTheKeyTable() throws {
        let s = try TUIFixtures.state(width: 200, height: 40)
        let footer = render(s).rowText(39)
        for binding in KeyBindings.all {
            if let hint = binding.hint { XCTAssertTrue(footer.contains("\(binding.label) \(hint)"), "footer lacks \(hint)") }
        }
        let help = HelpView.lines(glyphs: .unicode, unicode: true).map { $0.pieces.map(\.text).joined() }
        for binding in KeyBindings.all {
            XCTAssertTrue(help.contains { $0.contains(binding.description) }, "help lacks \(binding.description)")
        }
        XCTAssertTrue(help.contains { $0.contains("cosine") && $0.contains("a·b") })
    }

    func testEveryKeyHasOneAction() {
        var seen: [Key: String] = [:]
        for b in KeyBindings.all {
            for k in b.keys {
                XCTAssertNil(seen[k], "\(k) bound twice: \(seen[k] ?? "") and \(b.description)")
                seen[k] = b.description
            }
        }
    }

    // MARK: - Helpers

    func bigState(count: Int) throws -> AppState {
        let layers = (0..<count).map { i in
            LayerInfo(index: i, name: "layer_\(i)", op: i % 2 == 0 ? "Conv" : "Relu", outputShape: "1x8x8x8",
                      producers: i > 0 ? [i - 1] : [nil], consumers: i + 1 < count ? [i + 1] : [])
        }
        var s = AppState(session: TUIFixtures.session(), layers: layers)
        _ = s.apply(.resize(width: 80, height: 24))
        return s
    }
}

final class ScrollLimitTests: XCTestCase {
    func testDetailAndHelpScrollStopAtTheirEnd() throws {
        var s = try TUIFixtures.state()
        _ = TUIFixtures.press(&s, [.tab] + Array(repeating: .pageDown, count: 50))
        let atEnd = s.detailScroll
        XCTAssertGreaterThan(atEnd, 0)
        _ = TUIFixtures.press(&s, [.up])
        XCTAssertEqual(s.detailScroll, atEnd - 1, "scrolling back answers at once")
        _ = TUIFixtures.press(&s, [.tab, .char("?"), .char("G")])
        let helpEnd = s.helpScroll
        XCTAssertGreaterThan(helpEnd, 0)
        _ = TUIFixtures.press(&s, [.down])
        XCTAssertEqual(s.helpScroll, helpEnd)
        XCTAssertTrue(render(s).text.contains("isolated"), "the end of the help shows the last definitions")
    }
}

/// The detail pane says why a layer runs where it does.
final class PlacementNoteTests: XCTestCase {
    func testDetailPaneShowsTheCPUReason() throws {
        var s = try TUIFixtures.state(width: 120, height: 40)
        let reason = "operator Softmax is not supported by target 'generic-npu'"
        s.layers[7].placementNote = reason
        _ = TUIFixtures.press(&s, [.char("G"), .tab])
        XCTAssertEqual(s.selected, 7)
        let text = render(s).text
        XCTAssertTrue(text.contains("runs on CPU"), text)
        let flat = text.split(separator: "\n").map { $0.split(separator: "│").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
            .joined(separator: " ")
        XCTAssertTrue(flat.contains(reason), "the reason, wrapped in the pane: \(text)")
        XCTAssertEqual(DetailPaneView.wrap("aa bb cc", width: 5), ["aa bb", "cc"])
        XCTAssertEqual(DetailPaneView.wrap("abcdefgh x", width: 4), ["abcdefgh", "x"])
        _ = TUIFixtures.press(&s, [.char("g")])
        XCTAssertFalse(render(s).text.contains(reason), "another layer's pane does not show it")
    }
}
