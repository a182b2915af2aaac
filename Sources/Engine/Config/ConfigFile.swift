import Foundation
import Yams

/// Reads the YAML configuration. Keys follow NPU converters' configs; they may sit at the top level or under
/// the sections `model_parameters`, `input_parameters` and `calibration_parameters`. An unknown key is an error
/// that names it and suggests the nearest valid one.
public enum ConfigFile {
    /// Every accepted key with a one-line description (the README's table is written from the same list).
    public static let keys: [(key: String, meaning: String)] = [
        ("input_type_train", "colour format the model was trained with: rgb, bgr, gray, yuv444, featuremap"),
        ("input_type_rt", "colour format fed at run time on the device (default: input_type_train)"),
        ("input_layout_train", "layout of the model input: NCHW or NHWC"),
        ("norm_type", "data_mean_and_scale, data_mean, data_scale or no_preprocess; out = (x - mean) * scale "
            + "(default: follows which of mean_value and scale_value are given)"),
        ("mean_value", "per-channel means, a list or a space-separated string"),
        ("scale_value", "per-channel scales, a list or a space-separated string"),
        ("resize", "short side (256) or exact size (\"224x224\" or [224, 224]) before the crop"),
        ("center_crop", "centre crop after the resize (224, \"224x224\" or [224, 224])"),
        ("input_shape", "shape for dynamic inputs: \"1x3x224x224\", or a map from input name to shape"),
        ("cal_data_dir", "directory of calibration samples (images, .npy or raw .bin; one subfolder per input)"),
        ("eval_data_dir", "directory of evaluation samples (default: the calibration samples)"),
        ("cal_samples", "use at most this many calibration samples"),
        ("eval_samples", "compare at most this many evaluation samples (default 8)"),
        ("calibration_type", "max, kl, percentile, mse or auto"),
        ("max_percentile", "percentile for calibration_type percentile (default 99.99)"),
        ("per_channel", "weights quantized per output channel (true, default) or per tensor (false)"),
        ("activation", "int8 (symmetric, default) or uint8 (asymmetric)"),
        ("run_on_cpu", "node names kept in float, a list or a ';'-separated string"),
        ("calibration_overrides", "map from node name to calibration method for that node's outputs"),
        ("target", "target description JSON for the hybrid stage (default: the built-in generic int8 NPU)"),
        ("fold_input_norm", "hybrid stage: feed image inputs as uint8 pixels, mean/scale folded into the first Conv (true, default)"),
        ("warn_threshold", "cosine below this marks a layer as a warning (default 0.99)"),
        ("fail_threshold", "cosine below this marks a layer as failed (default 0.8)"),
        ("drop_delta", "a drop point loses at least this much cosine against its inputs (default 0.01)"),
    ]
    static let sections: Set<String> = ["model_parameters", "input_parameters", "calibration_parameters"]

    /// Loads a config file; relative directories in it are resolved against the file's folder.
    public static func load(path: String) throws -> AnalysisConfig {
        let text = String(decoding: try FileIO.read(path), as: UTF8.self)
        let base = (path as NSString).deletingLastPathComponent
        return try parse(text, path: path, baseDirectory: base.isEmpty ? "." : base)
    }

