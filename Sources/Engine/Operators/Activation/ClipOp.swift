/// Clip: clamps to [min, max]. Before opset 11 the bounds are attributes; from 11 they are optional scalar
/// inputs. Works on float32 and integer tensors; NaN stays NaN.
final class ClipOp: InPlaceOperator {
    private let attributeBounds: (Float, Float)?

    init(_ context: BuildContext) throws {
        if context.opset < 11 {
            attributeBounds = (try context.node.float("min", default: -Float.greatestFiniteMagnitude),
                               try context.node.float("max", default: Float.greatestFiniteMagnitude))
        } else {
            attributeBounds = nil
        }
    }

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0)
        let lo = try bound(inputs.optional(1), x, "min"), hi = try bound(inputs.optional(2), x, "max")
        switch x.data {
        case .float(let a):
            let b = attributeBounds ?? (Float(lo ?? -.infinity), Float(hi ?? .infinity))
            return [try run(x, a, ClipKernel(lo: b.0, hi: b.1))]
        case .int64(let a): return [Tensor(shape: x.shape, data: .int64(clamp(a, lo, hi)))]
        case .int32(let a): return [Tensor(shape: x.shape, data: .int32(clamp(a, lo, hi)))]
        case .int8(let a): return [Tensor(shape: x.shape, data: .int8(clamp(a, lo, hi)))]
        case .uint8(let a): return [Tensor(shape: x.shape, data: .uint8(clamp(a, lo, hi)))]
        case .bool: throw OpError("Clip does not support bool tensors")
        }
    }

    func runInPlace(_ x: inout Tensor, _ inputs: [Tensor?]) throws -> Bool {
        guard x.dtype == .float else { return false }
        let lo = try bound(inputs.optional(1), x, "min"), hi = try bound(inputs.optional(2), x, "max")
        let b = attributeBounds ?? (Float(lo ?? -.infinity), Float(hi ?? .infinity))
        let kernel = ClipKernel(lo: b.0, hi: b.1)
        return x.updateFloats { p, n in mapFloats(kernel, UnsafePointer(p), p, n) }
    }

    private func run(_ x: Tensor, _ a: [Float], _ kernel: ClipKernel) throws -> Tensor {
        let out = makeFloats(a.count) { o in a.withUnsafeBufferPointer { mapFloats(kernel, $0.baseAddress!, o, a.count) } }
        return Tensor(shape: x.shape, floats: out)
    }

    /// A bound input as a number (Double holds every int32 and float exactly); nil when omitted or empty.
    private func bound(_ t: Tensor?, _ x: Tensor, _ name: String) throws -> Double? {
        guard let t, t.count > 0 else { return nil }
        guard t.count == 1 else { throw OpError("Clip \(name) must be a scalar, got shape \(t.shape)") }
        guard t.dtype == x.dtype else {
            throw OpError("Clip \(name) is \(t.dtype.name) but the input is \(x.dtype.name)")
        }
        if case .float(let v) = t.data { return Double(v[0]) }
        return Double(t.int64s()[0])
    }

    private func clamp<T: IntegerElement>(_ a: [T], _ lo: Double?, _ hi: Double?) -> [T] {
        let l = lo.map { T(clamping: Int64($0)) } ?? T.min, h = hi.map { T(clamping: Int64($0)) } ?? T.max
        return a.map { Swift.min(Swift.max($0, l), h) }
    }
}

struct ClipKernel: UnaryKernel {
    static let name = "Clip"
    let lo: Float, hi: Float
    init(lo: Float, hi: Float) { self.lo = lo; self.hi = hi }
    init(_ context: BuildContext) throws { lo = -.infinity; hi = .infinity }
    @inline(__always) func float(_ x: FloatVector) -> FloatVector {
        // Upper bound last, so min > max gives max everywhere (as numpy and ONNX do).
        let r = x.replacing(with: lo, where: x .< lo)
        return r.replacing(with: hi, where: r .> hi)
    }
}

/// PRelu: x where x >= 0, else slope * x; the slope broadcasts to x's shape (unidirectionally).
final class PReluOp: Operator {
    init(_ context: BuildContext) throws {}

    func run(_ inputs: [Tensor?]) throws -> [Tensor] {
        let x = try inputs.required(0), slope = try inputs.required(1)
        let loop = try BroadcastLoop([x.shape, slope.shape])
        guard loop.outShape == x.shape else {
            throw OpError("PRelu slope of shape \(slope.shape) does not broadcast to the input shape \(x.shape)")
        }
        switch (x.data, slope.data) {
        case let (.float(a), .float(s)):
            let sa = loop.innerStrides[1], n = loop.inner
            let out = makeFloats(loop.outCount) { o in
                a.withUnsafeBufferPointer { pa in
                    s.withUnsafeBufferPointer { ps in
                        loop.forEachRun { outOffset, off in
                            preluRun(pa.baseAddress! + off[0], ps.baseAddress! + off[1], sa, o + outOffset, n)
                        }
                    }
                }
            }
            return [Tensor(shape: x.shape, floats: out)]
        case let (.int64(a), .int64(s)):
            return [Tensor(shape: x.shape, data: .int64(try broadcastBinary(x, a, slope, s) { $0 < 0 ? $0 &* $1 : $0 }.values))]
        case let (.int32(a), .int32(s)):
            return [Tensor(shape: x.shape, data: .int32(try broadcastBinary(x, a, slope, s) { $0 < 0 ? $0 &* $1 : $0 }.values))]
        default:
            throw OpError("PRelu does not support \(x.dtype.name) input with \(slope.dtype.name) slope")
        }
    }
}

@inline(__always)
private func preluRun(_ x: UnsafePointer<Float>, _ s: UnsafePointer<Float>, _ ss: Int, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let tail = n & ~7
    if ss == 0 {
        let vs = FloatVector(repeating: s.pointee)
        while i < tail {
            let v = loadVector(x + i)
            storeVector(v.replacing(with: v * vs, where: v .< 0), out + i)
            i += 8
        }
        if i < n {
            let v = loadPartial(x + i, n - i)
            storePartial(v.replacing(with: v * vs, where: v .< 0), out + i, n - i)
        }
    } else {
        while i < tail {
            let v = loadVector(x + i)
            storeVector(v.replacing(with: v * loadVector(s + i), where: v .< 0), out + i)
            i += 8
        }
        if i < n {
            let v = loadPartial(x + i, n - i)
            storePartial(v.replacing(with: v * loadPartial(s + i, n - i), where: v .< 0), out + i, n - i)
        }
    }
}
