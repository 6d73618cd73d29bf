import AlloyCLI
import AlloyCore
import ArgumentParser

/// `apply-lora`: not built yet; its issue describes what it will do.
@main
struct ApplyLoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apply-lora", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "apply-lora")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "apply-lora is not implemented yet")
        }
    }
}
