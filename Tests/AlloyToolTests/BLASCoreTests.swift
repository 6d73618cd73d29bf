import Foundation
import Testing

/// The tools pick OpenBLAS's fast kernels on their own: run with
/// `OPENBLAS_CORETYPE` removed from the environment, they report a core other
/// than the generic Prescott fallback (on an AVX-512 CPU, an AVX-512 one).
@Suite struct BLASCoreTests {
    static let cpuFlags: Set<String> = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: " ").map(String.init))
    }()

    /// The OpenBLAS core `tool` reports when started with exactly `environment`.
    static func reportedCore(_ tool: String, environment: [String: String]) throws -> (status: Int32, core: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ToolTestSupport.productsDirectory + "/" + tool)
        process.arguments = ["--debug-blas-core"]
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let core = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        return (process.terminationStatus, core)
    }

    @Test(arguments: ["safetensors-inspect", "tensor-diff", "merge-yaml", "extract-lora"])
    func toolsChooseFastKernelsWithoutBeingTold(_ tool: String) throws {
        guard Self.cpuFlags.contains("avx2") else { return }  // no fast kernels to expect on this CPU
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OPENBLAS_CORETYPE")
        let (status, core) = try Self.reportedCore(tool, environment: environment)
        #expect(status == 0)
        #expect(!core.isEmpty && core != "Prescott" && core != "Core2" && core != "Nehalem", "\(tool) runs OpenBLAS core \(core)")
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(Self.cpuFlags.contains) {
            #expect(["SkylakeX", "Cooperlake", "SapphireRapids"].contains(core), "AVX-512 CPU, core \(core)")
        }
    }

    /// Where OpenBLAS falls back to its generic kernels (simulated here by forcing
    /// `OPENBLAS_CORETYPE=Prescott`), the tool switches to the CPU's fast kernels and
    /// re-executes itself: the core it then reports is the fast one.
    @Test func genericKernelsAreReplacedByReexecuting() throws {
        guard Self.cpuFlags.contains("avx2") else { return }  // no fast kernels to expect on this CPU
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = "Prescott"
        environment["ALLOY_BLAS_RECHECK"] = "1"
        let (status, core) = try Self.reportedCore("safetensors-inspect", environment: environment)
        #expect(status == 0)
        let expected = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(Self.cpuFlags.contains) ? "SkylakeX" : "Haswell"
        #expect(core == expected, "forced Prescott, then re-executed with core \(core)")
    }

    /// Without the re-check, a user's explicit choice is respected.
    @Test func explicitCoreTypeIsRespected() throws {
        let r = try ToolTestSupport.run("safetensors-inspect", ["--debug-blas-core"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Prescott")
    }
}
