import Foundation

/// Settings for ``SuspicionRanking``.
public struct SuspicionConfig: Equatable, Sendable {
    /// Cosine thresholds: below `warn` a layer is suspicious, below `fail` it fails.
    public var thresholds: SeverityThresholds
    /// Minimum fall of the accumulated cosine below the inputs' lowest cosine that marks a drop point.
    public var dropDelta: Double
    /// The pair to rank (``SuspicionRanking/rank(_:config:)``).
    public var pair: StagePair

    /// Defaults: warn 0.99, fail 0.8, drop delta 0.01, pair float/quantized.
    public init(thresholds: SeverityThresholds = .standard, dropDelta: Double = 0.01,
                pair: StagePair = .floatQuantized) {
        self.thresholds = thresholds
        self.dropDelta = dropDelta
        self.pair = pair
    }

    /// The warn threshold.
    public var warn: Double { thresholds.warn }
    /// The fail threshold.
    public var fail: Double { thresholds.fail }
}

/// Finds the layers where accuracy is lost and ranks them so that the layers that *introduce* error come first.
///
/// For each layer with accumulated metrics for the pair:
/// - `warn` / `fail`: the accumulated comparison classifies as warn / fail (``SeverityThresholds/classify(_:)``);
/// - drop point: its accumulated cosine is at least `dropDelta` below the lowest accumulated cosine of its input
///   layers (graph inputs count as 1; an input layer without metrics passes on its own inputs' lowest cosine);
/// - high isolated error: its isolated cosine is below the warn threshold.
///
/// A layer *introduces* error when its isolated error is high, or when it is a drop point and either its
/// isolated error was not measured or no layer upstream introduced error. A drop point with a small isolated
/// error below an introducing layer *amplifies* the error it inherits: fed exact inputs it is fine.
///
/// Introducing layers come first, by the larger of the drop and the isolated loss (1 − isolated cosine), largest
/// first. The other suspicious layers are *inherited*: they follow, worst cosine first, each naming the
/// introducing layer it descends from through its worst input.
public enum SuspicionRanking {
    /// Tolerance for comparing a drop with `dropDelta`, so that a drop of exactly the delta counts.
    private static let epsilon = 1e-12

