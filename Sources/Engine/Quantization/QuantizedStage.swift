import Foundation

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
    /// `rangeCache` (method -> tensor -> range) lets callers keep ranges across rebuilds; it is filled as needed,
    /// and so is `weightCache` (the rounded weights, the same for every method).
    public convenience init(floatModel: Model, statistics: CalibrationCollector, config: QuantizationConfig,
                            points: QuantizationPoints? = nil, rangeCache: RangeCache? = nil,
                            weightCache: WeightCache? = nil) throws {
        let points = try points ?? QuantizationPoints(model: floatModel, floatNodes: config.floatNodes)
        let symmetric = config.activationScheme.isSymmetric
        var methodFor: [String: CalibrationMethodKind] = [:]
        for n in floatModel.graph.nodes {
            if let m = config.methodOverrides[n.name] { for o in n.outputs { methodFor[o] = m } }
        }
        let cache = rangeCache ?? RangeCache()
        var requests: [RangeCache.Request] = []
        var overridden: [String: CalibrationRange] = [:]
        for t in points.tensors {
            if let given = config.rangeOverrides[t] {
                overridden[t] = given
                continue
            }
            guard let stats = statistics.statistics[t] else { continue }
            requests.append(.init(tensor: t, statistics: stats, kind: methodFor[t] ?? config.method))
        }
        let ranges = try cache.ranges(requests, percentile: config.percentile, symmetric: symmetric)
            .merging(overridden) { _, given in given }
        try self.init(floatModel: floatModel, ranges: ranges, config: config, points: points, weightCache: weightCache)
    }

    /// Builds the stage from given activation ranges (calibrated, or read from an already quantized model).
    /// `fixedParams` (by tensor) and `fixedWeightScales` (by weight initializer) are used as given instead of
    /// being derived from the ranges and the weights: an imported model's own parameters, reproduced exactly.
    public init(floatModel: Model, ranges: [String: CalibrationRange], config: QuantizationConfig,
                points: QuantizationPoints, fixedParams: [String: QuantParams] = [:],
                fixedWeightScales: [String: WeightQuantization.FixedScales] = [:], weightCache: WeightCache? = nil) throws {
        self.config = config
        self.points = points
        var params: [String: QuantParams] = [:]
        for (t, r) in ranges {
            params[t] = try fixedParams[t] ?? QuantParams(range: r, scheme: config.activationScheme, tensor: t)
        }
        self.ranges = ranges
        activationParams = params
        let (initializers, weights) = try WeightQuantization.apply(to: floatModel, config: config, activationParams: params,
                                                                   fixedScales: fixedWeightScales, cache: weightCache)
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
        guard case .float(let values) = tensor.data else { return tensor }
        let zp = Float(zeroPoint), lo = Float(qmin), hi = Float(qmax), scale = self.scale
        // Same order as QuantizeLinear: divide, round half to even, add the zero point, saturate. Written into a
        // fresh buffer (no copy of the input first), eight lanes at a time; each lane does the scalar steps.
        let out = [Float](unsafeUninitializedCapacity: values.count) { buf, initialized in
            values.withUnsafeBufferPointer { src in
                let n = src.count
                var i = 0
                if let s = src.baseAddress, let d = buf.baseAddress {
                    let raw = UnsafeRawPointer(s), dst = UnsafeMutableRawPointer(d)
                    let vzp = SIMD8<Float>(repeating: zp), vlo = SIMD8<Float>(repeating: lo), vhi = SIMD8<Float>(repeating: hi)
                    let vs = SIMD8<Float>(repeating: scale)
                    while i + 8 <= n {
                        let x = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                        var q = (x / vs).rounded(.toNearestOrEven) + vzp
                        q.replace(with: vzp, where: q .!= q)
                        q.replace(with: vlo, where: q .< vlo)
                        q.replace(with: vhi, where: q .> vhi)
                        dst.storeBytes(of: (q - vzp) * vs, toByteOffset: i * 4, as: SIMD8<Float>.self)
                        i += 8
                    }
                }
                while i < n {
                    var q = (src[i] / scale).rounded(.toNearestOrEven) + zp
                    q = q.isNaN ? zp : min(max(q, lo), hi)
                    buf[i] = (q - zp) * scale
                    i += 1
                }
            }
            initialized = values.count
        }
        return Tensor(shape: tensor.shape, data: .float(out))
    }
}

/// Calibrated ranges by method and tensor, so that switching back to a method costs nothing.
public final class RangeCache {
    private var ranges: [String: CalibrationRange] = [:]
    private var methods: [String: CalibrationMethod] = [:]

    public init() {}

    /// One tensor whose range is wanted, with the method for it.
    struct Request {
        var tensor: String
        var statistics: TensorStatistics
        var kind: CalibrationMethodKind
    }

    /// The ranges of several tensors by name. Those not cached yet are computed on all cores (each tensor's
    /// range depends only on its own statistics, so the result does not depend on the scheduling).
    func ranges(_ requests: [Request], percentile: Double, symmetric: Bool) throws -> [String: CalibrationRange] {
        var result: [String: CalibrationRange] = [:]
        var missing: [(key: String, request: Request, method: CalibrationMethod)] = []
        for r in requests {
            let methodKey = "\(r.kind.rawValue)/\(percentile)/\(symmetric)"
            let key = methodKey + "/" + r.tensor
            if let cached = ranges[key] {
                result[r.tensor] = cached
                continue
            }
            if methods[methodKey] == nil { methods[methodKey] = try r.kind.method(percentile: percentile) }
            missing.append((key, r, methods[methodKey]!))
        }
        guard !missing.isEmpty else { return result }
        var computed = [Result<CalibrationRange, Error>?](repeating: nil, count: missing.count)
        computed.withUnsafeMutableBufferPointer { out in
            let out = out
            let work = { (i: Int) in
                let m = missing[i]
                out[i] = Result { try m.method.range(for: m.request.statistics, symmetric: symmetric) }
            }
            // Cheap methods (max, percentile) are not worth the threads.
            if missing.count < 8 || missing.allSatisfy({ $0.request.kind == .max }) {
                for i in missing.indices { work(i) }
            } else {
                DispatchQueue.concurrentPerform(iterations: missing.count, execute: work)
            }
        }
        for (m, r) in zip(missing, computed) {
            guard let r else { continue }
            let range = try r.get()
            ranges[m.key] = range
            result[m.request.tensor] = range
        }
        return result
    }

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
