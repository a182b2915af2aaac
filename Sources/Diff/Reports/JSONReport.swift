import Foundation

/// The analysis as a JSON document in the versioned schema "qscope.analysis/1" (see docs/report-schema.md).
///
/// Keys are sorted; ±∞ and NaN, which JSON cannot hold, are written as the strings "inf", "-inf" and "nan";
/// optional values that are absent are left out.
public struct JSONReport: ReportDocument {
    /// The rendered report.
    public let report: AnalysisReport

    /// A JSON rendering of `report`.
    public init(_ report: AnalysisReport) { self.report = report }

    public func data() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = try encoder.encode(JSONSchema.Document(report))
        data.append(0x0A)
        return data
    }
}

/// The Codable mirror of the documented schema. Field names here are the JSON keys: change them only with
/// a new schema version.
enum JSONSchema {
    struct Document: Encodable {
        let schema = AnalysisReport.schemaVersion
        let model: String
        let config: [Setting]
        let thresholds: Thresholds
        let stages: [String: StageInfo]
        let pairs: [String]
        let layers: [Layer]
        let suspicious: [Suspicious]
        let outputs: [Output]
        let timings: [String: Double]
        /// Only in a comparison of two files (`qscope compare`); pair ids and stage keys are then the file labels.
        let compared: Compared?

        init(_ r: AnalysisReport) {
            let thresholds = r.suspicionConfig.thresholds
            model = r.modelPath
            config = r.config.map { Setting(key: $0.key, value: $0.value) }
            self.thresholds = Thresholds(warn: thresholds.warn, fail: thresholds.fail,
                                         dropDelta: r.suspicionConfig.dropDelta)
            let shown = Stage.allCases.filter { r.comparedFiles == nil || r.stages[$0] != nil }
            stages = Dictionary(shown.map { stage in
                let status = r.status(of: stage)
                return (r.label(stage), StageInfo(status: status.name, reason: status.reason))
            }, uniquingKeysWith: { first, _ in first })
            pairs = r.comparedPairs.map(r.label)
            layers = r.layers.map { Layer($0, thresholds: thresholds, report: r) }
            suspicious = r.suspicious.map { Suspicious($0, pair: r.label($0.pair)) }
            compared = r.comparedFiles.map { Compared(reference: $0.reference, candidate: $0.candidate) }
            outputs = r.outputs.map { Output(name: $0.name, pair: r.label($0.pair),
                                             metrics: Metrics($0.metrics, thresholds: thresholds)) }
            timings = r.timings
        }
    }

    struct Compared: Encodable {
        let reference: String
        let candidate: String
    }

    struct Setting: Encodable {
        let key: String
        let value: String
    }

    struct Thresholds: Encodable {
        let warn: Double
        let fail: Double
        let dropDelta: Double
    }

    struct StageInfo: Encodable {
        let status: String
        let reason: String?
    }

    struct Layer: Encodable {
        let index: Int
        let name: String
        let op: String
        let output: String
        let shape: [Int]
        let placement: String?
        let placementReason: String?
        let inputs: [Int]
        let quantization: Quantization?
        let tensors: [String: String]
        let metrics: [String: PairMetrics]
        let note: String?

        init(_ l: LayerRecord, thresholds: SeverityThresholds, report: AnalysisReport) {
            index = l.index
            name = l.nodeName
            op = l.opType
            output = l.outputTensor
            shape = l.outputShape
            placement = l.placement?.rawValue
            placementReason = l.placementReason
            inputs = l.inputLayers
            quantization = l.quantization.map(Quantization.init)
            note = l.note
            let pairs = StagePair.allCases.filter { l.hasMetrics(for: $0) }
            let stages = Set(pairs.flatMap { [$0.reference, $0.candidate] }).union(l.stageTensorNames.keys)
            tensors = Dictionary(stages.map { (report.label($0), l.tensorName(in: $0)) }, uniquingKeysWith: { a, _ in a })
            metrics = Dictionary(pairs.map { pair in
                (report.label(pair), PairMetrics(accumulated: l.accumulated[pair].map { Metrics($0, thresholds: thresholds) },
                                      isolated: l.isolated[pair].map { Metrics($0, thresholds: thresholds) }))
            }, uniquingKeysWith: { a, _ in a })
        }
    }

    struct Quantization: Encodable {
        let scale: Double
        let zeroPoint: Int
        let min: Double
        let max: Double
        let method: String

        init(_ q: QuantizationInfo) {
            scale = q.scale
            zeroPoint = q.zeroPoint
            min = q.rangeMin
            max = q.rangeMax
            method = q.method
        }
    }

    struct PairMetrics: Encodable {
        let accumulated: Metrics?
        let isolated: Metrics?
    }

    struct Metrics: Encodable {
        let cosine: Double
        let relativeDistance: Double
        let maxAbsError: Double
        let meanSquaredError: Double
        let meanError: Double
        let sqnrDB: Double
        let elementCount: Int
        let comparedCount: Int
        let referenceNaN: Int
        let referenceInf: Int
        let candidateNaN: Int
        let candidateInf: Int
        let lengthMismatch: LengthMismatch?
        let severity: String

        init(_ m: TensorMetrics, thresholds: SeverityThresholds) {
            cosine = m.cosineSimilarity
            relativeDistance = m.relativeDistance
            maxAbsError = m.maxAbsError
            meanSquaredError = m.meanSquaredError
            meanError = m.meanError
            sqnrDB = m.sqnrDB
            elementCount = m.elementCount
            comparedCount = m.comparedCount
            referenceNaN = m.referenceNonFinite.nan
            referenceInf = m.referenceNonFinite.infinity
            candidateNaN = m.candidateNonFinite.nan
            candidateInf = m.candidateNonFinite.infinity
            lengthMismatch = m.lengthMismatch.map { LengthMismatch(reference: $0.reference, candidate: $0.candidate) }
            severity = thresholds.classify(m).description
        }
    }

    struct LengthMismatch: Encodable {
        let reference: Int
        let candidate: Int
    }

    struct Suspicious: Encodable {
        let rank: Int
        let pair: String
        let index: Int
        let node: String
        let op: String
        let kinds: [String]
        let introduced: Bool
        let severity: String
        let cosine: Double
        let inputsCosine: Double
        let drop: Double
        let isolatedCosine: Double?
        let inheritedFrom: Int?
        let inheritedFromName: String?
        let reason: String

        init(_ s: SuspiciousLayer, pair: String) {
            rank = s.rank
            self.pair = pair
            index = s.layerIndex
            node = s.nodeName
            op = s.opType
            kinds = s.kinds.map(\.rawValue)
            introduced = s.isIntroduced
            severity = s.severity.description
            cosine = s.cosine
            inputsCosine = s.inputsCosine
            drop = s.drop
            isolatedCosine = s.isolatedCosine
            inheritedFrom = s.inheritedFrom
            inheritedFromName = s.inheritedFromName
            reason = s.reason
        }
    }

    struct Output: Encodable {
        let name: String
        let pair: String
        let metrics: Metrics
    }
}
