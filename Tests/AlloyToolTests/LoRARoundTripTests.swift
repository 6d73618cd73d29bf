import AlloyCore
import Foundation
import Testing

/// extract-lora then apply-lora gives back the fine-tune: the two tools agree on layouts,
/// scalings, embeddings and modules_to_save.
@Suite struct LoRARoundTripTests {
    @Test func fullRankExtractionFoldsBackToTheFineTune() throws {
        let models = ToolTestSupport.fixtures + "/models/"
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Rank 64 is full rank for every 64×64 / 64×128 / 32×64 weight of the tiny Llama.
        let extract = try ToolTestSupport.run("extract-lora", ["--model", models + "llama-ft1", "--base-model", models + "llama-base",
                                                               "--out-path", dir + "/adapter", "--max-rank", "64", "-q"])
        #expect(extract.status == 0, "\(extract.stderr)")
        let apply = try ToolTestSupport.run("apply-lora", [models + "llama-base", dir + "/adapter", dir + "/model", "-q"])
        #expect(apply.status == 0, "\(apply.stderr)")
        let rebuilt = try TensorStore(path: dir + "/model"), ft = try TensorStore(path: models + "llama-ft1")
        let base = try TensorStore(path: models + "llama-base")
        #expect(Set(rebuilt.names) == Set(ft.names))
        for name in ft.names {
            let a = try rebuilt.tensor(name).values, b = try ft.tensor(name).values, w = try base.tensor(name).values
            let weightScale = b.map { abs($0) }.max() ?? 1
            let deltaScale = zip(b, w).map { abs($0 - $1) }.max() ?? 0
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            // bf16 factors (2^-8 relative) and one bf16 rounding of the sum (2^-8 of the weight).
            let tolerance = deltaScale * 0.03 + weightScale * 0.004
            #expect(worst <= tolerance, "\(name): max difference \(worst) > \(tolerance)")
        }
    }
}
