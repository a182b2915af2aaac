import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1, 2 and 3; little-endian; C order).
///
/// Supported element types: `<f4` (float32), `|u1` (uint8), `|i1` (int8), `<i4` (int32), `<i8` (int64) and
/// `|b1` (bool). Fortran-ordered arrays, big-endian data and other types are refused with a message that says
/// how to convert them in NumPy.
public enum Npy {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads a `.npy` file into a tensor.
    public static func read(path: String) throws -> Tensor {
        try decode(try FileIO.read(path), path: path)
    }

    /// Writes a tensor as a version 1.0 `.npy` file (version 2.0 when the header would not fit), atomically.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try FileIO.writeAtomically(encode(tensor), to: path)
    }

    /// Parses the bytes of a `.npy` file. `path` is only used in messages.
    public static func decode(_ bytes: Data, path: String) throws -> Tensor {
        let b = [UInt8](bytes)
        func bad(_ reason: String) -> QScopeError { .invalidFile(path: path, reason: reason) }
        guard b.count >= 10, Array(b[0..<6]) == magic else {
            throw bad("not a NumPy .npy file (the file does not start with the \\x93NUMPY magic)")
        }
        let major = Int(b[6])
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { throw bad("truncated .npy header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default:
            throw bad("unsupported .npy format version \(major).\(b[7]) (qscope reads versions 1, 2 and 3)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= b.count else { throw bad("truncated .npy header (it claims \(headerLength) bytes)") }
        guard let header = String(bytes: b[headerStart..<dataStart], encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw bad("the .npy header is not text")
        }
        let fields = try parseHeader(header, path: path)
        let dtype = try dtypeFor(descr: fields.descr, path: path)
        if fields.fortranOrder {
            throw bad("the array is stored in Fortran order; save it in C order (np.ascontiguousarray(a)) and try again")
        }
        let count = try Tensor.elementCount(fields.shape, what: "the array in '\(path)'")
        let byteCount = count * dtype.byteSize
        guard b.count - dataStart >= byteCount else {
            throw bad("truncated data: shape \(fields.shape) of \(dtype.name) needs \(byteCount) bytes but the file has "
                + "\(b.count - dataStart) after the header")
        }
        let raw = bytes.subdata(in: bytes.startIndex + dataStart ..< bytes.startIndex + dataStart + byteCount)
        return Tensor(shape: fields.shape, data: TensorProtoCodec.fromRaw(raw, dtype: dtype, count: count))
    }

    /// The bytes of a `.npy` file holding `tensor`.
    public static func encode(_ tensor: Tensor) -> Data {
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(descr(for: tensor.dtype))', 'fortran_order': False, 'shape': \(shapeText), }"
        // The whole header (magic, version, length, dict, padding, newline) is a multiple of 64 bytes.
        var version: UInt8 = 1
        var prefix = 10
        if (prefix + dict.utf8.count + 1 + 63) / 64 * 64 - prefix > 0xFFFF {
            version = 2
            prefix = 12
        }
        let total = (prefix + dict.utf8.count + 1 + 63) / 64 * 64
        dict += String(repeating: " ", count: total - prefix - dict.utf8.count - 1) + "\n"
        var out = Data(magic)
        out.append(contentsOf: [version, 0])
        let n = dict.utf8.count
        if version == 1 {
            out.append(contentsOf: [UInt8(n & 0xFF), UInt8(n >> 8)])
        } else {
            out.append(contentsOf: [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8(n >> 24)])
        }
        out.append(contentsOf: Array(dict.utf8))
        out.append(TensorProtoCodec.rawBytes(tensor.data))
        return out
    }

    /// The NumPy type string for a qscope element type.
    public static func descr(for dtype: DType) -> String {
        switch dtype {
        case .float: return "<f4"
        case .uint8: return "|u1"
        case .int8: return "|i1"
        case .int32: return "<i4"
        case .int64: return "<i8"
        case .bool: return "|b1"
        }
    }

    private static func dtypeFor(descr: String, path: String) throws -> DType {
        switch descr {
        case "<f4": return .float
        case "|u1", "<u1", "u1": return .uint8
        case "|i1", "<i1", "i1": return .int8
        case "<i4": return .int32
        case "<i8": return .int64
        case "|b1", "<b1", "b1": return .bool
        case "<f8": throw QScopeError.invalidFile(path: path, reason:
            "the array holds float64; qscope reads float32, so save it with a.astype(np.float32)")
        case "<f2": throw QScopeError.invalidFile(path: path, reason:
            "the array holds float16; qscope reads float32, so save it with a.astype(np.float32)")
        default:
            if descr.hasPrefix(">") {
                throw QScopeError.invalidFile(path: path, reason:
                    "the array is big-endian ('\(descr)'); save it little-endian with a.astype(a.dtype.newbyteorder('<'))")
            }
            throw QScopeError.invalidFile(path: path, reason: "unsupported element type '\(descr)'; qscope reads "
                + "float32 ('<f4'), uint8, int8, int32, int64 and bool arrays")
        }
    }

    private struct Header {
        var descr: String
        var fortranOrder: Bool
        var shape: [Int]
    }

    /// Parses the Python dict literal of the header, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    private static func parseHeader(_ text: String, path: String) throws -> Header {
        func bad(_ why: String) -> QScopeError {
            .invalidFile(path: path, reason: "malformed .npy header (\(why)): \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        var descr: String?
        var fortran: Bool?
        var shape: [Int]?
        let chars = Array(text)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        func expect(_ c: Character) throws {
            skipSpace()
            guard i < chars.count, chars[i] == c else { throw bad("expected '\(c)'") }
            i += 1
        }
        func quoted() throws -> String {
            skipSpace()
            guard i < chars.count, chars[i] == "'" || chars[i] == "\"" else { throw bad("expected a quoted string") }
            let q = chars[i]
            i += 1
            let start = i
            while i < chars.count, chars[i] != q { i += 1 }
            guard i < chars.count else { throw bad("unterminated string") }
            defer { i += 1 }
            return String(chars[start..<i])
        }
        try expect("{")
        while true {
            skipSpace()
            if i < chars.count, chars[i] == "}" { break }
            let key = try quoted()
            try expect(":")
            skipSpace()
            switch key {
            case "descr":
                descr = try quoted()
            case "fortran_order":
                if text[text.index(text.startIndex, offsetBy: i)...].hasPrefix("True") { fortran = true; i += 4 }
                else if text[text.index(text.startIndex, offsetBy: i)...].hasPrefix("False") { fortran = false; i += 5 }
                else { throw bad("fortran_order is neither True nor False") }
            case "shape":
                try expect("(")
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if i < chars.count, chars[i] == ")" { i += 1; break }
                    let start = i
                    while i < chars.count, chars[i].isNumber { i += 1 }
                    // Python 2 era files may write long integers as `3L`.
                    guard i > start, let d = Int(String(chars[start..<i])) else { throw bad("bad shape") }
                    if i < chars.count, chars[i] == "L" { i += 1 }
                    dims.append(d)
                    skipSpace()
                    if i < chars.count, chars[i] == "," { i += 1 }
                }
                shape = dims
            default:
                throw bad("unknown key '\(key)'")
            }
            skipSpace()
            if i < chars.count, chars[i] == "," { i += 1 }
        }
        guard let descr else { throw bad("no 'descr'") }
        guard let fortran else { throw bad("no 'fortran_order'") }
        guard let shape else { throw bad("no 'shape'") }
        return Header(descr: descr, fortranOrder: fortran, shape: shape)
    }
}
