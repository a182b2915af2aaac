/// Loads eight floats spaced `stride` apart, specialised for the strides windows use most.
protocol StridedLoad {
    static func load(_ p: UnsafePointer<Float>, stride: Int) -> SIMD8<Float>
}

/// Contiguous floats.
enum UnitStrideLoad: StridedLoad {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, stride: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }
}

/// Every other float: one sixteen-wide load, keeping the even lanes.
enum DoubleStrideLoad: StridedLoad {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, stride: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self).evenHalf
    }
}

/// Any stride, one float at a time.
enum GatherLoad: StridedLoad {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, stride s: Int) -> SIMD8<Float> {
        SIMD8(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s])
    }
}

/// Partial-vector access for the last columns of a row.
enum PartialVector {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int) -> SIMD8<Float> {
        if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>(repeating: 0)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
            return
        }
        for i in 0..<count { p[i] = v[i] }
    }
}

/// A zero- (or otherwise-) padded copy of one input plane, so window loops need no bounds checks. Sized
/// for `rows` x `cols` plus slack for vector loads that run past the last needed column.
struct PaddedPlane {
    let rows: Int
    let cols: Int
    let buffer: UnsafeMutablePointer<Float>
    private let capacity: Int

    init(rows: Int, cols: Int, maxStride: Int) {
        self.rows = rows
        self.cols = cols
        capacity = rows * cols + 16 * maxStride + 64
        buffer = .allocate(capacity: capacity)
        buffer.initialize(repeating: 0, count: capacity)
    }

    func deallocate() { buffer.deallocate() }

    /// Copies an H x W plane to row `top`, column `left`, filling everything else with `fill`.
    func load(_ plane: UnsafePointer<Float>, height: Int, width: Int, top: Int, left: Int, fill: Float) {
        let copyRows = max(0, min(height, rows - top))
        let copyCols = max(0, min(width, cols - left))
        if top > 0 || left > 0 || rows > height + top || cols > width + left || fill != 0 {
            buffer.update(repeating: fill, count: capacity)
        }
        for r in 0..<copyRows {
            (buffer + (r + top) * cols + left).update(from: plane + r * width, count: copyCols)
        }
    }
}
