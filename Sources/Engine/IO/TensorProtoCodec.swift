import Foundation

/// Converts between ONNX `TensorProto` messages and `Tensor`s.
public enum TensorProtoCodec {
    /// Decodes a tensor. `baseDirectory` resolves external-data locations; `context` names the tensor's origin
    /// in errors.
    public static func decode(_ proto: Onnx_TensorProto, baseDirectory: URL? = nil, context: String) throws -> Tensor {
        let shape = proto.dims.map { Int($0) }
        let count = try Tensor.elementCount(shape, what: "tensor '\(proto.name)'")
        guard let dtype = DType(rawValue: Int(proto.dataType)) else {
            throw QScopeError.invalidFile(path: context, reason:
                "tensor '\(proto.name)' has element type \(DType.onnxName(Int(proto.dataType))), which qscope does not support")
        }
        var raw = proto.rawData
        if proto.dataLocation == .external {
            raw = try readExternal(proto, baseDirectory: baseDirectory, context: context)
        }
        let data: TensorData
        if !raw.isEmpty || proto.dataLocation == .external {
            guard raw.count == count * dtype.byteSize else {
                throw QScopeError.invalidFile(path: context, reason:
                    "tensor '\(proto.name)' of shape \(shape) needs \(count * dtype.byteSize) bytes of \(dtype.name) "
                    + "but holds \(raw.count) (truncated or corrupt)")
            }
            data = fromRaw(raw, dtype: dtype, count: count)
        } else {
            data = try fromTyped(proto, dtype: dtype)
            guard data.count == count else {
                throw QScopeError.invalidFile(path: context, reason:
                    "tensor '\(proto.name)' of shape \(shape) holds \(data.count) elements instead of \(count)")
            }
        }
        return Tensor(shape: shape, data: data)
    }

    /// Encodes a tensor as a `TensorProto` with `raw_data` (little-endian, as ONNX requires).
    public static func encode(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var p = Onnx_TensorProto()
        p.name = name
        p.dims = tensor.shape.map { Int64($0) }
        p.dataType = Int32(tensor.dtype.rawValue)
        p.rawData = rawBytes(tensor.data)
        return p
    }

    /// The elements as little-endian bytes.
    public static func rawBytes(_ data: TensorData) -> Data {
        func bytes<T>(_ a: [T]) -> Data { a.withUnsafeBufferPointer { Data(buffer: $0) } }
        switch data {
        case .float(let a): return bytes(a)
        case .uint8(let a): return bytes(a)
        case .int8(let a): return bytes(a)
        case .int32(let a): return bytes(a)
        case .int64(let a): return bytes(a)
        case .bool(let a): return Data(a.map { $0 ? 1 : 0 })
        }
    }

    /// Reinterprets little-endian bytes as `count` elements of `dtype`. The caller checked the length.
    public static func fromRaw(_ raw: Data, dtype: DType, count: Int) -> TensorData {
        func load<T>(_ type: T.Type, zero: T) -> [T] {
            var out = [T](repeating: zero, count: count)
            out.withUnsafeMutableBytes { dst in raw.copyBytes(to: dst) }
            return out
        }
        switch dtype {
        case .float: return .float(load(Float.self, zero: 0))
        case .uint8: return .uint8(load(UInt8.self, zero: 0))
        case .int8: return .int8(load(Int8.self, zero: 0))
        case .int32: return .int32(load(Int32.self, zero: 0))
        case .int64: return .int64(load(Int64.self, zero: 0))
        case .bool: return .bool(load(UInt8.self, zero: 0).map { $0 != 0 })
        }
    }

    private static func fromTyped(_ p: Onnx_TensorProto, dtype: DType) throws -> TensorData {
        switch dtype {
        case .float: return .float(p.floatData)
        case .int32: return .int32(p.int32Data)
        case .int64: return .int64(p.int64Data)
        // ONNX stores the small integer types and bool widened into int32_data.
        case .uint8: return .uint8(p.int32Data.map { UInt8(truncatingIfNeeded: $0) })
        case .int8: return .int8(p.int32Data.map { Int8(truncatingIfNeeded: $0) })
        case .bool: return .bool(p.int32Data.map { $0 != 0 })
        }
    }

    private static func readExternal(_ p: Onnx_TensorProto, baseDirectory: URL?, context: String) throws -> Data {
        var location = "", offset = 0, length: Int?
        for e in p.externalData {
            switch e.key {
            case "location": location = e.value
            case "offset": offset = Int(e.value) ?? 0
            case "length": length = Int(e.value)
            default: break
            }
        }
        guard !location.isEmpty, !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw QScopeError.invalidFile(path: context, reason:
                "tensor '\(p.name)' has external data with an invalid location '\(location)'")
        }
        let base = baseDirectory ?? URL(fileURLWithPath: ".")
        let url = base.appendingPathComponent(location)
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw QScopeError.fileUnreadable(path: url.path, reason:
                "external data file for tensor '\(p.name)' of '\(context)' is missing")
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = length.map { try? handle.read(upToCount: $0) } ?? (try? handle.readToEnd())
            return (data ?? nil) ?? Data()
        } catch {
            throw QScopeError.invalidFile(path: url.path, reason: "cannot read tensor '\(p.name)' at offset \(offset)")
        }
    }

    /// Reads a serialized `TensorProto` file (`input_0.pb`).
    public static func read(path: String) throws -> (name: String, tensor: Tensor) {
        // The file's bytes go before the elements are converted: at most two copies of the data at once.
        let proto = try parse(path)
        return (proto.name, try decode(proto, context: path))
    }

    private static func parse(_ path: String) throws -> Onnx_TensorProto {
        let bytes = try FileIO.read(path)
        do { return try Onnx_TensorProto(serializedBytes: bytes) } catch {
            throw QScopeError.invalidFile(path: path, reason: "not a serialized ONNX TensorProto (\(error))")
        }
    }
}

/// File reading with user-facing errors.
public enum FileIO {
    /// Throws unless `path` can be written: not a directory, in an existing directory this process may write.
    /// Commands call it before long work, so that a bad output path fails at once rather than at the end.
    public static func checkWritable(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw QScopeError.fileUnwritable(path: path, reason: "it is a directory")
        }
        let parent = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            throw QScopeError.fileUnwritable(path: path, reason: "its directory '\(parent)' does not exist")
        }
        guard access(parent, W_OK) == 0 else {
            throw QScopeError.fileUnwritable(path: path, reason: "its directory '\(parent)' is not writable")
        }
    }

    /// Whether two paths name the same existing file (through links, `..` or another spelling).
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    public static func read(_ path: String) throws -> Data {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw QScopeError.fileUnreadable(path: path, reason: "no such file")
        }
        if isDir.boolValue { throw QScopeError.fileUnreadable(path: path, reason: "it is a directory, not a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw QScopeError.fileUnreadable(path: path, reason: "permission denied or I/O error")
        }
        return data
    }

    /// Why a file in `directory` could not be written: the directory is missing or is a file, or the system's
    /// reason.
    public static func writeFailure(directory: String, error: Error) -> String {
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            return "its directory '\(directory)' does not exist"
        }
        if !isDir.boolValue { return "'\(directory)' is a file, not a directory" }
        return error.localizedDescription
    }

    /// Writes atomically: to a temporary file beside the target, then renames it over the target.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: tmp)
            // rename(2) replaces the target in one step: a reader sees the old file or the new one, never half.
            guard rename(tmp.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw QScopeError.fileUnwritable(path: path, reason: writeFailure(directory: url.deletingLastPathComponent().path,
                                                                             error: error))
        }
    }
}
