import AlloyCLI
import AlloyCore
import ArgumentParser

/// `merge-moe`: not built yet; its issue describes what it will do.
@main
struct MergeMoeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge-moe", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "merge-moe")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "merge-moe is not implemented yet")
        }
    }
}
