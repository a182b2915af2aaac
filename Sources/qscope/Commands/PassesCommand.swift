import ArgumentParser
import Engine
import Foundation

/// `qscope passes`: the optimized-float passes, and what they do to a model.
struct PassesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passes",
        abstract: "List the optimized-float passes and apply them to a model.")

    @Argument(help: "The ONNX model file.")
    var model: String

    @Option(name: .customLong("shape"), help: ArgumentHelp("Concrete shape of a dynamic input.", valueName: "NAME=DIMS"))
    var shapes: [String] = []

    @Option(name: .shortAndLong, help: "Write the optimized model here (activations unfused, so any runtime reads it).")
    var output: String?

    func run() throws {
        try reportingFailures {
            if let output, FileIO.sameFile(output, model) {
                throw QScopeError.usage("-o \(output) is the input model; write the optimized model elsewhere")
            }
            if let output { try FileIO.checkWritable(output) }
            let loaded = try ModelLoader.load(path: model)
            // The passes run the model (shape constants, folding): the same operator check as `run`.
            try Executor.checkSupported(loaded.graph)
            var inputShapes = try InputArguments.shapes(shapes, model: loaded)
            for info in loaded.graph.inputs where inputShapes[info.name] == nil {
                guard let s = InputValidator.concreteShape(info, override: nil) else {
                    throw QScopeError.badInput(name: info.name, reason: "its shape \(info.shapeText) has unknown dimensions; give --shape \(info.name)=DIMS")
                }
                inputShapes[info.name] = s
            }
            print("passes, in order:")
            for p in PassManager.passes { print("  \(p.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(p.description)") }
            let optimized = try PassManager.optimize(loaded, inputShapes: inputShapes)
            print("\n\(model): \(loaded.graph.nodes.count) nodes -> \(optimized.model.graph.nodes.count) nodes")
            for record in optimized.log {
                let nodes = record.nodes.prefix(6).joined(separator: ", ") + (record.nodes.count > 6 ? ", …" : "")
                print("  \(record.pass): \(record.summary)" + (nodes.isEmpty ? "" : " [\(nodes)]"))
            }
            if !optimized.fusedInto.isEmpty { print("  \(optimized.fusedInto.count) tensors fused into other nodes") }
            if let output {
                try ModelWriter.write(ActivationFusion.unfuse(optimized.model), to: output)
                print("wrote \(output)")
            }
        }
    }
}
