import AlloyCore
import Foundation
import Testing

/// SVD-merged factors carry a fixed sign convention, so they (and `--svd-clamp`) do not
/// depend on the signs a LAPACK build happens to give singular vectors.
@Suite struct LoRASignConventionTests {
    @Test func svdFactorsHavePositiveLargestEntryPerColumnOfB() throws {
        let out = ToolTestSupport.temporaryDirectory() + "/svd"
        let r = try ToolTestSupport.run("merge-lora", ["./models/lora-a", "./models/lora-b", "--out", out, "--method", "svd",
                                                      "--weights=0.5,1.0", "--svd-rank", "8", "--svd-clamp", "0.99", "-q"],
                                        in: ToolTestSupport.fixtures)
        #expect(r.status == 0, "\(r.stderr)")
        let store = try TensorStore(path: out)
        let bNames = store.names.filter { $0.hasSuffix("lora_B.weight") }
        #expect(!bNames.isEmpty)
        for name in bNames {
            let b = try store.tensor(name)
            let rows = b.shape[0], rank = b.shape[1]
            for j in 0..<rank {
                var best: Float = 0
                for o in 0..<rows where abs(b.values[o * rank + j]) > abs(best) { best = b.values[o * rank + j] }
                #expect(best >= 0, "\(name) column \(j): largest entry \(best)")
            }
        }
    }
}
