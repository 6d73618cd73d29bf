import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS set-up: picking the fast kernels on CPUs the library does not recognise.
///
/// Debian's OpenBLAS 0.3.21 does not know recent Intel cores and silently falls
/// back to its generic "Prescott" kernels (sgemm about 5x slower). The library
/// reads `OPENBLAS_CORETYPE` only when it loads, so a tool that finds itself on
/// the slow path sets the variable from the CPU's features and re-executes itself.
public enum BLASRuntime {
    /// The kernel set OpenBLAS chose (`SkylakeX`, `Haswell`, `Prescott`, ...).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build description (`OpenBLAS 0.3.21 DYNAMIC_ARCH ...`).
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Sets the number of threads OpenBLAS uses inside one call.
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// The core type this CPU should use, from `/proc/cpuinfo`'s flags.
    public static func recommendedCoreType(cpuFlags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        if cpuFlags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The flags line of `/proc/cpuinfo`.
    public static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            if let colon = line.firstIndex(of: ":") {
                return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
            }
        }
        return []
    }

    /// The core type to switch to when OpenBLAS chose `core` on a CPU with `cpuFlags`,
    /// or nil when `core` is already a fast one (or nothing better fits the CPU).
    public static func upgrade(from core: String, cpuFlags: Set<String>) -> String? {
        let generic = ["Prescott", "Core2", "Nehalem", "Atom", "Katmai", "Banias"]
        guard generic.contains(core) || core.lowercased().contains("generic") else { return nil }
        return recommendedCoreType(cpuFlags: cpuFlags)
    }

    /// Environment variable that makes `ensureFastKernels` check the core even when
    /// `OPENBLAS_CORETYPE` is already set (a diagnostic, used by the tests to prove the
    /// switch works on CPUs that OpenBLAS already recognises).
    public static let recheckVariable = "ALLOY_BLAS_RECHECK"

    /// Makes sure OpenBLAS runs its fast kernels, re-executing the process if needed.
    ///
    /// Call first thing in `main`. Does nothing when `OPENBLAS_CORETYPE` is already
    /// set (by the user or by an earlier pass), when the detected core is not the
    /// generic fallback, or when no better core type fits this CPU.
    public static func ensureFastKernels() {
        let environment = ProcessInfo.processInfo.environment
        let recheck = environment[recheckVariable] != nil
        guard environment["OPENBLAS_CORETYPE"] == nil || recheck else { return }
        unsetenv(recheckVariable)
        guard let better = upgrade(from: coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        // Only the library's load reads the variable: start again with it set.
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the slow kernels.
    }
}
