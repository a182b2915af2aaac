import Engine
import Foundation

// Temporary until Engine's Npy codec lands.
enum Npy {
    static func encode(_ t: Tensor) -> Data {
        let descr: String
        switch t.dtype {
        case .float: descr = "<f4"
        case .uint8: descr = "|u1"
        case .int8: descr = "|i1"
        case .int32: descr = "<i4"
        case .int64: descr = "<i8"
        case .bool: descr = "|b1"
        }
        let shape = t.shape.isEmpty ? "()" : t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var d = Data([0x93]) + Data("NUMPY".utf8) + Data([1, 0])
        let n = UInt16(header.utf8.count)
        d.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)])
        d.append(Data(header.utf8))
        d.append(TensorProtoCodec.rawBytes(t.data))
        return d
    }
}
