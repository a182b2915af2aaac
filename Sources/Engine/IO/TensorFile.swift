import Foundation

/// Reads and writes single tensors in the file formats qscope accepts for model inputs.
public enum TensorFile {
    /// Reads `.npy` (NumPy) or `.pb` (serialized ONNX TensorProto); the extension decides the format.
    public static func read(path: String) throws -> Tensor {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "pb":
            return try TensorProtoCodec.read(path: path).tensor
        case "npy":
            return try Npy.read(path: path)
        default:
            throw QScopeError.invalidFile(path: path, reason:
                "unknown tensor file type; use .npy (NumPy) or .pb (serialized ONNX TensorProto)")
        }
    }
}
