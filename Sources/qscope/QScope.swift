import ArgumentParser
import Engine
import Foundation

/// The qscope command line: thin wrappers that parse arguments and call the Engine, Diff and TUI modules.
@main
struct QScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qscope",
        abstract: "Find where int8 quantization loses a model's accuracy, and why.",
        version: "0.1.0",
        subcommands: [OpenCommand.self, RunCommand.self, AnalyzeCommand.self, CompareCommand.self, ExportCommand.self,
                      PassesCommand.self, BenchRenderCommand.self],
        defaultSubcommand: OpenCommand.self
    )

    static func main() {
        // OpenBLAS picks its kernels when it loads; on CPUs it fails to identify, re-executing once with
        // OPENBLAS_CORETYPE set gives the AVX2/AVX-512 kernels.
        BlasConfiguration.reexecWithFasterKernelsIfNeeded()
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { BlasConfiguration.setThreads(1) }
        AllocatorTuning.enable()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // ArgumentParser exits with 64 (EX_USAGE) on a bad command line; qscope exits with 2 for every bad
            // input. Help and --version are clean exits (0) and keep ArgumentParser's handling.
            if exitCode(for: error) == .validationFailure {
                let message = fullMessage(for: error)
                FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
