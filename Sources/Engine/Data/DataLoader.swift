import Foundation

/// A model input that calibration samples must fill: its name, concrete shape and element type.
public struct InputSpec: Equatable, Sendable {
    public var name: String
    /// The concrete shape, batch included (e.g. `[1, 3, 224, 224]`). A dimension <= 0 accepts any size.
    public var shape: [Int]
    public var dtype: DType

    public init(name: String, shape: [Int], dtype: DType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }

    /// The specs of a graph's inputs. Symbolic dimensions come from `shapes[name]` or, for a leading batch
    /// dimension, 1; any other unknown dimension is an error asking for a shape.
    public static func fromGraph(_ graph: Graph, shapes: [String: [Int]] = [:]) throws -> [InputSpec] {
        try graph.inputs.map { info in
            guard let dtype = DType(rawValue: info.elementType) else {
                throw QScopeError.badInput(name: info.name, reason:
                    "the model expects \(DType.onnxName(info.elementType)), which qscope does not support")
            }
            if let given = shapes[info.name] {
                try InputValidator.checkGivenShape(given, for: info, source: "the shape given by input_shape or --shape")
            }
            guard let shape = InputValidator.concreteShape(info, override: shapes[info.name]) else {
                throw QScopeError.badInput(name: info.name, reason: "its declared shape \(info.shapeText) has unknown "
                    + "dimensions; give a concrete shape for it with --shape \(info.name)=DIMS or input_shape")
            }
            return InputSpec(name: info.name, shape: shape, dtype: dtype)
        }
    }

    func accepts(_ shape: [Int]) -> Bool {
        shape.count == self.shape.count && zip(shape, self.shape).allSatisfy { $1 <= 0 || $0 == $1 }
    }
}

/// How sample files are interpreted.
public enum SampleFormat: Equatable, Sendable {
    /// By extension: `.npy` arrays, or JPEG/PNG/BMP images.
    case auto
    case images
    case npy
    /// Headerless little-endian files of `dtype`; `shape` nil means the model input's shape.
    case raw(dtype: DType, shape: [Int]?)
}

/// An ordered set of calibration samples on disk, read one at a time so memory does not grow with its size.
public final class CalibrationDataset {
    /// The model inputs each sample fills, in order.
    public let inputs: [InputSpec]
    /// For each input (same order as `inputs`), its sample files in sorted order. All lists have equal length.
    public let files: [[String]]
    /// Things the caller should tell the user (too few samples, ignored files). Not errors.
    public let warnings: [String]
    let preprocess: [String: PreprocessConfig]
    let format: SampleFormat
    /// Samples held in memory instead of files (see `inMemory`).
    private let memory: [[String: Tensor]]?

    init(inputs: [InputSpec], files: [[String]], warnings: [String], preprocess: [String: PreprocessConfig],
         format: SampleFormat, memory: [[String: Tensor]]? = nil) {
        self.inputs = inputs
        self.files = files
        self.warnings = warnings
        self.preprocess = preprocess
        self.format = format
        self.memory = memory
    }

    /// Samples already in memory (e.g. the input of `qscope run --stage hybrid`), used as given: no
    /// preprocessing and no check beyond the executor's own. Each sample is reported as "<sample N>".
    public static func inMemory(_ samples: [[String: Tensor]]) -> CalibrationDataset {
        let names = samples.first.map { Array($0.keys).sorted() } ?? []
        let inputs = names.map { InputSpec(name: $0, shape: samples[0][$0]!.shape, dtype: samples[0][$0]!.dtype) }
        let files = names.map { _ in samples.indices.map { "<sample \($0 + 1)>" } }
        return CalibrationDataset(inputs: inputs, files: files, warnings: [], preprocess: [:], format: .auto, memory: samples)
    }

    /// Number of samples.
    public var count: Int { files.first?.count ?? 0 }

    /// The first `n` samples only.
    public func prefix(_ n: Int) -> CalibrationDataset {
        CalibrationDataset(inputs: inputs, files: files.map { Array($0.prefix(n)) }, warnings: warnings,
                           preprocess: preprocess, format: format, memory: memory.map { Array($0.prefix(n)) })
    }

    /// The files making up sample `index`, one per input.
    public func sampleFiles(_ index: Int) -> [String] { files.map { $0[index] } }

    /// Reads, preprocesses and checks sample `index`: one tensor per model input, matching its shape and type.
    public func sample(_ index: Int) throws -> [String: Tensor] {
        guard index >= 0 && index < count else {
            throw QScopeError.usage("sample \(index) does not exist; the dataset has \(count) samples")
        }
        if let memory { return memory[index] }
        var feeds: [String: Tensor] = [:]
        for (k, spec) in inputs.enumerated() {
            feeds[spec.name] = try DataLoader.load(files[k][index], for: spec, preprocess: preprocess[spec.name],
                                                   format: format)
        }
        return feeds
    }

    /// Calls `body` with every sample in order; stops at the first error.
    public func forEach(_ body: (Int, [String: Tensor]) throws -> Void) throws {
        for i in 0..<count { try body(i, try sample(i)) }
    }
}

