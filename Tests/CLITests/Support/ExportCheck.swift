import Engine
import Foundation
import XCTest

/// Runs an exported QDQ model in ONNX Runtime through `scripts/check_export.py` against the quantized stage's
/// outputs, as the export tests do.
enum ExportCheck {
    /// The repository's root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The venv's Python; skips the test when the venv is missing.
    static func python() throws -> URL {
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip(".venv is missing (make test creates it): ONNX Runtime export check skipped")
        }
        return URL(fileURLWithPath: python)
    }

    /// Writes `exported`, the input, each stage output and its quantization step (0: not quantized) into `dir`,
    /// and runs check_export.py there.
    static func run(_ exported: Model, input: Tensor, inputName: String, outputs: [String: Tensor],
                    steps: [String: Double], in dir: URL) throws -> CLIResult {
        let python = try python()
        let qPath = dir.appendingPathComponent("q.onnx").path, inputPath = dir.appendingPathComponent("input.pb").path
        try ModelWriter.write(exported, to: qPath)
        try TensorProtoCodec.encode(input, name: inputName).serializedData().write(to: URL(fileURLWithPath: inputPath))
        for (name, t) in outputs {
            // check_export.py reads DIR/<output name>.npy, and some names hold slashes.
            let npy = dir.appendingPathComponent("\(name).npy")
            try FileManager.default.createDirectory(at: npy.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Npy.write(t, to: npy.path)
        }
        try JSONSerialization.data(withJSONObject: steps).write(to: dir.appendingPathComponent("steps.json"))
        return try Subprocess.run(python, [root.appendingPathComponent("scripts/check_export.py").path, qPath, inputPath, dir.path],
                                  timeout: 300)
    }
}
