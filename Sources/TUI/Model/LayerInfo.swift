/// Where a layer runs in the hybrid model.
public enum Placement: String, Sendable {
    case acc = "ACC"
    case cpu = "CPU"
}

/// Why a layer is flagged. Ordered by severity.
public enum Suspicion: Int, Comparable, Sendable {
    /// Cosine below the warning threshold (0.99).
    case warn
    /// Cosine below the failure threshold (0.8).
    case fail
    /// The layer that introduces the loss rather than inherits it.
    case dropPoint

    public static func < (a: Suspicion, b: Suspicion) -> Bool { a.rawValue < b.rawValue }

    /// The suspicion implied by a cosine alone, with Horizon's thresholds.
    public static func from(cosine: Double?) -> Suspicion? {
        guard let c = cosine, c.isFinite else { return nil }
        if c < 0.8 { return .fail }
        if c < 0.99 { return .warn }
        return nil
    }
}

/// The error measures between two stages' tensors; nil where not computed.
public struct MetricValues: Equatable, Sendable {
    public var cosine: Double?
    public var relativeL2: Double?
    public var maxAbsError: Double?
    public var mse: Double?
    public var sqnrDB: Double?

    public init(cosine: Double? = nil, relativeL2: Double? = nil, maxAbsError: Double? = nil,
                mse: Double? = nil, sqnrDB: Double? = nil) {
        self.cosine = cosine
        self.relativeL2 = relativeL2
        self.maxAbsError = maxAbsError
        self.mse = mse
        self.sqnrDB = sqnrDB
    }
}

/// A layer's metrics for one stage pair: accumulated (stage run end to end) and isolated (only this layer
/// changed, fed reference inputs), plus the verdict of the ranking.
public struct LayerPairMetrics: Equatable, Sendable {
    public var accumulated: MetricValues?
    public var isolated: MetricValues?
    /// The ranking's verdict (see ``ranked``).
    public var suspicion: Suspicion?
    /// Whether the ranking classified this layer for the pair: then a nil ``suspicion`` means not suspicious;
    /// otherwise the list falls back to the accumulated cosine thresholds.
    public var ranked: Bool

    public init(accumulated: MetricValues? = nil, isolated: MetricValues? = nil, suspicion: Suspicion? = nil,
                ranked: Bool = false) {
        self.accumulated = accumulated
        self.isolated = isolated
        self.suspicion = suspicion
        self.ranked = ranked
    }

    /// The verdict shown: the ranking's when there is one, or the cosine thresholds.
    public var shownSuspicion: Suspicion? {
        ranked ? suspicion : suspicion ?? Suspicion.from(cosine: accumulated?.cosine)
    }
}

/// Quantization parameters of a layer's output (and weights, when it has them).
public struct QuantParams: Equatable, Sendable {
    public var outputScale: Double
    public var outputZeroPoint: Int
    /// The calibrated range the scale was derived from.
    public var range: ClosedRange<Double>
    /// Per-output-channel weight scales; empty when the layer has no weights or per-tensor weights.
    public var weightScales: [Double]
    public var bits: Int

    public init(outputScale: Double, outputZeroPoint: Int, range: ClosedRange<Double>,
                weightScales: [Double] = [], bits: Int = 8) {
        self.outputScale = outputScale
        self.outputZeroPoint = outputZeroPoint
        self.range = range
        self.weightScales = weightScales
        self.bits = bits
    }
}

/// A histogram of the float activation, with the calibrated clipping range.
public struct Histogram: Equatable, Sendable {
    public var lower: Double
    public var upper: Double
    public var counts: [Int]
    /// The calibrated range; values outside are clipped by quantization.
    public var clip: ClosedRange<Double>?
    /// The int8 step (scale); grid lines are drawn when they are not denser than the columns.
    public var step: Double?

    public init(lower: Double, upper: Double, counts: [Int], clip: ClosedRange<Double>? = nil, step: Double? = nil) {
        self.lower = lower
        self.upper = upper
        self.counts = counts
        self.clip = clip
        self.step = step
    }
}

/// The view model of one graph node: everything the list and the detail pane show, as plain values.
public struct LayerInfo: Equatable, Sendable {
    /// Position in graph (topological) order; also the index into `AppState.layers`.
    public var index: Int
    public var name: String
    public var op: String
    public var placement: Placement?
    /// Why the layer runs where it does: the partition's reason for a CPU layer, or how the graph input reaches
    /// the accelerator layer that reads it (e.g. uint8 pixels with the normalization folded in).
    public var placementNote: String?
    /// e.g. "1x64x56x56", "?" when unknown.
    public var outputShape: String
    public var metrics: [StagePair: LayerPairMetrics]
    public var inputs: [String]
    public var outputs: [String]
    /// For each input, the producing layer's index (nil for graph inputs and weights).
    public var producers: [Int?]
    /// Layers reading any output, in graph order, without duplicates.
    public var consumers: [Int]
    /// Inputs that are weights or constants, with their shapes as text (e.g. "w1": "4x3x3x3").
    public var constantShapes: [String: String]
    /// One "key = value" line per attribute, sorted by key.
    public var attributes: [String]
    public var quant: QuantParams?
    public var histogram: Histogram?
    /// Per-output-channel (min, max) of the float weights, for convolutions.
    public var channelRanges: [ClosedRange<Double>]

    public init(index: Int, name: String, op: String, placement: Placement? = nil, outputShape: String = "?",
                metrics: [StagePair: LayerPairMetrics] = [:], inputs: [String] = [], outputs: [String] = [],
                producers: [Int?] = [], consumers: [Int] = [], constantShapes: [String: String] = [:], attributes: [String] = [],
                quant: QuantParams? = nil, histogram: Histogram? = nil, channelRanges: [ClosedRange<Double>] = []) {
        self.index = index
        self.name = name
        self.op = op
        self.placement = placement
        self.outputShape = outputShape
        self.metrics = metrics
        self.inputs = inputs
        self.outputs = outputs
        self.producers = producers
        self.consumers = consumers
        self.constantShapes = constantShapes
        self.attributes = attributes
        self.quant = quant
        self.histogram = histogram
        self.channelRanges = channelRanges
    }

    /// The accumulated cosine for a pair, the number the list shows and sorts by.
    public func cosine(_ pair: StagePair) -> Double? { metrics[pair]?.accumulated?.cosine }

    /// The ranking's verdict for a pair, or the cosine thresholds when the pair was not ranked.
    public func suspicion(_ pair: StagePair) -> Suspicion? { metrics[pair]?.shownSuspicion }

    /// Distinct producing layers, in input order.
    public var producerLayers: [Int] {
        var seen = Set<Int>(), out: [Int] = []
        for case let p? in producers where seen.insert(p).inserted { out.append(p) }
        return out
    }
}
