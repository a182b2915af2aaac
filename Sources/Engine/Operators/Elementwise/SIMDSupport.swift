/// Unaligned SIMD loads and stores on float buffers, and partial (tail) variants.
typealias FloatVector = SIMD8<Float>

@inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> FloatVector {
    UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self)
}

@inline(__always)
func storeVector(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: FloatVector.self)
}

/// Loads the first `n` (< 8) floats; the other lanes are `fill`.
@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ n: Int, fill: Float = 0) -> FloatVector {
    var v = FloatVector(repeating: fill)
    for i in 0..<n { v[i] = p[i] }
    return v
}

@inline(__always)
func storePartial(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    for i in 0..<n { p[i] = v[i] }
}

/// Builds a float array of `count` elements by letting `fill` write every element.
@inline(__always)
func makeFloats(_ count: Int, _ fill: (UnsafeMutablePointer<Float>) throws -> Void) rethrows -> [Float] {
    try [Float](unsafeUninitializedCapacity: count) { buf, initialized in
        if count > 0, let base = buf.baseAddress { try fill(base) }
        initialized = count
    }
}

/// Builds an array of `count` elements of any type by letting `fill` write every element.
@inline(__always)
func makeArray<T>(_ count: Int, _ fill: (UnsafeMutablePointer<T>) throws -> Void) rethrows -> [T] {
    try [T](unsafeUninitializedCapacity: count) { buf, initialized in
        if count > 0, let base = buf.baseAddress { try fill(base) }
        initialized = count
    }
}

/// Integer element types the arithmetic operators accept.
typealias IntegerElement = FixedWidthInteger & TensorElement
