import CStb
import Foundation

/// Decodes JPEG and PNG files with stb_image.
public enum ImageDecoder {
    /// File extensions treated as images (lower case).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "bmp"]

    /// Decodes image bytes to 8-bit RGB. `path` is only used in messages.
    public static func decodeRGB(_ bytes: Data, path: String) throws -> Image {
        guard !bytes.isEmpty else { throw QScopeError.invalidFile(path: path, reason: "cannot decode the image: the file is empty") }
        guard bytes.count <= Int(Int32.max) else {
            throw QScopeError.invalidFile(path: path, reason: "cannot decode the image: the file is larger than 2 GiB")
        }
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        let decoded: UnsafeMutablePointer<UInt8>? = bytes.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress else { return nil }
            return stbi_load_from_memory(base, Int32(raw.count), &w, &h, &c, 3)
        }
        guard let decoded else {
            let reason = stbi_failure_reason().map { String(cString: $0) } ?? "unknown reason"
            throw QScopeError.invalidFile(path: path, reason: "cannot decode the image (stb_image: \(reason))")
        }
        defer { stbi_image_free(decoded) }
        let count = try Tensor.elementCount([Int(h), Int(w), 3], what: "the image '\(path)'")
        let pixels = Array(UnsafeBufferPointer(start: decoded, count: count))
        return Image(width: Int(w), height: Int(h), channels: 3, pixels: pixels)
    }

    /// Reads and decodes an image file to 8-bit RGB.
    public static func readRGB(path: String) throws -> Image {
        try decodeRGB(try FileIO.read(path), path: path)
    }
}
