extension PreprocessConfig {
    /// One line saying what preprocessing makes an image into the model input, for reports and the analyze
    /// output: colour types, layout, resize and crop, and the normalization with its values.
    public var summary: String {
        var parts = ["\(inputTypeTrain.rawValue) (device \(inputTypeRuntime.rawValue))", layoutTrain.rawValue]
        switch resize {
        case .shortSide(let s)?: parts.append("resize short side \(s)")
        case .exact(let h, let w)?: parts.append("resize \(h)x\(w)")
        case nil: break
        }
        if let crop = centerCrop { parts.append("centre crop \(crop.height)x\(crop.width)") }
        func list(_ v: [Float]) -> String { v.count == 1 ? "\(v[0])" : "[" + v.map { "\($0)" }.joined(separator: ", ") + "]" }
        switch normType {
        case .dataMeanAndScale: parts.append("norm_type \(normType.rawValue): (x - \(list(mean))) * \(list(scale))")
        case .dataMean: parts.append("norm_type \(normType.rawValue): x - \(list(mean))")
        case .dataScale: parts.append("norm_type \(normType.rawValue): x * \(list(scale))")
        case .noPreprocess: parts.append("norm_type \(normType.rawValue): pixel values 0-255 as they are")
        }
        return parts.joined(separator: ", ")
    }
}
