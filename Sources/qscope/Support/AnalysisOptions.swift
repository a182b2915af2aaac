import ArgumentParser
import Engine
import Foundation

/// The configuration flags shared by `analyze`, `export` and `open`. Each overrides the same-named key of the
/// YAML config file.
struct AnalysisOptions: ParsableArguments {
    @Option(help: "A YAML config file (keys as in NPU converters' configs; see the README).")
    var config: String?

    @Option(help: "Directory of calibration samples (cal_data_dir).")
    var calib: String?

    @Option(help: "Directory of evaluation samples (eval_data_dir; default: the calibration samples).")
    var eval: String?

    @Option(help: "Calibration method: max, kl, percentile, mse or auto (calibration_type); analyze also takes all (max, kl, percentile and mse).")
    var method: String?

    @Option(name: .customLong("max-percentile"), help: "Percentile for the percentile method (max_percentile).")
    var percentile: Double?

    @Option(name: .customLong("per-channel"), help: "Weights per output channel: true or false (per_channel).")
    var perChannel: Bool?

    @Option(help: "Activation scheme: int8 (symmetric) or uint8 (asymmetric) (activation).")
    var activation: String?

    @Option(name: .customLong("run-on-cpu"), help: ArgumentHelp("Keep this node in float (run_on_cpu); repeatable.", valueName: "NODE"))
    var runOnCPU: [String] = []

    @Option(name: .customLong("shape"), help: ArgumentHelp("Concrete shape of a dynamic input (input_shape).", valueName: "NAME=DIMS"))
    var shapes: [String] = []

    @Option(name: .customLong("input-type-train"), help: "rgb, bgr, gray, yuv444 or featuremap (input_type_train).")
    var inputTypeTrain: String?

    @Option(name: .customLong("input-type-rt"), help: "Colour format on the device (input_type_rt).")
    var inputTypeRuntime: String?

    @Option(name: .customLong("layout"), help: "NCHW or NHWC (input_layout_train).")
    var layout: String?

    @Option(name: .customLong("norm-type"), help: "data_mean_and_scale, data_mean, data_scale or no_preprocess (norm_type).")
    var normType: String?

    @Option(help: "Per-channel means, e.g. \"123.675 116.28 103.53\" (mean_value).")
    var mean: String?

    @Option(help: "Per-channel scales, e.g. \"0.0171 0.0175 0.0174\" (scale_value).")
    var scale: String?

    @Option(help: "Resize before the crop: short side (256) or HxW (resize).")
    var resize: String?

    @Option(name: .customLong("center-crop"), help: "Centre crop after the resize: N or HxW (center_crop).")
    var centerCrop: String?

    @Option(name: .customLong("cal-samples"), help: "Use at most this many calibration samples (cal_samples).")
    var calSamples: Int?

    @Option(name: .customLong("eval-samples"), help: "Compare at most this many evaluation samples (eval_samples, default 8).")
    var evalSamples: Int?

    @Option(help: ArgumentHelp("Target description JSON for the hybrid stage (target; default: generic int8 NPU).",
                               valueName: "FILE"))
    var target: String?

    @Option(name: .customLong("fold-input-norm"),
            help: "Hybrid stage: feed image inputs as uint8 pixels with mean/scale folded into the first Conv: true or false (fold_input_norm).")
    var foldInputNorm: Bool?

