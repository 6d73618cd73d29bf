import AlloyCore
import Foundation
import Testing

/// Every malformed input gets its own error code from the library, and from
/// `safetensors-inspect` exit status 1, one stderr line naming the problem, and
/// the same code in its JSON report.
@Suite struct MalformedFileTests {
    static let root = ToolTestSupport.temporaryDirectory()

    @Test(arguments: MalformedCorpus.cases) func libraryReportsTheExpectedCode(_ c: MalformedCase) throws {
        let input = try MalformedCorpus.materialize(c, in: Self.root + "/lib")
        // Strict opening (what every merge tool does) refuses the input with the code.
        do {
            let store = try TensorStore(path: input)
            if c.code == "index_total_size_mismatch" {
                // Not a rule of the format itself: only the inspector reports it.
                #expect(store.totalBytes == 16)
                return
            }
            Issue.record("\(c.name): opened without error")
        } catch let e as AlloyError {
            #expect(e.code == c.code, "\(c.name): \(e)")
            #expect(e.category == .invalidData, "\(c.name)")
            #expect(e.description.contains(c.messageFragment), "\(c.name): \(e)")
        }
        // Lenient opening lists what it can and collects the violation.
        if c.lenient && c.code != "index_total_size_mismatch" {
            let store = try TensorStore(path: input, strict: false)
            #expect(store.violations.map(\.code).contains(c.code), "\(c.name): \(store.violations)")
        }
    }

    @Test(arguments: MalformedCorpus.cases) func inspectExitsOneWithOneLineNamingTheProblem(_ c: MalformedCase) throws {
        let input = try MalformedCorpus.materialize(c, in: Self.root + "/cli")
        let human = try ToolTestSupport.run("safetensors-inspect", [input])
        #expect(human.status == 1, "\(c.name): \(human.stderr)")
        let lines = human.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(c.name): \(human.stderr)")
        #expect(lines.first?.hasPrefix("safetensors-inspect: error: ") == true, "\(c.name): \(human.stderr)")
        #expect(human.stderr.contains(c.messageFragment), "\(c.name): \(human.stderr)")
        #expect(human.stdout.contains(c.code), "\(c.name): the report names the code: \(human.stdout)")

        let json = try ToolTestSupport.run("safetensors-inspect", ["--json", input])
        #expect(json.status == 1)
        let doc = try JSONParser.parse(json.stdout)
        #expect(doc["valid"] == .bool(false))
        let report = doc["inputs"]?[0]
        let codes = (report?["violations"]?.arrayValue ?? []).compactMap { $0["code"]?.stringValue }
            + [report?["error"]?["code"]?.stringValue].compactMap { $0 }
        #expect(codes.contains(c.code), "\(c.name): \(codes)")
        if c.lenient { #expect(report?["tensors"]?.arrayValue != nil, "\(c.name): lenient inputs still list tensors") }
    }

    @Test func statsSkipTensorsWhoseBytesAreMissing() throws {
        let c = MalformedCorpus.cases.first { $0.name == "truncated download" }!
        let input = try MalformedCorpus.materialize(c, in: Self.root + "/stats")
        let r = try ToolTestSupport.run("safetensors-inspect", ["--json", "--stats", input])
        #expect(r.status == 1, "\(r.stderr)")
        let tensors = try JSONParser.parse(r.stdout)["inputs"]?[0]?["tensors"]?.arrayValue ?? []
        #expect(tensors.count == 2)
        #expect(tensors[0]["stats"]?["zeros"] == .int(4))
        #expect(tensors[1]["stats"] == .null)
        #expect(tensors[1]["stats_error"]?["code"] == .string("metadata_incomplete_buffer"))
    }

    @Test func unreadableInputsExitTwoAndValidOnesZero() throws {
        let missing = try ToolTestSupport.run("safetensors-inspect", ["/nonexistent/model.safetensors"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file"))
        let mixed = try ToolTestSupport.run("safetensors-inspect", [ToolTestSupport.fixtures + "/models/llama-base", "/nonexistent"])
        #expect(mixed.status == 2)
        let usage = try ToolTestSupport.run("safetensors-inspect", ["--sort", "sideways", "x"])
        #expect(usage.status == 64)
        let badRegex = try ToolTestSupport.run("safetensors-inspect", ["--filter", "(", "x"])
        #expect(badRegex.status == 64)
    }
}
