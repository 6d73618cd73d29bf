@testable import AlloyFormat
@testable import AlloyMerge
import Testing

@Suite struct MergeMethodRegistryTests {
    /// mergekit 0.1.x's 20 method names, every one of them implemented.
    @Test func everyMergekitMethodResolves() throws {
        let mergekit: Set<String> = [
            "linear", "slerp", "nuslerp", "passthrough", "model_stock", "arcee_fusion", "karcher",
            "task_arithmetic", "ties", "dare_ties", "dare_linear", "breadcrumbs", "breadcrumbs_ties",
            "della", "della_linear", "multislerp", "nearswap", "sce", "ram", "ramplus_tl",
        ]
        #expect(Set(MergeMethodRegistry.names) == mergekit)
        #expect(MergeMethodRegistry.names.count == mergekit.count)
        for name in mergekit { #expect(try MergeMethodRegistry.method(named: name).name == name) }
    }

    @Test func unknownMethodSuggestsTheNearestName() {
        #expect {
            try MergeMethodRegistry.method(named: "tie")
        } throws: { error in
            guard let e = error as? AlloyError else { return false }
            return e.code == "unknown_method" && (e.hint ?? "").contains("did you mean ties?")
        }
    }
}
