/// What a convolution of the plain plan applies to its outputs after the sums: a BatchNormalization that
/// reads only it (a per-channel affine map, folded as BatchNormalization folds it), then an activation that
/// reads only that. Set by `Executor.fuseEpilogues`; the results equal the separate operators' up to the
/// rounding of one multiply-add.
struct ConvEpilogue {
    enum Activation {
        case none
        case clamp(FloatClamp)
        /// x · clamp((x / 6) + 0.5, 0, 1), computed as the HardSwish operator computes it.
        case hardSwish
    }

    /// Per output channel multiplier and offset, or nil for no affine map.
    var affine: (scale: [Float], shift: [Float])?
    var activation: Activation

    /// `p[i] = activation(p[i] · a + s)` (without the multiply-add when `affine` is false) for `n` floats, a
    /// vector at a time: the vectors never cross a function boundary (Swift does not inline a helper that takes
    /// a sixteen-wide vector), and the activation is chosen once per span.
    static func apply(_ p: UnsafeMutablePointer<Float>, _ n: Int, affine: Bool, _ a: WideFloats, _ s: WideFloats,
                      _ activation: Activation) {
        let lanes = WideFloats.scalarCount
        var i = 0
        switch activation {
        case .none:
            guard affine else { return }
            while i + lanes <= n {
                let raw = UnsafeMutableRawPointer(p + i)
                raw.storeBytes(of: s.addingProduct(raw.loadUnaligned(as: WideFloats.self), a), as: WideFloats.self)
                i += lanes
            }
        case .clamp(let c):
            while i + lanes <= n {
                let raw = UnsafeMutableRawPointer(p + i)
                var x = raw.loadUnaligned(as: WideFloats.self)
                if affine { x = s.addingProduct(x, a) }
                raw.storeBytes(of: x.replacing(with: c.lower, where: x .< c.lower).replacing(with: c.upper, where: x .> c.upper),
                               as: WideFloats.self)
                i += lanes
            }
        case .hardSwish:
            while i + lanes <= n {
                let raw = UnsafeMutableRawPointer(p + i)
                var x = raw.loadUnaligned(as: WideFloats.self)
                if affine { x = s.addingProduct(x, a) }
                let gate = x * (1 / 6 as Float) + 0.5
                raw.storeBytes(of: x * gate.replacing(with: 0, where: gate .< 0).replacing(with: 1, where: gate .> 1),
                               as: WideFloats.self)
                i += lanes
            }
        }
        // The tail as the operators compute it one value at a time.
        while i < n {
            var x = p[i]
            if affine { x = x * a[0] + s[0] }
            switch activation {
            case .none: break
            case .clamp(let c): x = c.apply(x)
            case .hardSwish: x = x * min(max(x * (1 / 6 as Float) + 0.5, 0), 1)
            }
            p[i] = x
            i += 1
        }
    }

    /// Applies the epilogue in place to NCHW planes of `plane` floats.
    func apply(_ p: UnsafeMutablePointer<Float>, batch: Int, channels: Int, plane: Int) {
        for b in 0..<batch {
            for c in 0..<channels {
                let a = WideFloats(repeating: affine?.scale[c] ?? 1), s = WideFloats(repeating: affine?.shift[c] ?? 0)
                ConvEpilogue.apply(p + (b * channels + c) * plane, plane, affine: affine != nil, a, s, activation)
            }
        }
    }
}

/// A `ConvEpilogue` for channel-blocked outputs: the affine map as one vector per channel block.
struct BlockedEpilogue {
    /// [blocks][lanes] multipliers and offsets (zero past the channel count), or empty for none.
    let scale: [Float]
    let shift: [Float]
    let activation: ConvEpilogue.Activation

    init(_ e: ConvEpilogue?, channels: Int) {
        activation = e?.activation ?? .none
        if let affine = e?.affine {
            scale = BlockedLayout.packVector(affine.scale, channels: channels)
            shift = BlockedLayout.packVector(affine.shift, channels: channels)
        } else {
            (scale, shift) = ([], [])
        }
    }

    /// The epilogue when it is only a clamp, which the kernels apply in registers as they store.
    var clampOnly: FloatClamp? {
        guard scale.isEmpty, case .clamp(let c) = activation else { return nil }
        return c
    }

    /// Whether the kernels must pass over their output again (a normalization, or HardSwish).
    var needsPass: Bool {
        if !scale.isEmpty { return true }
        if case .hardSwish = activation { return true }
        return false
    }

    /// Runs `body` with the epilogue's vectors at stable addresses (nil when no pass is needed).
    func withPointers<R>(_ body: (Pointers?) -> R) -> R {
        guard needsPass else { return body(nil) }
        return scale.withUnsafeBufferPointer { a in
            shift.withUnsafeBufferPointer { s in
                body(Pointers(scale: scale.isEmpty ? nil : a.baseAddress, shift: s.baseAddress, activation: activation))
            }
        }
    }

    struct Pointers {
        let scale: UnsafePointer<Float>?
        let shift: UnsafePointer<Float>?
        let activation: ConvEpilogue.Activation

        /// Applies the epilogue in place to `vectors` consecutive vectors of channel block `block`.
        func apply(inPlace p: UnsafeMutablePointer<Float>, vectors: Int, block: Int) {
            let lanes = WideFloats.scalarCount
            var a = WideFloats(repeating: 1), s = WideFloats(repeating: 0)
            if let scale, let shift {
                a = UnsafeRawPointer(scale + block * lanes).loadUnaligned(as: WideFloats.self)
                s = UnsafeRawPointer(shift + block * lanes).loadUnaligned(as: WideFloats.self)
            }
            ConvEpilogue.apply(p, vectors * lanes, affine: scale != nil, a, s, activation)
        }
    }
}
