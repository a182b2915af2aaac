/// The channel-blocked activation layout ("NCHWc") that chains of depthwise and pointwise convolutions pass
/// between them in a plain run: shape [N, C/lanes rounded up, H, W, lanes], the `lanes` channels of one pixel
/// side by side in one vector. A depthwise tap is then one aligned vector load per pixel, and a pointwise
/// layer broadcasts one input value against a vector of output channels. Channels past C are zero.
///
/// Such tensors exist only between two `BlockedConvOp` steps of an executor (see `Executor.blockedSteps`);
/// nothing else reads them.
enum BlockedLayout {
    /// Channels per block: the width of the build's widest float vector.
    static let lanes = WideFloats.scalarCount

    static func blocks(_ channels: Int) -> Int { (channels + lanes - 1) / lanes }

    /// An uninitialized blocked buffer. It has `lanes` floats of slack so that `aligned` can start the data on
    /// a vector boundary: unaligned, almost every vector load would straddle two cache lines.
    static func allocate(batch: Int, blocks: Int, height: Int, width: Int) throws -> Tensor {
        let shape = [batch, blocks, height, width, lanes]
        let count = try Tensor.elementCount(shape, what: "a channel-blocked activation")
        return Tensor(shape: shape, floats: SpanMath.uninitialized(count + lanes))
    }

    /// The vector-aligned start of a blocked buffer's data. Depends only on the buffer's address, which does
    /// not change while the tensor is passed along unmodified.
    @inline(__always)
    static func aligned(_ p: UnsafePointer<Float>) -> UnsafePointer<Float> {
        let misalignment = (Int(bitPattern: p) / MemoryLayout<Float>.size) % lanes
        return p + (lanes - misalignment) % lanes
    }

    /// The mutable form of `aligned`.
    @inline(__always)
    static func aligned(_ p: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        UnsafeMutablePointer(mutating: aligned(UnsafePointer(p)))
    }

    /// One vector of the blocked kernels, from any address.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> WideFloats {
        UnsafeRawPointer(p).loadUnaligned(as: WideFloats.self)
    }

    /// Stores a vector of sums, clamped by a fused Relu or Clip when there is one.
    @inline(__always)
    static func store(_ v: WideFloats, _ p: UnsafeMutablePointer<Float>, _ clamp: FloatClamp?) {
        UnsafeMutableRawPointer(p).storeBytes(of: clamp.map { $0.apply(v) } ?? v, as: WideFloats.self)
    }

    /// Copies an 8 x 8 tile, transposed: eight vectors `sourceStride` floats apart become the eight vectors
    /// `destinationStride` floats apart at `d` (pixels of planes become channels of pixels, and back).
    @inline(__always)
    private static func transposeTile(_ s: UnsafePointer<Float>, sourceStride: Int, _ d: UnsafeMutablePointer<Float>,
                                      destinationStride: Int) {
        @inline(__always) func row(_ i: Int) -> SIMD8<Float> {
            UnsafeRawPointer(s + i * sourceStride).loadUnaligned(as: SIMD8<Float>.self)
        }
        let t = Transpose8x8.apply((row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7)))
        @inline(__always) func put(_ v: SIMD8<Float>, _ j: Int) {
            UnsafeMutableRawPointer(d + j * destinationStride).storeBytes(of: v, as: SIMD8<Float>.self)
        }
        put(t.0, 0); put(t.1, 1); put(t.2, 2); put(t.3, 3)
        put(t.4, 4); put(t.5, 5); put(t.6, 6); put(t.7, 7)
    }

    /// Copies NCHW planes into the blocked layout, zeroing the channels past `channels`.
    static func pack(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
                     pixels: Int) {
        let B = blocks(channels)
        for n in 0..<batch {
            for cb in 0..<B {
                let out = dst + (n * B + cb) * pixels * lanes
                let first = cb * lanes, valid = min(lanes, channels - first)
                let planes = src + (n * channels + first) * pixels
                var c = 0
                // Eight channels by eight pixels per register transpose.
                while c + 8 <= valid {
                    var p = 0
                    while p + 8 <= pixels {
                        transposeTile(planes + c * pixels + p, sourceStride: pixels, out + p * lanes + c,
                                      destinationStride: lanes)
                        p += 8
                    }
                    for q in p..<pixels {
                        for i in 0..<8 { out[q * lanes + c + i] = planes[(c + i) * pixels + q] }
                    }
                    c += 8
                }
                for q in 0..<pixels {
                    for i in c..<valid { out[q * lanes + i] = planes[i * pixels + q] }
                    for i in valid..<lanes { out[q * lanes + i] = 0 }
                }
            }
        }
    }

    /// Copies the first `channels` channels of a blocked buffer back into NCHW planes.
    static func unpack(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, batch: Int, channels: Int,
                       pixels: Int) {
        let B = blocks(channels)
        for n in 0..<batch {
            for cb in 0..<B {
                let block = src + (n * B + cb) * pixels * lanes
                let first = cb * lanes, valid = min(lanes, channels - first)
                let planes = dst + (n * channels + first) * pixels
                var c = 0
                while c + 8 <= valid {
                    var p = 0
                    while p + 8 <= pixels {
                        transposeTile(block + p * lanes + c, sourceStride: lanes, planes + c * pixels + p,
                                      destinationStride: pixels)
                        p += 8
                    }
                    for q in p..<pixels {
                        for i in 0..<8 { planes[(c + i) * pixels + q] = block[q * lanes + c + i] }
                    }
                    c += 8
                }
                for i in c..<valid {
                    for q in 0..<pixels { planes[i * pixels + q] = block[q * lanes + i] }
                }
            }
        }
    }

    /// Per-channel values (bias) laid out as blocks of `lanes`, zero past `channels`.
    static func packVector(_ values: [Float]?, channels: Int) -> [Float] {
        var out = [Float](repeating: 0, count: blocks(channels) * lanes)
        if let values { for c in 0..<channels { out[c] = values[c] } }
        return out
    }
}
