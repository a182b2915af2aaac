/// One layer of the model (a node and its first output) with its comparison results for every stage pair.
public struct LayerRecord: Equatable, Sendable {
    /// Position in graph (topological) order, from 0; also the layer's id inside a report.
    public var index: Int
    /// The node's name.
    public var nodeName: String
    /// The node's operator type, e.g. "Conv".
    public var opType: String
    /// The compared output tensor's name in the float model.
    public var outputTensor: String
    /// The output tensor's shape (empty when unknown).
    public var outputShape: [Int]
    /// Where the hybrid model runs this layer, when known.
    public var placement: Placement?
    /// Why it runs there, e.g. "cosine 0.71 below 0.8" or "op not supported in int8".
    public var placementReason: String?
    /// Indices of the layers that produce this layer's inputs; empty when it only reads graph inputs and constants.
    public var inputLayers: [Int]
    /// How the output is quantized, when it is.
    public var quantization: QuantizationInfo?
    /// The output tensor's name in each stage, when it differs from ``outputTensor`` (optimized graphs rename).
    public var stageTensorNames: [Stage: String]
    /// Metrics with the errors of all upstream layers included (each stage runs on its own outputs).
    public var accumulated: [StagePair: TensorMetrics]
    /// Metrics of this layer alone: the candidate layer fed with the reference stage's inputs.
    public var isolated: [StagePair: TensorMetrics]
    /// Why the layer has no metrics, when that needs saying, e.g. "only in model_qdq.onnx" in `qscope compare`.
    public var note: String? = nil

    /// A layer; metrics are added per pair afterwards.
    public init(index: Int, nodeName: String, opType: String, outputTensor: String, outputShape: [Int] = [],
                placement: Placement? = nil, placementReason: String? = nil, inputLayers: [Int] = [],
                quantization: QuantizationInfo? = nil, stageTensorNames: [Stage: String] = [:],
                accumulated: [StagePair: TensorMetrics] = [:], isolated: [StagePair: TensorMetrics] = [:]) {
        self.index = index
        self.nodeName = nodeName
        self.opType = opType
        self.outputTensor = outputTensor
        self.outputShape = outputShape
        self.placement = placement
        self.placementReason = placementReason
        self.inputLayers = inputLayers
        self.quantization = quantization
        self.stageTensorNames = stageTensorNames
        self.accumulated = accumulated
        self.isolated = isolated
    }

    /// The output tensor's name in `stage`.
    public func tensorName(in stage: Stage) -> String { stageTensorNames[stage] ?? outputTensor }

    /// Whether this layer has any metrics for `pair`.
    public func hasMetrics(for pair: StagePair) -> Bool { accumulated[pair] != nil || isolated[pair] != nil }
}
