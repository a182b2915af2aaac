import Engine
import Foundation

/// Parses `--input` and `--shape` values against a model's declared inputs.
enum InputArguments {
    /// `NAME=FILE` pairs, or a bare `FILE` when the model has exactly one input; each input at most once.
    static func files(_ values: [String], model: Model) throws -> [String: String] {
        let names = model.graph.inputs.map(\.name)
        let listed = names.map { "'\($0)'" }.joined(separator: ", ")
        var result: [String: String] = [:]
        for value in values {
            let equals = value.indices.filter { value[$0] == "=" }
            let name: String, file: String
            if let eq = equals.first(where: { names.contains(String(value[..<$0])) }) {
                (name, file) = (String(value[..<eq]), String(value[value.index(after: eq)...]))
            } else if let eq = equals.first, !FileManager.default.fileExists(atPath: value) {
                throw QScopeError.usage("--input '\(value)': the model has no input named '\(value[..<eq])'; its "
                    + (names.count == 1 ? "only input is \(listed)" : "inputs are \(listed)"))
            } else if names.count == 1 {
                (name, file) = (names[0], value)
            } else if names.isEmpty {
                throw QScopeError.usage("--input '\(value)': the model has no inputs")
            } else {
                throw QScopeError.usage("--input '\(value)': the model has \(names.count) inputs (\(listed)), so "
                    + "write NAME=FILE")
            }
            if let earlier = result[name] {
                throw QScopeError.usage("--input '\(value)': input '\(name)' is already given ('\(earlier)'); give "
                    + "each input once")
            }
            result[name] = file
        }
        return result
    }

    /// `NAME=DIMS` pairs such as `x=1x3x224x224`.
    static func shapes(_ values: [String], model: Model) throws -> [String: [Int]] {
        let names = model.graph.inputs.map(\.name)
        var result: [String: [Int]] = [:]
        for value in values {
            var name: String, dims: Substring
            if let eq = value.lastIndex(of: "=") {
                name = String(value[..<eq]); dims = value[value.index(after: eq)...]
            } else if names.count == 1 {
                name = names[0]; dims = Substring(value)
            } else {
                throw QScopeError.usage("--shape '\(value)': write NAME=DIMS, for example \(names.first ?? "input")=1x3x224x224")
            }
            guard let info = model.graph.inputs.first(where: { $0.name == name }) else {
                throw QScopeError.usage("--shape '\(value)': the model has no input '\(name)'; its inputs are "
                    + names.map { "'\($0)'" }.joined(separator: ", "))
            }
            guard let parsed = DimensionText.shape(String(dims)) else {
                throw QScopeError.usage("--shape '\(value)': dimensions must be positive integers like 1x3x224x224")
            }
            try InputValidator.checkGivenShape(parsed, for: info, source: "--shape '\(value)'")
            result[name] = parsed
        }
        return result
    }

    /// Loads every model input: from its file, or a deterministic pseudo-random tensor of its resolved shape.
    static func load(model: Model, inputs: [String], shapes: [String]) throws -> (feeds: [String: Tensor], synthesized: [String]) {
        let files = try files(inputs, model: model)
        let shapeOverrides = try self.shapes(shapes, model: model)
        var feeds: [String: Tensor] = [:]
        var synthesized: [String] = []
        for info in model.graph.inputs {
            if let path = files[info.name] {
                feeds[info.name] = try TensorFile.read(path: path)
                continue
            }
            guard let shape = InputValidator.concreteShape(info, override: shapeOverrides[info.name]) else {
                throw QScopeError.badInput(name: info.name, reason: "its shape \(info.shapeText) has unknown dimensions; "
                    + "give a file with --input \(info.name)=FILE or a shape with --shape \(info.name)=DIMS")
            }
            let dtype = DType(rawValue: info.elementType) ?? .float
            feeds[info.name] = try SyntheticInput.make(shape: shape, dtype: dtype)
            synthesized.append(info.name)
        }
        return (feeds, synthesized)
    }
}
