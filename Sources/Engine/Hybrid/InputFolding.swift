/// How the hybrid stage may feed the graph's image inputs.
public struct HybridInputOptions: Equatable, Sendable {
    /// The preprocessing of each graph input made from images, by input name (as `AnalysisData.preprocess`).
    public var preprocess: [String: PreprocessConfig]
    /// Feed uint8 pixels and fold the mean/scale into the first convolution when possible (`fold_input_norm`).
    public var fold: Bool

    public init(preprocess: [String: PreprocessConfig] = [:], fold: Bool = true) {
        self.preprocess = preprocess
        self.fold = fold
    }
}

/// How one graph input enters the hybrid stage.
public struct HybridInputFeed: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// uint8 pixels (after resize and crop, in `input_type_rt` channel order) quantized with scale 1 and
        /// `zeroPoint`; the mean/scale (and an rgb/bgr swap) is folded into the weights and bias of `conv`.
        case pixels(conv: String, zeroPoint: Int32)
        /// The normalized float tensor quantized with its calibrated parameters; `reason` says why the
        /// normalization is not folded.
        case quantizedFloat(reason: String)
    }

    /// The graph input.
    public let tensor: String
    public let kind: Kind

    public init(tensor: String, kind: Kind) {
        self.tensor = tensor
        self.kind = kind
    }

    /// The folding convolution's name, when folded.
    public var foldedInto: String? {
        if case .pixels(let conv, _) = kind { return conv }
        return nil
    }

    /// One line for people.
    public var description: String {
        switch kind {
        case let .pixels(conv, zp):
            return "uint8 pixels, mean/scale folded into \(conv) (zero point \(zp))"
        case .quantizedFloat(let reason):
            return "quantized float (\(reason))"
        }
    }
}

/// The per-channel normalization `x_c = (p - m_c) · k_c` of a pixel input, and the integer feed that replaces
/// it: pixels quantized with scale 1 and zero point `zeroPoint`, whose real value is `p - zeroPoint`.
struct PixelNormalization: Equatable {
    /// Per model (train) channel.
    let mean: [Float]
    let scale: [Float]
    /// `trainChannel[j]`: the model channel that run-time channel j carries (identity unless rgb <-> bgr).
    let trainChannel: [Int]
    let zeroPoint: Int32

    var channels: Int { mean.count }

    /// The integer parameters of the pixel tensor.
    var params: QuantParams { QuantParams(scale: 1, zeroPoint: zeroPoint, qmin: 0, qmax: 255) }

    /// The normalization of `preprocess`, or why there is nothing to fold.
    static func make(_ preprocess: PreprocessConfig) -> Result<PixelNormalization, FoldRefusal> {
        let train = preprocess.inputTypeTrain, rt = preprocess.inputTypeRuntime
        guard let channels = train.channels else { return .refuse("the input is a featuremap") }
        if preprocess.normType == .noPreprocess { return .refuse("norm_type no_preprocess: there is no mean/scale to fold") }
        if preprocess.layoutTrain != .nchw { return .refuse("the input layout is NHWC; folding needs NCHW") }
        var order = Array(0..<channels)
        if rt != train {
            guard Set([rt, train]) == [.rgb, .bgr] else {
                // A colour conversion mixes channels and adds offsets: not a per-channel mean/scale.
                return .refuse("input_type_rt \(rt.rawValue) differs from input_type_train \(train.rawValue); the colour "
                    + "conversion between them is not a per-channel mean/scale")
            }
            order = order.reversed()
        }
        let usesMean = preprocess.normType == .dataMeanAndScale || preprocess.normType == .dataMean
        let usesScale = preprocess.normType == .dataMeanAndScale || preprocess.normType == .dataScale
        func value(_ list: [Float], _ c: Int, _ fallback: Float) -> Float {
            list.isEmpty ? fallback : (list.count == 1 ? list[0] : (c < list.count ? list[c] : fallback))
        }
        let mean = (0..<channels).map { usesMean ? value(preprocess.mean, $0, 0) : 0 }
        let scale = (0..<channels).map { usesScale ? value(preprocess.scale, $0, 1) : 1 }
        guard scale.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy(\.isFinite) else {
            return .refuse("a scale_value is 0: the pixels cannot be recovered from the normalized input")
        }
        // The pixel whose real value is 0: the mean of the means, on the uint8 grid.
        let average = mean.reduce(0, +) / Float(max(channels, 1))
        let zp = Int32(min(max(average.rounded(.toNearestOrEven), 0), 255))
        return .success(PixelNormalization(mean: mean, scale: scale, trainChannel: order, zeroPoint: zp))
    }

