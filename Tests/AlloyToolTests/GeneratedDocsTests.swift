import Foundation
import Testing

/// `man/` and `completions/` are generated from the tools' argument definitions
/// by `scripts/generate-docs`; this fails when the committed files are stale.
@Suite struct GeneratedDocsTests {
    static let tools = ["safetensors-inspect", "tensor-diff", "merge-yaml", "merge-lora",
                        "apply-lora", "extract-lora", "merge-moe", "merge-tokenizer"]

    static func files(under root: String) -> [String] {
        var out: [String] = []
        for folder in ["man", "completions"] {
            let base = root + "/" + folder
            guard let walker = FileManager.default.enumerator(atPath: base) else { continue }
            while let item = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: base + "/" + item, isDirectory: &isDirectory), !isDirectory.boolValue {
                    out.append(folder + "/" + item)
                }
            }
        }
        return out.sorted()
    }

    @Test func manPagesAndCompletionsAreUpToDate() throws {
        let out = ToolTestSupport.temporaryDirectory()
        let r = try ToolTestSupport.runExecutable(ToolTestSupport.packageRoot + "/scripts/generate-docs",
                                                  ["--bin", ToolTestSupport.productsDirectory, out])
        #expect(r.status == 0, "\(r.stderr)")
        let fresh = Self.files(under: out)
        #expect(fresh.count == Self.tools.count * 4)
        let committed = Self.files(under: ToolTestSupport.packageRoot)
        let stale = fresh.filter { file in
            let a = FileManager.default.contents(atPath: out + "/" + file)
            let b = FileManager.default.contents(atPath: ToolTestSupport.packageRoot + "/" + file)
            return a != b
        }
        #expect(committed == fresh, "run scripts/generate-docs: the set of generated files changed")
        #expect(stale.isEmpty, "run scripts/generate-docs: stale \(stale)")
    }

    @Test(arguments: tools) func everyManPageHasTheRequiredSections(_ tool: String) throws {
        let page = try String(contentsOfFile: ToolTestSupport.packageRoot + "/man/\(tool).1", encoding: .utf8)
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES", "EXIT STATUS"] {
            #expect(page.contains("\n.SH \(section)\n"), "\(tool).1 lacks \(section)")
        }
        #expect(page.hasPrefix(".TH \(tool.uppercased()) 1 "))
    }
}
