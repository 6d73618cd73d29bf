import AlloyCLI
import AlloyCore
import ArgumentParser

/// `merge-lora`: not built yet; its issue describes what it will do.
@main
struct MergeLoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge-lora", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "merge-lora")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "merge-lora is not implemented yet")
        }
    }
}
