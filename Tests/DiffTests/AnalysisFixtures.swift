import Foundation
@testable import Diff

/// Synthetic layers and reports for the suspicion and report tests.
enum AnalysisFixtures {
    /// Metrics whose cosine is exactly `cosine` (unit-energy vectors at that angle).
    static func metrics(cosine: Double, count: Int = 100) -> TensorMetrics {
        var sums = PairSums()
        sums.comparedCount = count
        sums.referenceEnergy = 1
        sums.candidateEnergy = 1
        sums.dotProduct = cosine
        sums.errorEnergy = 2 - 2 * cosine
        sums.errorSum = 0.01
        sums.maxAbsError = (2 - 2 * cosine).squareRoot()
        return TensorMetrics(sums: sums, elementCount: count)
    }

    static func layer(_ index: Int, _ name: String, _ op: String = "Conv", inputs: [Int] = [],
                      pairs: [StagePair: (acc: Double?, iso: Double?)]) -> LayerRecord {
        var layer = LayerRecord(index: index, nodeName: name, opType: op, outputTensor: "\(name)_out",
                                outputShape: [1, 8, 4, 4], inputLayers: inputs)
        for (pair, value) in pairs {
            if let acc = value.acc { layer.accumulated[pair] = metrics(cosine: acc) }
            if let iso = value.iso { layer.isolated[pair] = metrics(cosine: iso) }
        }
        return layer
    }

    /// conv0 → relu1 → conv2 (broken) → relu3 → conv4.
    static var chain: [LayerRecord] {
        let fq = StagePair.floatQuantized
        return [
            layer(0, "conv0", pairs: [fq: (0.9995, 0.9995)]),
            layer(1, "relu1", "Relu", inputs: [0], pairs: [fq: (0.999, 0.99999)]),
            layer(2, "conv2", inputs: [1], pairs: [fq: (0.90, 0.91)]),
            layer(3, "relu3", "Relu", inputs: [2], pairs: [fq: (0.898, 0.99999)]),
            layer(4, "conv4", inputs: [3], pairs: [fq: (0.895, 0.999)]),
        ]
    }

    /// stem → (left, right: broken) → add → fc, with a metrics-less reshape between add and fc.
    static var branching: [LayerRecord] {
        let fq = StagePair.floatQuantized, fh = StagePair.floatHybrid
        return [
            layer(0, "stem", pairs: [fq: (0.9993, 0.9993), fh: (0.9999, 0.9999)]),
            layer(1, "left", inputs: [0], pairs: [fq: (0.998, 0.9991), fh: (0.9998, 0.9999)]),
            layer(2, "right", inputs: [0], pairs: [fq: (0.85, 0.86), fh: (0.9990, 0.9995)]),
            layer(3, "add", "Add", inputs: [1, 2], pairs: [fq: (0.86, 0.9995), fh: (0.9989, 0.9999)]),
            layer(4, "reshape", "Reshape", inputs: [3], pairs: [:]),
            layer(5, "fc", "Gemm", inputs: [4], pairs: [fq: (0.84, 0.998), fh: (0.9985, 0.9999)]),
        ]
    }

    /// A full report over the branching graph with awkward names and infinite values.
    static var report: AnalysisReport {
        var layers = branching
        layers[2].nodeName = "a<b&\"c\""
        layers[1].nodeName = "left, \"quoted\""
        layers[0].placement = .acc
        layers[2].placement = .cpu
        layers[2].placementReason = "cosine 0.85 below 0.99"
        layers[0].quantization = QuantizationInfo(scale: 0.0125, zeroPoint: -3, rangeMin: -1.56, rangeMax: 1.6,
                                                  method: "kl")
        layers[2].quantization = QuantizationInfo(scale: 0.5, zeroPoint: 0, rangeMin: -64, rangeMax: 63.5,
                                                  method: "minmax")
        layers[2].stageTensorNames = [.quantized: "right_out_q"]
        // Identical tensors: SQNR +inf. A zero reference: relative distance +inf, SQNR −inf.
        layers[0].accumulated[.floatOptimized] = TensorMetrics.compare([1, 2, 3], [1, 2, 3])
        layers[1].accumulated[.floatOptimized] = TensorMetrics.compare([0, 0], [1, 1])
        var report = AnalysisReport(
            modelPath: "/models/net<1>.onnx",
            config: [ConfigEntry("calibration", "kl"), ConfigEntry("samples", "16"), ConfigEntry("alpha", "x&y")],
            stages: [.float: .ready, .optimized: .ready, .quantized: .ready, .hybrid: .failed("no <acc> device")],
            layers: layers,
            outputs: [OutputComparison(name: "logits", pair: .floatQuantized, metrics: metrics(cosine: 0.84))],
            timings: ["float": 1.25, "quantized": 3.5])
        report.suspicious = SuspicionRanking.rankDefaultPairs(layers, config: report.suspicionConfig)
        return report
    }
}
