import AlloyCLI
import ArgumentParser

/// `merge-tokenizer`: vocabulary work on Hugging Face tokenizers. `merge` (the
/// default) merges several models' vocabularies as mergekit's `tokenizer:` section does.
@main
struct MergeTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge-tokenizer",
        abstract: "Merge the vocabularies of several models' tokenizers (mergekit's tokenizer: semantics).",
        discussion: """
        Without a subcommand, runs 'merge'. See 'merge-tokenizer help merge'.

        EXAMPLES:
          merge-tokenizer models/a models/b --source union --out merged-tok
          merge-tokenizer merge models/a models/b --source base --out tok --json > mapping.json

        EXIT STATUS:
          0  the tokenizer was written
          2  a model, its tokenizer or the output could not be used (one line on stderr says why)
          64 the command line is wrong
        """,
        subcommands: [
            MergeCommand.self,
            TransplantCommand.self,
        ],
        defaultSubcommand: MergeCommand.self)

    static func main() {
        ToolRunner.prepare(toolName: "merge-tokenizer")
        main(nil)
    }
}