    /// The uint8 pixel tensor for a feed: a uint8 tensor `[N, C, H, W]` in run-time channel order is taken as
    /// given; a float tensor is the normalized input in model channel order, and its pixels are recovered as
    /// `round(x / k_c + m_c)` (exact for images: the resized pixels are integers and the normalization's float
    /// error is far below half a level), clamped to 0...255 (a value a uint8 feed cannot hold is what the device
    /// would be fed instead).
    func pixels(_ t: Tensor) throws -> QTensor {
        guard t.rank == 4, t.shape[1] == channels else {
            throw OpError("the pixel input has shape \(t.shape); it needs [N, \(channels), H, W]")
        }
        let plane = t.shape[2] * t.shape[3], images = t.shape[0]
        if case .uint8(let p) = t.data {
            return QTensor(shape: t.shape, levels: p.map { Int32($0) }, params: params)
        }
        let x = try t.floats()
        var levels = [Int32](repeating: zeroPoint, count: x.count)
        for n in 0..<images {
            for j in 0..<channels {
                let c = trainChannel[j], m = mean[c], k = scale[c]
                let src = (n * channels + c) * plane, dst = (n * channels + j) * plane
                for i in 0..<plane {
                    let p = (x[src + i] / k + m).rounded(.toNearestOrEven)
                    levels[dst + i] = p.isNaN ? zeroPoint : Int32(min(max(p, 0), 255))
                }
            }
        }
        return QTensor(shape: t.shape, levels: levels, params: params)
    }

    /// The normalized input the pixels stand for, in model channel order: `(p - m_c) · k_c`.
    func normalized(_ q: QTensor) -> Tensor {
        let plane = q.shape.count == 4 ? q.shape[2] * q.shape[3] : 0
        let images = q.shape.first ?? 0
        var out = [Float](repeating: 0, count: q.levels.count)
        for n in 0..<images {
            for j in 0..<channels {
                let c = trainChannel[j], m = mean[c], k = scale[c]
                let src = (n * channels + j) * plane, dst = (n * channels + c) * plane
                for i in 0..<plane { out[dst + i] = (Float(q.levels[src + i]) - m) * k }
            }
        }
        return Tensor(shape: q.shape, floats: out)
    }

    /// The convolution weight and bias that take the pixel tensor in place of the normalized input:
    /// `W'[o, j] = W[o, c(j)] · k_c` (c(j) the model channel of run-time channel j) and
    /// `b'[o] = b[o] - Σ_{c, taps} W[o, c, taps] · k_c · (m_c - zp)`. The bias term assumes every tap reads a
    /// pixel; a padding tap reads the zero point instead, so near borders the folded layer differs from the
    /// float one by `-W · k_c · (m_c - zp)` per padded tap, as on a device.
    func fold(weight: Tensor, bias: Tensor?, group: Int) throws -> (weight: Tensor, bias: Tensor) {
        let w = try weight.floats()
        guard weight.rank == 4 else { throw OpError("the weight has shape \(weight.shape); folding needs rank 4") }
        let (m, cg) = (weight.shape[0], weight.shape[1])
        let taps = weight.shape[2] * weight.shape[3]
        guard group >= 1, m % group == 0, cg * group == channels else {
            throw OpError("the weight \(weight.shape) with group \(group) does not read \(channels) channels")
        }
        if trainChannel != Array(0..<channels) && group != 1 {
            throw OpError("the rgb/bgr swap cannot be folded into a grouped convolution")
        }
        let b = try bias.map { try $0.floats() } ?? [Float](repeating: 0, count: m)
        guard b.count == m else { throw OpError("the bias has \(b.count) values for \(m) output channels") }
        // Run-time channel j within a group reads model channel trainChannel[j] (group is 1 when they differ).
        var runtimeOf = Array(0..<channels)
        for (j, c) in trainChannel.enumerated() { runtimeOf[c] = j }
        var folded = [Float](repeating: 0, count: w.count)
        var newBias = [Float](repeating: 0, count: m)
        let mg = m / group
        for o in 0..<m {
            var shift = 0.0
            for ci in 0..<cg {
                let c = (o / mg) * cg + ci
                let k = scale[c], offset = Double(mean[c]) - Double(zeroPoint)
                let src = (o * cg + ci) * taps, dst = (o * cg + (group == 1 ? runtimeOf[c] : ci)) * taps
                for t in 0..<taps {
                    folded[dst + t] = w[src + t] * k
                    shift += Double(w[src + t]) * Double(k) * offset
                }
            }
            newBias[o] = Float(Double(b[o]) - shift)
        }
        return (Tensor(shape: weight.shape, floats: folded), Tensor(shape: [m], floats: newBias))
    }
}

