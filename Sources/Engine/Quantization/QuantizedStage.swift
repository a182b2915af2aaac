/// The fake-quantized stage: the float model with int8 weights and int32 biases (dequantized) and every
/// quantization point rounded to its int8 grid as it is produced. It runs on the float executor, so its tensors
/// line up by name with the float run.
public final class QuantizedStage {
    public let config: QuantizationConfig
    /// Activation quantization parameters by tensor name.
    public let activationParams: [String: QuantParams]
    /// The calibrated range behind each activation's parameters.
    public let ranges: [String: CalibrationRange]
    /// The quantized layers' weights and biases.
    public let weights: [WeightQuantization.LayerWeights]
    public let points: QuantizationPoints
    /// The model with fake-quantized weights.
    public let model: Model
    private let executor: Executor
    private let rewriter: FakeQuantRewriter

    /// Builds the stage from statistics collected in the float pass. `config.method` must not be `auto`.
    /// `rangeCache` (method -> tensor -> range) lets callers keep ranges across rebuilds; it is filled as needed.
    public convenience init(floatModel: Model, statistics: CalibrationCollector, config: QuantizationConfig,
                            points: QuantizationPoints? = nil, rangeCache: RangeCache? = nil) throws {
        let points = try points ?? QuantizationPoints(model: floatModel, floatNodes: config.floatNodes)
        let symmetric = config.activationScheme.isSymmetric
        var methodFor: [String: CalibrationMethodKind] = [:]
        for n in floatModel.graph.nodes {
            if let m = config.methodOverrides[n.name] { for o in n.outputs { methodFor[o] = m } }
        }
        let cache = rangeCache ?? RangeCache()
        var ranges: [String: CalibrationRange] = [:]
        for t in points.tensors {
            if let given = config.rangeOverrides[t] {
                ranges[t] = given
                continue
            }
            guard let stats = statistics.statistics[t] else { continue }
            let kind = methodFor[t] ?? config.method
            ranges[t] = try cache.range(t, stats, kind: kind, percentile: config.percentile, symmetric: symmetric)
        }
        try self.init(floatModel: floatModel, ranges: ranges, config: config, points: points)
    }

    /// Builds the stage from given activation ranges (calibrated, or read from an already quantized model).
    /// `fixedParams` (by tensor) and `fixedWeightScales` (by weight initializer) are used as given instead of
    /// being derived from the ranges and the weights: an imported model's own parameters, reproduced exactly.
    public init(floatModel: Model, ranges: [String: CalibrationRange], config: QuantizationConfig,
                points: QuantizationPoints, fixedParams: [String: QuantParams] = [:],
                fixedWeightScales: [String: WeightQuantization.FixedScales] = [:]) throws {
        self.config = config
        self.points = points
        var params: [String: QuantParams] = [:]
        for (t, r) in ranges {
            params[t] = try fixedParams[t] ?? QuantParams(range: r, scheme: config.activationScheme, tensor: t)
        }
        self.ranges = ranges
        activationParams = params
        let (initializers, weights) = try WeightQuantization.apply(to: floatModel, config: config, activationParams: params,
                                                                   fixedScales: fixedWeightScales)
        self.weights = weights
        var m = floatModel
        m.graph.initializers = initializers
        model = m
        executor = try Executor(model: m)
        rewriter = FakeQuantRewriter(params)
    }

    /// Runs one sample through the stage.
    public func run(_ feeds: [String: Tensor], observer: ExecutionObserver? = nil) throws -> [String: Tensor] {
        try executor.run(feeds, observer: observer, rewriter: rewriter)
    }
}

/// Rounds each quantization point to its grid as the executor produces it.
final class FakeQuantRewriter: TensorRewriter {
    let params: [String: QuantParams]

    init(_ params: [String: QuantParams]) { self.params = params }

    func rewrite(_ name: String, _ tensor: Tensor, producer: Node?) throws -> Tensor {
        params[name].map { $0.fakeQuantized(tensor) } ?? tensor
    }
}

extension QuantParams {
    /// A float tensor rounded to this grid (other element types pass through unchanged).
    public func fakeQuantized(_ tensor: Tensor) -> Tensor {
        guard case .float(var values) = tensor.data else { return tensor }
        let zp = Float(zeroPoint), lo = Float(qmin), hi = Float(qmax), scale = self.scale
        values.withUnsafeMutableBufferPointer { buf in
            for i in buf.indices {
                // Same order as QuantizeLinear: divide, round half to even, add the zero point, saturate.
                var q = (buf[i] / scale).rounded(.toNearestOrEven) + zp
                q = q.isNaN ? zp : min(max(q, lo), hi)
                buf[i] = (q - zp) * scale
            }
        }
        return Tensor(shape: tensor.shape, data: .float(values))
    }
}

/// Calibrated ranges by method and tensor, so that switching back to a method costs nothing.
public final class RangeCache {
    private var ranges: [String: CalibrationRange] = [:]
    private var methods: [String: CalibrationMethod] = [:]

    public init() {}

    func range(_ tensor: String, _ stats: TensorStatistics, kind: CalibrationMethodKind, percentile: Double,
               symmetric: Bool) throws -> CalibrationRange {
        let methodKey = "\(kind.rawValue)/\(percentile)/\(symmetric)"
        let key = methodKey + "/" + tensor
        if let r = ranges[key] { return r }
        if methods[methodKey] == nil { methods[methodKey] = try kind.method(percentile: percentile) }
        let r = try methods[methodKey]!.range(for: stats, symmetric: symmetric)
        ranges[key] = r
        return r
    }
}
