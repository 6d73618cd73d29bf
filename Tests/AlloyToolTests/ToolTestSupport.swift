import AlloyTestSupport
import Foundation
import Testing

/// Running the built tools and the shared conformance checker from tests.
enum ToolTestSupport {
    /// The package root.
    static let packageRoot = TestPaths.packageRoot

    /// `../shared` beside the package root.
    static let shared = URL(fileURLWithPath: packageRoot).appendingPathComponent("../shared").standardizedFileURL.path
    /// `../shared/fixtures`: the folder every case's paths are relative to.
    static let fixtures = shared + "/fixtures"

    /// The folder holding the built executables (the test bundle sits beside them).
    static let productsDirectory: String = {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().path
        }
        return Bundle.main.bundleURL.path
    }()

    /// What a tool run printed and how it exited.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the built tool `name` with `arguments` in `directory`, feeding `stdin` if given.
    static func run(_ name: String, _ arguments: [String], in directory: String? = nil, stdin: String? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        try runExecutable(productsDirectory + "/" + name, arguments, in: directory, stdin: stdin, environment: environment)
    }

    /// Runs any executable and collects its output.
    static func runExecutable(_ path: String, _ arguments: [String], in directory: String? = nil, stdin: String? = nil,
                              environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so neither can fill up and stall the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() -> String { TestPaths.temporaryDirectory(prefix: "alloy-tooltest-") }

    /// Names of the public cases (file names under `fixtures/cases`) whose `tool` field is one of `tools`.
    static func cases(tools: Set<String>) -> [String] {
        let dir = fixtures + "/cases"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return files.filter { file in
            guard let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8) else { return false }
            return tools.contains(caseField("tool", in: text) ?? "")
        }
    }

    /// The public cases under `fixtures/cases/next` (features being built) whose `tool` is one
    /// of `tools`, named `next/FILE` so they resolve like the others.
    static func nextCases(tools: Set<String>) -> [String] {
        let dir = fixtures + "/cases/next"
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return files.filter { file in
            guard let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8) else { return false }
            return tools.contains(caseField("tool", in: text) ?? "")
        }.map { "next/" + $0 }
    }

    /// A metadata field of a case file: `# key: value` in YAML cases, `"key": "value"` in JSON ones.
    static func caseField(_ key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let s = line.trimmingCharacters(in: .whitespaces)
            if s.hasPrefix("# \(key):") { return s.dropFirst(key.count + 3).trimmingCharacters(in: .whitespaces) }
            if s.hasPrefix("\"\(key)\":") {
                return s.dropFirst(key.count + 3).trimmingCharacters(in: CharacterSet(charactersIn: " \",")) 
            }
        }
        return nil
    }

    /// Runs `../shared/tools/compare.py OUT refs/CASE --case-file cases/FILE` from the fixtures folder.
    static func compare(output: String, caseFile: String) throws -> Result {
        let name = ((caseFile as NSString).lastPathComponent as NSString).deletingPathExtension
        return try runExecutable("/usr/bin/env", ["python3", shared + "/tools/compare.py", output, "refs/\(name)",
                                                   "--case-file", "cases/\(caseFile)"], in: fixtures)
    }
}