    /// Parses YAML text. `flags` maps keys to the command-line flags they came from, to name those in errors.
    public static func parse(_ text: String, path: String = "config", baseDirectory: String = ".",
                             flags: [String: String] = [:]) throws -> AnalysisConfig {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch {
            throw QScopeError.invalidFile(path: path, reason: "it is not valid YAML (\(error))")
        }
        guard let top = root as? [String: Any] else {
            if root == nil { return AnalysisConfig() }
            throw QScopeError.invalidFile(path: path, reason: "the top level must be a mapping of keys to values")
        }
        var flat: [(String, Any)] = []
        for (k, v) in top.sorted(by: { $0.key < $1.key }) {
            if sections.contains(k) {
                guard let inner = v as? [String: Any] else {
                    throw QScopeError.invalidFile(path: path, reason: "section '\(k)' must be a mapping")
                }
                flat += inner.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            } else {
                flat.append((k, v))
            }
        }
        var c = AnalysisConfig()
        let reader = ValueReader(path: path, flags: flags)
        // input_type_rt defaults to input_type_train: the device is fed what the model was trained on.
        if !flat.contains(where: { $0.0 == "input_type_rt" }), let train = flat.first(where: { $0.0 == "input_type_train" }) {
            flat.append(("input_type_rt", train.1))
        }
        for (key, value) in flat {
            switch key {
            case "input_type_train":
                c.preprocess.inputTypeTrain = try InputColorType(parsing: reader.string(key, value), key: key)
                c.preprocessGiven = true
            case "input_type_rt":
                c.preprocess.inputTypeRuntime = try InputColorType(parsing: reader.string(key, value), key: key)
            case "input_layout_train": c.preprocess.layoutTrain = try InputLayout(parsing: reader.string(key, value), key: key)
            case "norm_type":
                c.preprocess.normType = try NormType(parsing: reader.string(key, value), key: key)
                c.preprocessGiven = true
                c.normTypeGiven = true
            case "mean_value": c.preprocess.mean = try reader.floats(key, value)
            case "scale_value": c.preprocess.scale = try reader.floats(key, value)
            case "resize":
                let d = try reader.size(key, value)
                c.preprocess.resize = d.count == 1 ? .shortSide(d[0]) : .exact(height: d[0], width: d[1])
            case "center_crop":
                let d = try reader.size(key, value)
                c.preprocess.centerCrop = (d[0], d.count == 1 ? d[0] : d[1])
            case "input_shape": c.inputShapes = try reader.shapes(key, value)
            case "cal_data_dir": c.calDataDir = resolve(try reader.string(key, value), base: baseDirectory)
            case "eval_data_dir": c.evalDataDir = resolve(try reader.string(key, value), base: baseDirectory)
            case "cal_samples": c.calSamples = try reader.positiveInt(key, value)
            case "eval_samples": c.evalSamples = try reader.positiveInt(key, value)
            case "calibration_type":
                c.quantization.method = try CalibrationMethodKind(parsing: reader.string(key, value))
            case "max_percentile":
                let p = try reader.number(key, value)
                guard p > 0, p <= 100 else { throw reader.wrong(key, "a percentile in (0, 100]", value) }
                c.quantization.percentile = p
            case "per_channel": c.quantization.perChannel = try reader.bool(key, value)
            case "activation":
                switch try reader.string(key, value).lowercased() {
                case "int8", "int8_symmetric", "symmetric": c.quantization.activationScheme = .int8Symmetric
                case "uint8", "uint8_asymmetric", "asymmetric": c.quantization.activationScheme = .uint8Asymmetric
                default: throw reader.wrong(key, "int8 (symmetric) or uint8 (asymmetric)", value)
                }
            case "run_on_cpu": c.quantization.floatNodes = Set(try reader.strings(key, value))
            case "calibration_overrides":
                guard let map = value as? [String: Any] else { throw reader.wrong(key, "a map from node name to method", value) }
                for (node, m) in map {
                    c.quantization.methodOverrides[node] = try CalibrationMethodKind(parsing: reader.string("\(key).\(node)", m))
                }
            case "target": c.targetPath = resolve(try reader.string(key, value), base: baseDirectory)
            case "fold_input_norm": c.foldInputNormalization = try reader.bool(key, value)
            case "warn_threshold": c.warnThreshold = try reader.number(key, value)
            case "fail_threshold": c.failThreshold = try reader.number(key, value)
            case "drop_delta": c.dropDelta = try reader.number(key, value)
            default:
                let valid = keys.map(\.key) + sections.sorted()
                let nearest = valid.min { editDistance(key, $0) < editDistance(key, $1) } ?? ""
                throw QScopeError.invalidFile(path: path, reason:
                    "unknown key '\(key)'; did you mean '\(nearest)'? See the README for every key")
            }
        }
        try settleNormType(&c, path: path, flags: flags)
        guard c.failThreshold <= c.warnThreshold else {
            throw QScopeError.invalidFile(path: path, reason:
                "fail_threshold \(c.failThreshold) must not be above warn_threshold \(c.warnThreshold)")
        }
        return c
    }

    /// Without norm_type, it follows mean_value and scale_value; with it, a value it ignores is an error.
    static func settleNormType(_ c: inout AnalysisConfig, path: String, flags: [String: String]) throws {
        let p = c.preprocess
        guard c.normTypeGiven else {
            c.preprocess.normType = NormType.implied(mean: p.mean, scale: p.scale)
            if c.preprocess.normType != .noPreprocess { c.preprocessGiven = true }
            return
        }
        let ignored = p.normType.ignoredKeys(mean: p.mean, scale: p.scale)
        guard !ignored.isEmpty else { return }
        let named = ignored.map { flags[$0] ?? $0 }.joined(separator: " and ")
        let normName = flags["norm_type"] ?? "norm_type"
        let implied = NormType.implied(mean: p.mean, scale: p.scale)
        let what = implied == .dataMeanAndScale ? (ignored.count == 2 ? "them" : "both") : "it"
        let reason = "\(normName) \(p.normType.rawValue) does not apply \(named), which "
            + "\(ignored.count == 1 ? "is" : "are") given; use \(normName) \(implied.rawValue) to apply \(what), "
            + "or leave \(named) out"
        if flags["norm_type"] != nil { throw QScopeError.usage(reason) }
        throw QScopeError.invalidFile(path: path, reason: reason)
    }

    static func resolve(_ p: String, base: String) -> String {
        p.hasPrefix("/") ? p : (base as NSString).appendingPathComponent(p)
    }
}
