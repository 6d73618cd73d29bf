import AlloyCLI
import AlloyCore
import ArgumentParser

/// `tensor-diff`: not built yet; its issue describes what it will do.
@main
struct TensorDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tensor-diff", abstract: "Not implemented yet.")

    static func main() {
        ToolRunner.prepare(toolName: "tensor-diff")
        main(nil)
    }

    func run() throws {
        try ToolRunner.run {
            throw AlloyError(.unsupported, code: "not_implemented", "tensor-diff is not implemented yet")
        }
    }
}
