import AlloyCLI
import AlloyCore
import ArgumentParser

/// `extract-lora`: not built yet; its issue describes what it will do.
@main
struct ExtractLoraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extract-lora", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "extract-lora")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "extract-lora is not implemented yet")
        }
    }
}
