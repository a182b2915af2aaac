import Foundation

extension DataLoader {
    /// Reads a raw `.bin` sample for `spec`: headerless little-endian values of the input's element type and
    /// concrete shape (declared, with `--shape`/`input_shape` for dynamic dimensions). A file of another size is an
    /// error that says what was expected and how to change it.
    public static func readRaw(_ path: String, for spec: InputSpec) throws -> Tensor {
        guard spec.shape.allSatisfy({ $0 > 0 }) else {
            throw QScopeError.badInput(name: spec.name, reason: "raw sample '\(path)' needs a concrete input shape, "
                + "but the shape is \(spec.shape); give one with --shape or input_shape")
        }
        let count = try Tensor.elementCount(spec.shape, what: "the raw sample '\(path)'")
        let bytes = try FileIO.read(path)
        guard bytes.count == count * spec.dtype.byteSize else {
            let hint = bytes.count % spec.dtype.byteSize == 0
                ? "\(bytes.count / spec.dtype.byteSize) \(spec.dtype.name) values" : "not a whole number of \(spec.dtype.name) values"
            throw QScopeError.invalidFile(path: path, reason: "it has \(bytes.count) bytes (\(hint)), but model input "
                + "'\(spec.name)' takes \(spec.dtype.name) of shape \(spec.shape), \(count * spec.dtype.byteSize) bytes; a raw "
                + ".bin sample holds exactly that, headerless and little-endian (set dynamic dimensions with --shape or "
                + "input_shape, or use .npy, which carries its own type and shape)")
        }
        return Tensor(shape: spec.shape, data: TensorProtoCodec.fromRaw(bytes, dtype: spec.dtype, count: count))
    }

    /// Reads a headerless little-endian file of `shape` and `dtype`, checking its size.
    public static func readRaw(_ path: String, dtype: DType, shape: [Int]) throws -> Tensor {
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw QScopeError.usage("raw sample '\(path)' needs a concrete shape, got \(shape)")
        }
        let count = try Tensor.elementCount(shape, what: "the raw sample '\(path)'")
        let bytes = try FileIO.read(path)
        guard bytes.count == count * dtype.byteSize else {
            throw QScopeError.invalidFile(path: path, reason: "it has \(bytes.count) bytes but \(count) \(dtype.name) "
                + "values of shape \(shape) need \(count * dtype.byteSize)")
        }
        return Tensor(shape: shape, data: TensorProtoCodec.fromRaw(bytes, dtype: dtype, count: count))
    }
}
