/// A 2-D Conv that runs on channel-blocked tensors (`BlockedLayout`): a depthwise layer with multiplier 1, or a
/// pointwise one (1x1, stride 1, no padding), with constant weights. The executor uses it for plain runs only,
/// where a chain of such layers passes blocked tensors from one to the next (`Executor.blockedSteps`). Its input
/// is blocked or NCHW and its output blocked or NCHW, as the neighbouring steps need; the results equal the
/// plain Conv's up to the order of the additions.
final class BlockedConvOp: Operator {
    enum Kind { case depthwise, pointwise }

    let kind: Kind
    /// Input channels (= output channels for depthwise).
    let channels: Int
    let outputs: Int
    let inputBlocked: Bool
    let outputBlocked: Bool
    /// Applied to the outputs as they are stored: a folded BatchNormalization and an activation.
    let epilogue: BlockedEpilogue
    private let window: WindowAttributes
    private let kernel: [Int]
    /// Depthwise: [channel blocks][KH][KW][lanes]; pointwise: [output blocks][channels][lanes]. Vector aligned,
    /// packed on the first run (only plain runs call this operator).
    let weights: PackedOnFirstUse<AlignedFloats>
    /// [output blocks][lanes], vector aligned.
    private let bias: AlignedFloats

    /// The kind of blocked layer `node` can run as, or nil. Needs a constant 4-D weight and a constant bias
    /// (or none).
    static func kind(of node: Node, constants: [Int: Tensor]) -> Kind? {
        guard node.opType == "Conv", node.domain.isEmpty || node.domain == "ai.onnx", node.outputs.count == 1,
              let w = constants[1], w.shape.count == 4, w.shape.allSatisfy({ $0 > 0 }), case .float = w.data,
              node.inputs.count < 3 || node.inputs[2].isEmpty || constants[2]?.count == w.shape[0],
              let window = try? WindowAttributes(node), (try? window.check(rank: 2)) != nil,
              let group = try? node.int("group", default: 1) else { return nil }
        if let k = window.kernel, k != Array(w.shape[2...]) { return nil }
        if group == w.shape[0] && w.shape[1] == 1 { return .depthwise }
        let ones = [1, 1]
        if group == 1 && w.shape[2] == 1 && w.shape[3] == 1 && (window.strides ?? ones) == ones
            && (window.pads ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }) { return .pointwise }
        return nil
    }

    required convenience init(_ context: BuildContext) throws {
        try self.init(context, inputBlocked: false, outputBlocked: false, epilogue: nil)
    }

    init(_ context: BuildContext, inputBlocked: Bool, outputBlocked: Bool, epilogue: ConvEpilogue?) throws {
        guard let kind = BlockedConvOp.kind(of: context.node, constants: context.constants),
              let w = context.constant(1) else {
            throw OpError("this Conv cannot run on channel-blocked tensors")
        }
        let lanes = BlockedLayout.lanes
        self.kind = kind
        (self.inputBlocked, self.outputBlocked) = (inputBlocked, outputBlocked)
        window = try WindowAttributes(context.node)
        kernel = Array(w.shape[2...])
        outputs = w.shape[0]
        channels = kind == .depthwise ? w.shape[0] : w.shape[1]
        let values = try w.floats()
        let biasValues = try context.constant(2)?.floats()
        if let biasValues, biasValues.count != outputs {
            throw OpError("bias has \(biasValues.count) values, expected \(outputs)")
        }
        if let affine = epilogue?.affine, affine.scale.count != outputs || affine.shift.count != outputs {
            throw OpError("the folded BatchNormalization has \(affine.scale.count) channels, the Conv \(outputs)")
        }
        self.epilogue = BlockedEpilogue(epilogue, channels: outputs)
        let outBlocks = BlockedLayout.blocks(outputs)
        let taps = kernel[0] * kernel[1]
        let weightCount = kind == .depthwise ? outBlocks * taps * lanes : outBlocks * channels * lanes
        let (outputs, channels) = (outputs, channels)
        weights = PackedOnFirstUse {
            let packed = AlignedFloats(zeros: weightCount)
            for o in 0..<outputs {
                let (block, lane) = (o / lanes, o % lanes)
                switch kind {
                case .depthwise:
                    for t in 0..<taps { packed.pointer[(block * taps + t) * lanes + lane] = values[o * taps + t] }
                case .pointwise:
                    for c in 0..<channels {
                        packed.pointer[(block * channels + c) * lanes + lane] = values[o * channels + c]
                    }
                }
            }
            return packed
        }
        bias = AlignedFloats(zeros: outBlocks * lanes)
        for o in 0..<outputs { bias.pointer[o] = biasValues?[o] ?? 0 }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let lanes = BlockedLayout.lanes
        let (n, h, w): (Int, Int, Int)
        if inputBlocked {
            guard x.rank == 5, x.shape[1] == BlockedLayout.blocks(channels), x.shape[4] == lanes else {
                throw OpError("blocked input has shape \(x.shape), expected [N, \(BlockedLayout.blocks(channels)), H, W, \(lanes)]")
            }
            (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        } else {
            guard x.rank == 4, x.shape[1] == channels else {
                throw OpError("input X has shape \(x.shape); this Conv's weight needs [N, \(channels), H, W]")
            }
            (n, h, w) = (x.shape[0], x.shape[2], x.shape[3])
        }
        let geo = try WindowGeometry.forward(input: [h, w], kernel: kernel, attributes: window)
        let (oh, ow) = (geo.h.output, geo.w.output)
        if kind == .pointwise && (oh != h || ow != w) {
            throw OpError("a pointwise layer changed the spatial shape \([h, w]) to \([oh, ow])")
        }
        let inBlocks = BlockedLayout.blocks(channels), outBlocks = BlockedLayout.blocks(outputs)
        // An input with no pixels still gets a real address to hand the kernels, which read nothing from it.
        let xs = x.count == 0 ? [0] : try x.floats()
        var packed: Tensor?
        if !inputBlocked {
            var t = try BlockedLayout.allocate(batch: n, blocks: inBlocks, height: h, width: w)
            _ = t.updateFloats { buffer, _ in
                xs.withUnsafeBufferPointer { src in
                    BlockedLayout.pack(src.baseAddress!, into: BlockedLayout.aligned(buffer), batch: n, channels: channels,
                                       pixels: h * w)
                }
            }
            packed = t
        }
        var result = try BlockedLayout.allocate(batch: n, blocks: outBlocks, height: oh, width: ow)
        let source = try packed?.floats() ?? xs
        _ = result.updateFloats { buffer, _ in
            let out = BlockedLayout.aligned(buffer)
            source.withUnsafeBufferPointer { src in
                let input = BlockedLayout.aligned(src.baseAddress!)
                let clamp = epilogue.clampOnly
                let (weights, bias) = (weights.get.pointer, bias.pointer)
                epilogue.withPointers { e in
                    switch kind {
                    case .depthwise:
                        BlockedDepthwise.run(input: input, weights: weights, bias: bias, output: out,
                                             blocks: n * inBlocks, channelBlocks: inBlocks, geometry: geo,
                                             clamp: clamp, epilogue: e)
                    case .pointwise:
                        BlockedPointwise.run(input: input, weights: weights, bias: bias, output: out, batch: n,
                                             channels: channels, outputBlocks: outBlocks, pixels: h * w,
                                             clamp: clamp, epilogue: e)
                    }
                }
            }
        }
        if outputBlocked { return [result] }
        var planes = SpanMath.uninitialized(try Tensor.elementCount([n, outputs, oh, ow], what: "the Conv output"))
        let blocked = try result.floats()
        blocked.withUnsafeBufferPointer { src in
            planes.withUnsafeMutableBufferPointer { dst in
                BlockedLayout.unpack(BlockedLayout.aligned(src.baseAddress!), into: dst.baseAddress!, batch: n,
                                     channels: outputs, pixels: oh * ow)
            }
        }
        return [Tensor(shape: [n, outputs, oh, ow], floats: planes)]
    }
}

/// Zero-initialized floats aligned to one vector, freed with their owner.
final class AlignedFloats {
    let pointer: UnsafeMutablePointer<Float>

    init(zeros count: Int) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Float>.size,
                                                   alignment: BlockedLayout.lanes * MemoryLayout<Float>.size)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    deinit { pointer.deallocate() }
}