/// Why an input's normalization is not folded (a sentence for the report).
struct FoldRefusal: Error, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension Result where Failure == FoldRefusal {
    static func refuse(_ reason: String) -> Self { .failure(FoldRefusal(reason)) }
}

/// The decision, per graph input, to fold its normalization into the convolution that reads it.
enum InputFolding {
    /// One graph input folded into one Conv node.
    struct Fold {
        let input: String
        let conv: String
        let normalization: PixelNormalization
        let weight: Tensor
        let bias: Tensor
    }

    /// For every float graph input: how the hybrid stage feeds it, and the folds.
    static func plan(graph: Graph, partition: Partition, options: HybridInputOptions,
                     consumers: [String: [Node]]) -> (feeds: [HybridInputFeed], folds: [String: Fold]) {
        var feeds: [HybridInputFeed] = []
        var folds: [String: Fold] = [:]
        for input in graph.inputs where graph.initializers[input.name] == nil {
            switch decide(input.name, graph: graph, partition: partition, options: options, consumers: consumers) {
            case .success(let fold):
                folds[fold.conv] = fold
                feeds.append(HybridInputFeed(tensor: input.name, kind: .pixels(conv: fold.conv, zeroPoint: fold.normalization.zeroPoint)))
            case .failure(let refusal):
                feeds.append(HybridInputFeed(tensor: input.name, kind: .quantizedFloat(reason: refusal.reason)))
            }
        }
        return (feeds, folds)
    }

    private static func decide(_ input: String, graph: Graph, partition: Partition, options: HybridInputOptions,
                               consumers: [String: [Node]]) -> Result<Fold, FoldRefusal> {
        guard options.fold else { return .refuse("folding is turned off (fold_input_norm: false)") }
        guard let preprocess = options.preprocess[input] else {
            return .refuse("not an image input: no image preprocessing applies to it")
        }
        let normalization: PixelNormalization
        switch PixelNormalization.make(preprocess) {
        case .success(let n): normalization = n
        case .failure(let refusal): return .failure(refusal)
        }
        let readers = consumers[input] ?? []
        guard readers.count == 1, let conv = readers.first else {
            return .refuse("the input feeds \(readers.count) nodes; folding needs a single Conv")
        }
        guard conv.opType == "Conv" else { return .refuse("the input feeds \(conv.opType) '\(conv.name)', not a Conv") }
        guard conv.inputs.first == input, conv.inputs.dropFirst().allSatisfy({ $0 != input }) else {
            return .refuse("Conv '\(conv.name)' reads the input other than as its data input")
        }
        guard partition.placement[conv.name] == .accelerator else {
            return .refuse("the first Conv '\(conv.name)' runs on the CPU")
        }
        guard conv.inputs.count > 1, let weight = graph.initializers[conv.inputs[1]], weight.rank == 4 else {
            return .refuse("Conv '\(conv.name)' has no constant 4-D weight")
        }
        var bias: Tensor?
        if conv.inputs.count > 2, !conv.inputs[2].isEmpty {
            guard let b = graph.initializers[conv.inputs[2]] else { return .refuse("Conv '\(conv.name)' has a bias that is not constant") }
            bias = b
        }
        let group = (try? conv.int("group", default: 1)) ?? 1
        guard weight.shape[1] * group == normalization.channels else {
            return .refuse("Conv '\(conv.name)' reads \(weight.shape[1] * group) channels but input_type_train "
                + "\(preprocess.inputTypeTrain.rawValue) has \(normalization.channels)")
        }
        do {
            let (w, b) = try normalization.fold(weight: weight, bias: bias, group: group)
            return .success(Fold(input: input, conv: conv.name, normalization: normalization, weight: w, bias: b))
        } catch let e as OpError {
            return .refuse("Conv '\(conv.name)': \(e.message)")
        } catch {
            return .refuse("Conv '\(conv.name)': \(error)")
        }
    }
}