/// Finds and reads calibration samples: a directory of images, `.npy` arrays or raw `.bin` files, with one
/// subdirectory per input name when the model has several inputs.
public enum DataLoader {
    /// Below this many samples the loader warns that the activation ranges may be under-covered.
    public static let recommendedSamples = 20

    /// Lists the samples in `directory` for `inputs` and checks the first one, so that configuration mistakes
    /// (wrong size, wrong channel count) fail before a long run. Later samples are checked when read.
    public static func open(directory: String, inputs: [InputSpec], preprocess: [String: PreprocessConfig] = [:],
                            format: SampleFormat = .auto,
                            minimumSamples: Int = DataLoader.recommendedSamples) throws -> CalibrationDataset {
        guard !inputs.isEmpty else { throw QScopeError.usage("the model has no inputs to calibrate") }
        for (name, config) in preprocess.sorted(by: { $0.key < $1.key }) {
            guard inputs.contains(where: { $0.name == name }) else {
                throw QScopeError.usage("preprocessing is configured for '\(name)', which is not a model input; "
                    + "the inputs are " + inputs.map { "'\($0.name)'" }.joined(separator: ", "))
            }
            try config.validate(input: name)
        }
        guard isDirectory(directory) else {
            throw QScopeError.fileUnreadable(path: directory, reason: FileManager.default.fileExists(atPath: directory)
                ? "it is a file; calibration data must be a directory of images, .npy or .bin files"
                : "no such directory")
        }
        if inputs.count > 1 {
            let missing = inputs.filter { !isDirectory((directory as NSString).appendingPathComponent($0.name)) }
            if !missing.isEmpty {
                throw QScopeError.fileUnreadable(path: directory, reason: "the model has \(inputs.count) inputs ("
                    + inputs.map { "'\($0.name)'" }.joined(separator: ", ")
                    + "), so the calibration directory needs one subdirectory per input name; missing: "
                    + missing.map { "'\($0.name)/'" }.joined(separator: ", "))
            }
        }
        var warnings: [String] = []
        var lists: [[String]] = []
        for spec in inputs {
            let sub = (directory as NSString).appendingPathComponent(spec.name)
            let folder: String
            if isDirectory(sub) {
                folder = sub
            } else if inputs.count == 1 {
                folder = directory
            } else {
                throw QScopeError.fileUnreadable(path: sub, reason: "the model has \(inputs.count) inputs ("
                    + inputs.map { "'\($0.name)'" }.joined(separator: ", ")
                    + "), so the calibration directory needs one subdirectory per input name, and this one is missing")
            }
            let (usable, ignored) = try listSamples(folder, format: format)
            if !ignored.isEmpty {
                let shown = ignored.prefix(3).joined(separator: ", ")
                warnings.append("ignored \(ignored.count) file\(ignored.count == 1 ? "" : "s") in '\(folder)' that "
                    + "\(ignored.count == 1 ? "is" : "are") not samples (\(shown)\(ignored.count > 3 ? ", ..." : ""))")
            }
            guard !usable.isEmpty else {
                let subdirectories = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                    .filter { !$0.hasPrefix(".") && isDirectory((folder as NSString).appendingPathComponent($0)) }
                let hint = subdirectories.isEmpty ? "" : "; it has \(subdirectories.count) subdirector"
                    + "\(subdirectories.count == 1 ? "y" : "ies"), but samples must sit directly in it (subdirectories "
                    + "are only for models with several inputs, one per input name)"
                throw QScopeError.fileUnreadable(path: folder, reason: "the directory holds no calibration samples "
                    + "(.jpg, .jpeg, .png, .bmp, .npy\(format == .auto || formatIsRaw(format) ? ", .bin" : ""))\(hint)")
            }
            lists.append(usable)
        }
        if let first = lists.first, lists.contains(where: { $0.count != first.count }) {
            let counts = zip(inputs, lists).map { "'\($0.name)': \($1.count)" }.joined(separator: ", ")
            throw QScopeError.usage("the input subdirectories hold different numbers of samples (\(counts)); "
                + "sample i is made of the i-th file of each, so they must match")
        }
        let n = lists[0].count
        if n < minimumSamples {
            warnings.append("only \(n) calibration sample\(n == 1 ? "" : "s") in '\(directory)'; use at least "
                + "\(minimumSamples): too few samples may not cover the activation ranges the model meets in use, "
                + "so the calibrated ranges clip real inputs and the accuracy estimate is optimistic or noisy")
        }
        // Check the first sample now, and say when configured normalization will not apply.
        for (k, spec) in inputs.enumerated() {
            let config = preprocess[spec.name]
            let (_, floatArray) = try loadSample(lists[k][0], for: spec, preprocess: config, format: format)
            if floatArray, let config, config.normType != .noPreprocess {
                warnings.append("input '\(spec.name)': its samples are float32 arrays, which are used as they are; "
                    + "norm_type \(config.normType.rawValue) (mean_value, scale_value) applies only to images and "
                    + "uint8 arrays")
            }
        }
        return CalibrationDataset(inputs: inputs, files: lists, warnings: warnings, preprocess: preprocess,
                                  format: format)
    }

