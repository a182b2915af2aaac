/// Element types qscope computes with. Raw values are ONNX's `TensorProto.DataType` numbers.
public enum DType: Int, CaseIterable, Sendable {
    case float = 1
    case uint8 = 2
    case int8 = 3
    case int32 = 6
    case int64 = 7
    case bool = 9

    /// The ONNX spelling, for messages.
    public var name: String {
        switch self {
        case .float: return "float32"
        case .uint8: return "uint8"
        case .int8: return "int8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        }
    }

    /// Bytes per element in ONNX `raw_data` and `.npy` files.
    public var byteSize: Int {
        switch self {
        case .float, .int32: return 4
        case .uint8, .int8, .bool: return 1
        case .int64: return 8
        }
    }

    /// ONNX's name for a data-type number qscope does not compute with, for error messages.
    public static func onnxName(_ raw: Int) -> String {
        let names = [0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32",
                     7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64",
                     14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16"]
        return names[raw] ?? "type \(raw)"
    }
}

/// A Swift type that can be a tensor element.
public protocol TensorElement: Equatable {
    static var dtype: DType { get }
    static var zero: Self { get }
    static func wrap(_ values: [Self]) -> TensorData
}

extension Float: TensorElement {
    public static var dtype: DType { .float }
    public static func wrap(_ values: [Float]) -> TensorData { .float(values) }
}
extension UInt8: TensorElement {
    public static var dtype: DType { .uint8 }
    public static func wrap(_ values: [UInt8]) -> TensorData { .uint8(values) }
}
extension Int8: TensorElement {
    public static var dtype: DType { .int8 }
    public static func wrap(_ values: [Int8]) -> TensorData { .int8(values) }
}
extension Int32: TensorElement {
    public static var dtype: DType { .int32 }
    public static func wrap(_ values: [Int32]) -> TensorData { .int32(values) }
}
extension Int64: TensorElement {
    public static var dtype: DType { .int64 }
    public static func wrap(_ values: [Int64]) -> TensorData { .int64(values) }
}
extension Bool: TensorElement {
    public static var dtype: DType { .bool }
    public static var zero: Bool { false }
    public static func wrap(_ values: [Bool]) -> TensorData { .bool(values) }
}
