/// One setting shown in a report's configuration table, kept in the order it was given.
public struct ConfigEntry: Equatable, Sendable {
    /// Setting name, e.g. "calibration".
    public var key: String
    /// Its value as text.
    public var value: String

    /// Records a setting.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// Comparison of one model output between the two stages of a pair.
public struct OutputComparison: Equatable, Sendable {
    /// The graph output's name.
    public var name: String
    /// The compared stages.
    public var pair: StagePair
    /// The metrics over all evaluation samples.
    public var metrics: TensorMetrics

    /// Records one output's comparison.
    public init(name: String, pair: StagePair, metrics: TensorMetrics) {
        self.name = name
        self.pair = pair
        self.metrics = metrics
    }
}

/// The two model files of `qscope compare`: their labels stand for the reference and candidate stages of the
/// compared pair in every report, so that a row reads "float.onnx vs model_qdq.onnx" rather than "float/quantized".
public struct ComparedFiles: Equatable, Sendable {
    /// Label of the reference file (side A), usually its file name.
    public var reference: String
    /// Label of the candidate file (side B).
    public var candidate: String
    /// The pair the comparison is stored under in ``AnalysisReport/layers``.
    public var pair: StagePair

    /// Labels for two files; equal labels get " (A)" and " (B)" appended so that the sides stay distinct.
    public init(reference: String, candidate: String, pair: StagePair = .floatQuantized) {
        let same = reference == candidate
        self.reference = same ? reference + " (A)" : reference
        self.candidate = same ? candidate + " (B)" : candidate
        self.pair = pair
    }
}

/// Everything `qscope analyze` found, in the form the report writers and the console table read.
public struct AnalysisReport: Equatable, Sendable {
    /// Version of the report layout; bumped when a field changes meaning or is removed.
    public static let schemaVersion = "qscope.analysis/1"

    /// Path of the analysed model.
    public var modelPath: String
    /// The settings of the run, in display order.
    public var config: [ConfigEntry]
    /// Status of each stage; stages not listed count as ``StageStatus/notComputed``.
    public var stages: [Stage: StageStatus]
    /// All layers in graph order.
    public var layers: [LayerRecord]
    /// Suspicious layers, ranked (see ``SuspicionRanking``), for every ranked pair.
    public var suspicious: [SuspiciousLayer]
    /// Metrics of the model's final outputs per pair.
    public var outputs: [OutputComparison]
    /// Wall-clock seconds per phase, e.g. "float": 1.2, "calibration": 8.4.
    public var timings: [String: Double]
    /// The thresholds and drop delta the suspicious list was ranked with (also drawn in the HTML chart).
    public var suspicionConfig: SuspicionConfig
    /// Set for `qscope compare`: the two files whose labels replace the stage names of ``ComparedFiles/pair``.
    public var comparedFiles: ComparedFiles?

    /// A report; ``suspicious`` is usually filled by ``SuspicionRanking/rankDefaultPairs(_:config:)``.
    public init(modelPath: String, config: [ConfigEntry] = [], stages: [Stage: StageStatus] = [:],
                layers: [LayerRecord] = [], suspicious: [SuspiciousLayer] = [], outputs: [OutputComparison] = [],
                timings: [String: Double] = [:], suspicionConfig: SuspicionConfig = SuspicionConfig()) {
        self.modelPath = modelPath
        self.config = config
        self.stages = stages
        self.layers = layers
        self.suspicious = suspicious
        self.outputs = outputs
        self.timings = timings
        self.suspicionConfig = suspicionConfig
    }

    /// The name shown for `stage`: the file label in a comparison of two files, else the stage name.
    public func label(_ stage: Stage) -> String {
        guard let files = comparedFiles else { return stage.displayName }
        if stage == files.pair.reference { return files.reference }
        if stage == files.pair.candidate { return files.candidate }
        return stage.displayName
    }

    /// The id shown for `pair`: "A.onnx vs B.onnx" in a comparison of two files, else ``StagePair/id``.
    public func label(_ pair: StagePair) -> String {
        guard let files = comparedFiles, files.pair == pair else { return pair.id }
        return "\(files.reference) vs \(files.candidate)"
    }

    /// The status of `stage` (``StageStatus/notComputed`` when not recorded).
    public func status(of stage: Stage) -> StageStatus { stages[stage] ?? .notComputed }

    /// The pairs for which at least one layer or output has metrics, in canonical order.
    public var comparedPairs: [StagePair] {
        StagePair.allCases.filter { pair in
            layers.contains { $0.hasMetrics(for: pair) } || outputs.contains { $0.pair == pair }
        }
    }

    /// The suspicious entries of one layer for one pair, if it is suspicious there.
    public func suspicion(layer index: Int, pair: StagePair) -> SuspiciousLayer? {
        suspicious.first { $0.layerIndex == index && $0.pair == pair }
    }

    /// The ranked suspicious layers of `pair`, classified as `qscope analyze` classifies them: the entries of
    /// ``suspicious`` for a pair it ranks (float/quantized and float/hybrid), otherwise ``SuspicionRanking`` run on
    /// ``layers`` for `pair` with the thresholds and drop delta of ``suspicionConfig``.
    public func ranking(for pair: StagePair) -> [SuspiciousLayer] {
        let stored = suspicious.filter { $0.pair == pair }
        guard stored.isEmpty else { return stored.sorted { $0.rank < $1.rank } }
        var config = suspicionConfig
        config.pair = pair
        return SuspicionRanking.rank(layers, config: config)
    }
}