    private static func formatIsRaw(_ f: SampleFormat) -> Bool {
        if case .raw = f { return true }
        return false
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Regular files of a sample kind in `folder`, sorted by name, and the names of the files that were skipped.
    static func listSamples(_ folder: String, format: SampleFormat) throws -> (usable: [String], ignored: [String]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw QScopeError.fileUnreadable(path: folder, reason: "cannot list the directory (\(error.localizedDescription))")
        }
        var usable: [String] = [], ignored: [String] = []
        var kinds = Set<String>()
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            if isDirectory(path) { continue }
            let ext = (name as NSString).pathExtension.lowercased()
            let kind: String?
            switch format {
            case .auto:
                kind = ext == "npy" ? "npy" : ext == "bin" ? "raw"
                    : (ImageDecoder.extensions.contains(ext) ? "image" : nil)
            case .images: kind = ImageDecoder.extensions.contains(ext) ? "image" : nil
            case .npy: kind = ext == "npy" ? "npy" : nil
            case .raw: kind = ext == "bin" || ext == "raw" ? "raw" : nil
            }
            if let kind {
                usable.append(path)
                kinds.insert(kind)
            } else {
                ignored.append(name)
            }
        }
        if kinds.count > 1 {
            let names = ["image": "images", "npy": ".npy files", "raw": ".bin files"]
            let found = kinds.sorted().compactMap { names[$0] }
            throw QScopeError.usage("'\(folder)' mixes " + found.dropLast().joined(separator: ", ") + " and "
                + found.last! + "; use one kind of sample per directory")
        }
        return (usable, ignored)
    }

    /// Reads one sample file and turns it into the tensor for `spec`.
    /// Float32 arrays are used as they are; uint8 arrays and images are normalized with `preprocess`.
    public static func load(_ path: String, for spec: InputSpec, preprocess: PreprocessConfig?,
                            format: SampleFormat) throws -> Tensor {
        try loadSample(path, for: spec, preprocess: preprocess, format: format).tensor
    }

    /// `load`, also telling whether the file was a float32 array (so normalization was not applied).
    static func loadSample(_ path: String, for spec: InputSpec, preprocess: PreprocessConfig?,
                           format: SampleFormat) throws -> (tensor: Tensor, floatArray: Bool) {
        let ext = (path as NSString).pathExtension.lowercased()
        var tensor: Tensor
        var isImage = false
        switch format {
        case .raw(let dtype, let shape):
            tensor = try readRaw(path, dtype: dtype, shape: shape ?? spec.shape)
        default:
            if ext == "bin" {
                tensor = try readRaw(path, for: spec)
            } else if ext == "npy" {
                tensor = try Npy.read(path: path)
            } else {
                let config = preprocess ?? PreprocessConfig()
                tensor = try config.tensor(from: try ImageDecoder.readRGB(path: path), input: spec.name)
                isImage = true
            }
        }
        let floatArray = !isImage && tensor.dtype == .float
        if !isImage {
            // A sample saved without the batch dimension gets one.
            if !spec.accepts(tensor.shape), spec.accepts([1] + tensor.shape) {
                tensor = try tensor.reshaped([1] + tensor.shape)
            }
            if tensor.dtype == .uint8 && spec.dtype == .float {
                // Raw pixels: convert and normalize as configured.
                tensor = try (preprocess ?? PreprocessConfig()).normalize(tensor, input: spec.name)
            }
        } else if spec.dtype == .uint8 {
            guard (preprocess?.normType ?? .noPreprocess) == .noPreprocess else {
                throw QScopeError.usage("input '\(spec.name)' takes uint8 pixels, so its norm_type must be no_preprocess")
            }
            tensor = Tensor(shape: tensor.shape, data: .uint8(try tensor.floats().map { UInt8(max(0, min(255, $0.rounded()))) }))
        }
        guard spec.accepts(tensor.shape) else {
            let hint = isImage ? "; set resize and centre crop so that the image matches (or check input_layout_train)"
                : ""
            throw QScopeError.invalidFile(path: path, reason: "\(isImage ? "after preprocessing it has" : "it has") "
                + "shape \(tensor.shape) but model input '\(spec.name)' expects \(spec.shape)\(hint)")
        }
        guard tensor.dtype == spec.dtype else {
            throw QScopeError.invalidFile(path: path, reason: "it holds \(tensor.dtype.name) but model input "
                + "'\(spec.name)' expects \(spec.dtype.name)")
        }
        if case .float(let values) = tensor.data, let bad = values.firstIndex(where: { !$0.isFinite }) {
            let what = values[bad].isNaN ? "NaN" : "infinity"
            let total = values.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
            throw QScopeError.invalidFile(path: path, reason: "it contains \(what) at element \(bad) (\(total) "
                + "non-finite value\(total == 1 ? "" : "s") of \(values.count)); calibration data must be finite")
        }
        return (tensor, floatArray)
    }
}
