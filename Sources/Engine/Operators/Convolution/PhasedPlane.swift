/// Zero-padded copies of input planes whose columns are split by phase for a column stride `s`: each row holds
/// the columns 0, s, 2s, ... then 1, s+1, ..., and so on. Output column `ow` of tap column offset `c`
/// (= kw * dilation) then reads index `ow + c / s` of phase `c % s`: consecutive outputs read consecutive
/// floats, so strided windows load whole vectors instead of gathering or shuffling.
struct PhasedPlanes {
    /// Padded rows per plane (exactly the rows the windows read).
    let rows: Int
    /// Floats per padded row: `stride * phaseLength`.
    let rowLength: Int
    let phaseLength: Int
    let stride: Int
    let planeSize: Int
    let buffer: UnsafeMutablePointer<Float>
    /// Per phase: the first valid index, the end of the valid indices and the end of the stride-2 vector loop,
    /// for the geometry's input width and left padding. Every row of every plane has the same, so they are
    /// worked out once here: per row, the divisions cost more than copying a short row.
    private let spans: [Int]
    private let inputWidth: Int, leftPad: Int

    /// Room for `planes` planes covering `OH` x `OW` windows of the geometry, plus zeroed slack after the last
    /// plane for vector loads that run past the last needed column.
    init(planes: Int, geometry g: WindowGeometry) {
        let s = g.w.stride
        rows = (g.h.output - 1) * g.h.stride + g.h.span
        let cols = (g.w.output - 1) * s + g.w.span
        phaseLength = (cols + s - 1) / s
        stride = s
        rowLength = s * phaseLength
        planeSize = rows * rowLength
        let slack = 64
        buffer = .allocate(capacity: planes * planeSize + slack)
        (buffer + planes * planeSize).initialize(repeating: 0, count: slack)
        (inputWidth, leftPad) = (g.w.input, g.w.padBegin)
        spans = PhasedPlanes.phaseSpans(width: g.w.input, left: g.w.padBegin, stride: s, phaseLength: phaseLength)
    }

    func deallocate() { buffer.deallocate() }

    private static func phaseSpans(width W: Int, left: Int, stride s: Int, phaseLength: Int) -> [Int] {
        var spans = [Int](repeating: 0, count: 3 * s)
        for phase in 0..<s {
            // Index i reads input column i * stride + phase - left: zeros before and after the input.
            let first = min(phaseLength, max(0, (left - phase + s - 1) / s))
            let last = W - 1 + left - phase  // the last valid i is last / stride, when last >= 0
            let end = last < 0 ? first : min(phaseLength, max(first, last / s + 1))
            // Stride 2: eight outputs from two vector loads while those stay inside the input row, that is
            // while 2 * i + phase - left + 16 <= W.
            var v = first
            if s == 2 { while v + 8 <= end && 2 * v + phase - left + 16 <= W { v += 8 } }
            spans[phase] = first
            spans[s + phase] = end
            spans[2 * s + phase] = v
        }
        return spans
    }

    /// Where tap column offset `c` starts within a row, for output column 0.
    func columnOffset(_ c: Int) -> Int { (c % stride) * phaseLength + c / stride }

    /// Copies an H x W plane into padded plane `index` with its first element at padded (top, left).
    func load(_ src: UnsafePointer<Float>, height H: Int, width W: Int, top: Int, left: Int, into index: Int) {
        let dst = buffer + index * planeSize
        let cols = rowLength
        let s = stride
        assert(W == inputWidth && left == leftPad, "the plane's width and left padding are the geometry's")
        let copy = max(0, min(W, cols - left))
        for r in 0..<rows {
            let row = dst + r * cols
            let ir = r - top
            guard ir >= 0 && ir < H else {
                row.update(repeating: 0, count: cols)
                continue
            }
            let line = src + ir * W
            if s == 1 {
                if left > 0 { row.update(repeating: 0, count: min(left, cols)) }
                if copy > 0 { (row + left).update(from: line, count: copy) }
                let end = left + copy
                if end < cols { (row + end).update(repeating: 0, count: cols - end) }
                continue
            }
            for phase in 0..<s {
                let out = row + phase * phaseLength
                let first = spans[phase], end = spans[s + phase]
                if first > 0 { out.update(repeating: 0, count: first) }
                var i = first
                if s == 2 {
                    let vectorEnd = spans[2 * s + phase]
                    let base = UnsafeRawPointer(line + (phase - left))
                    while i < vectorEnd {
                        let p = base + 8 * i
                        let a = p.loadUnaligned(as: SIMD8<Float>.self)
                        let b = p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(out + i).storeBytes(
                            of: SIMD8(a[0], a[2], a[4], a[6], b[0], b[2], b[4], b[6]), as: SIMD8<Float>.self)
                        i += 8
                    }
                }
                var from = line + (i * s + phase - left)
                while i < end {
                    out[i] = from.pointee
                    from += s
                    i += 1
                }
                if end < phaseLength { (out + end).update(repeating: 0, count: phaseLength - end) }
            }
        }
    }
}
