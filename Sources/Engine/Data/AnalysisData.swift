/// The calibration and evaluation samples of an analysis, opened as the configuration says.
public struct AnalysisData {
    public let calibration: CalibrationDataset
    /// The evaluation samples, loaded (they are run once in float and cached).
    public let evaluation: [[String: Tensor]]
    /// The files of each evaluation sample, for messages and reports.
    public let evaluationFiles: [[String]]
    /// How many leading evaluation samples are the leading calibration samples: all of them when the evaluation
    /// set defaults to the calibration set, else none.
    public var sharedSamples: Int { evaluationIsCalibration ? evaluation.count : 0 }
    var evaluationIsCalibration = false
    public let warnings: [String]
    /// The image preprocessing of each graph input fed from images (float NCHW/NHWC inputs that are not
    /// featuremaps), by input name.
    public let preprocess: [String: PreprocessConfig]

    /// Opens `config.calDataDir` (required) and `config.evalDataDir` (default: the calibration samples).
    public static func open(model: Model, config: AnalysisConfig) throws -> AnalysisData {
        guard let calDir = config.calDataDir else {
            throw QScopeError.usage("no calibration data: give a directory of images or .npy files with --calib DIR "
                + "or cal_data_dir in the config")
        }
        let inputs = try InputSpec.fromGraph(model.graph, shapes: resolvedShapes(config.inputShapes, model: model))
        var preprocess: [String: PreprocessConfig] = [:]
        for spec in inputs where spec.dtype == .float && spec.shape.count == 4 && config.preprocess.inputTypeTrain != .featuremap {
            var p = config.preprocess
            if p.resize == nil && p.centerCrop == nil {
                // Without a resize, images are scaled to the model's input size.
                let (h, w) = p.layoutTrain == .nchw ? (spec.shape[2], spec.shape[3]) : (spec.shape[1], spec.shape[2])
                if h > 0 && w > 0 { p.resize = .exact(height: h, width: w) }
            }
            preprocess[spec.name] = p
        }
        var warnings: [String] = []
        var cal = try DataLoader.open(directory: calDir, inputs: inputs, preprocess: preprocess)
        if let n = config.calSamples, n < cal.count { cal = cal.prefix(n) }
        warnings += cal.warnings
        let evalSet = try config.evalDataDir.map {
            try DataLoader.open(directory: $0, inputs: inputs, preprocess: preprocess, minimumSamples: 1)
        } ?? cal
        let n = min(config.evalSamples, evalSet.count)
        var evaluation: [[String: Tensor]] = []
        var files: [[String]] = []
        for i in 0..<n {
            evaluation.append(try evalSet.sample(i))
            files.append(evalSet.sampleFiles(i))
        }
        if config.evalDataDir != nil { warnings += evalSet.warnings.filter { !warnings.contains($0) } }
        return AnalysisData(calibration: cal, evaluation: evaluation, evaluationFiles: files,
                            evaluationIsCalibration: config.evalDataDir == nil, warnings: warnings, preprocess: preprocess)
    }

    /// Maps a shape given without a name (key "") to a one-input model's input.
    public static func resolvedShapes(_ shapes: [String: [Int]], model: Model) throws -> [String: [Int]] {
        let names = model.graph.inputs.map(\.name)
        for name in shapes.keys.sorted() where !name.isEmpty && !names.contains(name) {
            throw QScopeError.usage("input_shape (or --shape) names '\(name)', but the model has no such input; its inputs are "
                + names.map { "'\($0)'" }.joined(separator: ", "))
        }
        guard let unnamed = shapes[""] else { return shapes }
        guard model.graph.inputs.count == 1 else {
            throw QScopeError.usage("input_shape (or --shape) has no input name but the model has "
                + "\(model.graph.inputs.count) inputs; write a map from input name to shape (--shape NAME=DIMS)")
        }
        var out = shapes
        out[""] = nil
        out[model.graph.inputs[0].name] = unnamed
        return out
    }
}
