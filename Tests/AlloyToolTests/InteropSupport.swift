import AlloyCore
import Foundation
import Testing

/// Running the Python checks in `Tests/AlloyToolTests/Interop/` (Transformers, PEFT) on the
/// tools' outputs. They need PyTorch, Transformers and PEFT, which a fresh CI machine lacks:
/// `available` says whether they import, and the interop suite is disabled when they do not.
enum Interop {
    /// The folder of the Python checks.
    static let scripts = ToolTestSupport.packageRoot + "/Tests/AlloyToolTests/Interop"

    /// True when `python3 -c "import torch, transformers, peft"` succeeds.
    static let available: Bool = {
        let r = try? ToolTestSupport.runExecutable("/usr/bin/env", ["python3", "-c", "import torch, transformers, peft"])
        return r?.status == 0
    }()

    /// Offline, quiet, single-threaded, and no `__pycache__` in the source tree.
    static let environment = [
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TQDM_DISABLE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONDONTWRITEBYTECODE": "1",
        "OMP_NUM_THREADS": "1",  // tiny models: threads only add overhead on a shared machine
    ]

    struct CheckFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `script` with `arguments` and returns the JSON list of reports it prints.
    static func check(_ script: String, _ arguments: [String]) throws -> [JSONValue] {
        let r = try ToolTestSupport.runExecutable("/usr/bin/env", ["python3", scripts + "/" + script] + arguments,
                                                  environment: environment)
        guard r.status == 0, let reports = try? JSONParser.parse(r.stdout).arrayValue else {
            throw CheckFailed(description: "\(script) exited \(r.status):\n\(r.stdout)\n\(r.stderr.suffix(3000))")
        }
        for report in reports where report["error"] != nil {
            Issue.record("\(script): \(report["error"]?.stringValue ?? "?")")
        }
        return reports
    }

    /// Runs `check` with a JSON specification as its one argument.
    static func check(_ script: String, spec: JSONValue) throws -> [JSONValue] {
        try check(script, [JSONWriter.compact.string(spec)])
    }

    /// A JSON object from key/value pairs, in order.
    static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { ($0.key, $0.value) })
    }

    /// Runs a built tool and expects it to succeed.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], in directory: String? = ToolTestSupport.fixtures) throws -> ToolTestSupport.Result {
        let r = try ToolTestSupport.run(name, arguments, in: directory)
        #expect(r.status == 0, "\(name) \(arguments.joined(separator: " ")) exited \(r.status): \(r.stderr)")
        return r
    }

    /// A fixture model directory.
    static func model(_ name: String) -> String { ToolTestSupport.fixtures + "/models/" + name }
}

extension JSONValue {
    /// A number field, or NaN (so a missing value fails every `<=` comparison).
    func number(_ key: String) -> Double { self[key]?.doubleValue ?? .nan }
    /// A list-of-strings field (empty if absent).
    func strings(_ key: String) -> [String] { (self[key]?.arrayValue ?? []).compactMap(\.stringValue) }
    /// A string field.
    func string(_ key: String) -> String { self[key]?.stringValue ?? "" }
}
