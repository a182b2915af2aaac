import ArgumentParser
import Engine

/// The qscope command line: thin wrappers that parse arguments and call the Engine, Diff and TUI modules.
@main
struct QScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qscope",
        abstract: "Find where int8 quantization loses a model's accuracy, and why.",
        subcommands: [RunCommand.self]
    )
}
