import AlloyCLI
import AlloyCore
import ArgumentParser

/// `merge-tokenizer`: not built yet; its issue describes what it will do.
@main
struct MergeTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge-tokenizer", abstract: "Not implemented yet.",
                                                    subcommands: [TransplantCommand.self])

    static func main() {
        ToolRunner.prepare(toolName: "merge-tokenizer")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "merge-tokenizer is not implemented yet")
        }
    }
}
