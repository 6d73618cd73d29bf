import AlloyCLI
import AlloyCore
import ArgumentParser

/// `merge-yaml`: not built yet; its issue describes what it will do.
@main
struct MergeYamlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge-yaml", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "merge-yaml")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "merge-yaml is not implemented yet")
        }
    }
}
