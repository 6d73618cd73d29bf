import AlloyCLI
import AlloyCore
import ArgumentParser

/// `safetensors-inspect`: not built yet; its issue describes what it will do.
@main
struct SafetensorsInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "safetensors-inspect", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "safetensors-inspect")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "safetensors-inspect is not implemented yet")
        }
    }
}