    /// The ranked suspicious layers of `config.pair`. Layers must be in graph order with valid input indices;
    /// out-of-range input indices are ignored.
    public static func rank(_ layers: [LayerRecord], config: SuspicionConfig = SuspicionConfig()) -> [SuspiciousLayer] {
        let pair = config.pair
        let byIndex = Dictionary(layers.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        // Effective cosine and origin (the introducing layer a layer's loss comes from), in graph order.
        var effective: [Int: Double] = [:]
        var origin: [Int: Int] = [:]
        var candidates: [(entry: SuspiciousLayer, score: Double)] = []

        for layer in layers.sorted(by: { $0.index < $1.index }) {
            // The worst input: lowest effective cosine among producers seen so far (graph inputs count as 1).
            var inputsCosine = 1.0
            var worstInput: Int?
            for producer in layer.inputLayers where producer < layer.index {
                guard byIndex[producer] != nil, let c = effective[producer] else { continue }
                if c < inputsCosine || worstInput == nil && c <= inputsCosine {
                    inputsCosine = c
                    worstInput = producer
                }
            }
            guard let metrics = layer.accumulated[pair] else {
                effective[layer.index] = inputsCosine
                if let worstInput, let o = origin[worstInput] { origin[layer.index] = o }
                continue
            }
            let cosine = metrics.cosineSimilarity
            effective[layer.index] = cosine
            let drop = inputsCosine - cosine
            let isolated = layer.isolated[pair]
            var kinds: [SuspicionKind] = []
            switch config.thresholds.classify(metrics) {
            case .ok: break
            case .warn: kinds.append(.warn)
            case .fail: kinds.append(.fail)
            }
            if drop >= config.dropDelta - epsilon { kinds.append(.dropPoint) }
            if let isolated, config.thresholds.classify(isolated) != .ok { kinds.append(.highIsolatedError) }
            kinds.sort()

            // A layer whose own isolated error is small but whose accumulated cosine drops amplifies error it
            // inherits; it introduces error only when nothing upstream did (or its isolated error is unknown).
            let upstream = worstInput.flatMap { origin[$0] }
            let introduced = kinds.contains(.highIsolatedError)
                || kinds.contains(.dropPoint) && (isolated == nil || upstream == nil)
            if introduced {
                origin[layer.index] = layer.index
            } else if let worstInput, let o = origin[worstInput] {
                origin[layer.index] = o
            }
            guard !kinds.isEmpty else { continue }

            let inheritedFrom = introduced ? nil : origin[layer.index]
            let entry = SuspiciousLayer(
                rank: 0, pair: pair, layerIndex: layer.index, nodeName: layer.nodeName, opType: layer.opType,
                kinds: kinds, severity: config.thresholds.classify(metrics), cosine: cosine,
                inputsCosine: inputsCosine, drop: drop, isolatedCosine: isolated?.cosineSimilarity,
                inheritedFrom: inheritedFrom, inheritedFromName: inheritedFrom.flatMap { byIndex[$0]?.nodeName },
                reason: "", introduced: introduced)
            let isolatedLoss = isolated.map { 1 - $0.cosineSimilarity } ?? 0
            let score = introduced ? max(drop, isolatedLoss) : 1 - cosine
            candidates.append((entry, score))
        }

        let introduced = candidates.filter { $0.entry.isIntroduced }.sorted(by: ordered)
        let inherited = candidates.filter { !$0.entry.isIntroduced }.sorted(by: ordered)
        return (introduced + inherited).enumerated().map { position, candidate in
            var entry = candidate.entry
            entry.rank = position + 1
            entry.reason = reason(for: entry, layer: byIndex[entry.layerIndex], config: config)
            return entry
        }
    }

    /// Ranks float/quantized, and float/hybrid when any layer has metrics for it; one list, pair by pair.
    public static func rankDefaultPairs(_ layers: [LayerRecord],
                                        config: SuspicionConfig = SuspicionConfig()) -> [SuspiciousLayer] {
        var result: [SuspiciousLayer] = []
        for pair in [StagePair.floatQuantized, .floatHybrid] where layers.contains(where: { $0.accumulated[pair] != nil }) {
            var pairConfig = config
            pairConfig.pair = pair
            result += rank(layers, config: pairConfig)
        }
        return result
    }

    /// Larger score first, then graph order.
    private static func ordered(_ a: (entry: SuspiciousLayer, score: Double),
                                _ b: (entry: SuspiciousLayer, score: Double)) -> Bool {
        if a.score != b.score { return a.score > b.score }
        return a.entry.layerIndex < b.entry.layerIndex
    }

    /// The human-readable reason: the numbers behind every kind.
    static func reason(for entry: SuspiciousLayer, layer: LayerRecord?, config: SuspicionConfig) -> String {
        var parts: [String] = []
        let cosine = number(entry.cosine)
        if entry.kinds.contains(.fail) {
            if let mismatch = layer?.accumulated[entry.pair]?.lengthMismatch {
                parts.append("output sizes differ (\(mismatch.reference) vs \(mismatch.candidate) elements)")
            } else if entry.cosine >= config.fail {
                parts.append("cosine \(cosine); candidate has NaN/inf values the reference does not")
            } else {
                parts.append("cosine \(number(entry.cosine, below: config.fail)) (below fail \(ReportText.compact(config.fail, 6)))")
            }
        } else if entry.kinds.contains(.warn) {
            parts.append("cosine \(number(entry.cosine, below: config.warn)) (below \(ReportText.compact(config.warn, 6)))")
        } else {
            parts.append("cosine \(cosine)")
        }
        if entry.kinds.contains(.dropPoint) {
            parts.append("drops \(number(entry.drop)) from its inputs' \(number(entry.inputsCosine))")
        }
        if let isolated = entry.isolatedCosine {
            parts.append("isolated cosine \(entry.kinds.contains(.highIsolatedError) ? number(isolated, below: config.warn) : number(isolated))")
        }
        if !entry.isIntroduced {
            let verb = entry.kinds.contains(.dropPoint) ? "amplifies the error inherited from" : "inherited from"
            parts.append(entry.inheritedFromName.map { "\(verb) \($0)" } ?? "\(verb) its inputs")
        }
        return parts.joined(separator: "; ")
    }

    /// Three decimals, or more (up to six) when three would round a value up to the threshold it is below
    /// (by default 1, so that a cosine of 0.9995 does not read as 1.000).
    static func number(_ value: Double, below threshold: Double = 1) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : value > 0 ? "inf" : "-inf" }
        for digits in 3...6 {
            let text = String(format: "%.\(digits)f", value)
            guard value < threshold, let shown = Double(text), shown >= threshold else { return text }
        }
        return String(format: "%.6f", value)
    }
}