    /// The config file's values with every given flag applied on top, checked as the file's values are.
    func resolved() throws -> AnalysisConfig {
        var c = try config.map { try ConfigFile.load(path: $0) } ?? AnalysisConfig()
        var yaml: [String] = []
        var flagNames: [String: String] = [:]
        func put(_ key: String, _ flag: String, _ value: String?) {
            guard let value else { return }
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            yaml.append("\(key): \"\(escaped)\"")
            flagNames[key] = flag
        }
        put("input_type_train", "--input-type-train", inputTypeTrain)
        put("input_type_rt", "--input-type-rt", inputTypeRuntime)
        put("input_layout_train", "--layout", layout)
        put("norm_type", "--norm-type", normType)
        put("mean_value", "--mean", mean)
        put("scale_value", "--scale", scale)
        put("resize", "--resize", resize)
        put("center_crop", "--center-crop", centerCrop)
        put("calibration_type", "--method", method)
        put("activation", "--activation", activation)
        if !yaml.isEmpty {
            let flags = try ConfigFile.parse(yaml.joined(separator: "\n"), path: "command-line flags", flags: flagNames)
            if inputTypeTrain != nil { c.preprocess.inputTypeTrain = flags.preprocess.inputTypeTrain; c.preprocessGiven = true }
            if inputTypeRuntime != nil { c.preprocess.inputTypeRuntime = flags.preprocess.inputTypeRuntime }
            else if inputTypeTrain != nil { c.preprocess.inputTypeRuntime = flags.preprocess.inputTypeTrain }
            if layout != nil { c.preprocess.layoutTrain = flags.preprocess.layoutTrain }
            if normType != nil { c.preprocess.normType = flags.preprocess.normType; c.preprocessGiven = true }
            if mean != nil { c.preprocess.mean = flags.preprocess.mean }
            if scale != nil { c.preprocess.scale = flags.preprocess.scale }
            if resize != nil { c.preprocess.resize = flags.preprocess.resize }
            if centerCrop != nil { c.preprocess.centerCrop = flags.preprocess.centerCrop }
            if method != nil { c.quantization.method = flags.quantization.method }
            if activation != nil { c.quantization.activationScheme = flags.quantization.activationScheme }
            try settleNormType(&c)
        }
        if !shapes.isEmpty { c.inputShapes.merge(try shapeFlags(), uniquingKeysWith: { _, flag in flag }) }
        if let calib { c.calDataDir = calib }
        if let target { c.targetPath = target }
        if let eval { c.evalDataDir = eval }
        if let percentile {
            guard percentile > 0, percentile <= 100 else { throw QScopeError.usage("--max-percentile must be in (0, 100]") }
            c.quantization.percentile = percentile
        }
        if let perChannel { c.quantization.perChannel = perChannel }
        if let foldInputNorm { c.foldInputNormalization = foldInputNorm }
        c.quantization.floatNodes.formUnion(runOnCPU)
        if let calSamples {
            guard calSamples > 0 else { throw QScopeError.usage("--cal-samples must be positive") }
            c.calSamples = calSamples
        }
        if let evalSamples {
            guard evalSamples > 0 else { throw QScopeError.usage("--eval-samples must be positive") }
            c.evalSamples = evalSamples
        }
        return c
    }

    /// norm_type once the flags are applied: `--norm-type` wins (values of the config it does not apply are
    /// dropped); a norm_type of the config file that ignores `--mean` or `--scale` is an error; without any
    /// norm_type, it follows the mean and scale given (`NormType.implied`).
    private func settleNormType(_ c: inout AnalysisConfig) throws {
        let p = c.preprocess
        if normType != nil {
            c.normTypeGiven = true
            if !p.normType.usesMean && mean == nil { c.preprocess.mean = [] }
            if !p.normType.usesScale && scale == nil { c.preprocess.scale = [] }
            return
        }
        guard mean != nil || scale != nil else { return }
        guard c.normTypeGiven else {
            c.preprocess.normType = NormType.implied(mean: p.mean, scale: p.scale)
            if c.preprocess.normType != .noPreprocess { c.preprocessGiven = true }
            return
        }
        let ignored = (mean != nil && !p.normType.usesMean ? ["--mean"] : [])
            + (scale != nil && !p.normType.usesScale ? ["--scale"] : [])
        guard !ignored.isEmpty else { return }
        throw QScopeError.usage("\(ignored.joined(separator: " and ")) would be ignored: norm_type in '\(config ?? "the config")' "
            + "is \(p.normType.rawValue), which does not apply \(ignored.count == 1 ? "it" : "them"); add --norm-type "
            + "\(NormType.implied(mean: p.mean, scale: p.scale).rawValue)")
    }

    /// `--shape NAME=DIMS` (or `--shape DIMS` for a model with one input, stored under ""). The names and the
    /// shapes are checked against the model when the data is opened, as the `input_shape` key is.
    private func shapeFlags() throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for value in shapes {
            let eq = value.lastIndex(of: "=")
            let name = eq.map { String(value[..<$0]) } ?? ""
            guard let shape = DimensionText.shape(eq.map { String(value[value.index(after: $0)...]) } ?? value) else {
                throw QScopeError.usage("--shape '\(value)': write NAME=DIMS with positive whole numbers, for example "
                    + "input=1x3x224x224")
            }
            result[name] = shape
        }
        return result
    }
}
