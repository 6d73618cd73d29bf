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

    /// PEFT's `Embedding.merge` rounds the delta `(B·A)ᵀ·scaling` to the weight's dtype before
    /// adding it (its Linear layers add the float32 delta): apply-lora folds an embedding LoRA
    /// bit for bit as `bf16(W + bf16(delta))`, not `bf16(W + delta)`.
    @Test func embeddingDeltaIsRoundedToTheWeightDtypeBeforeTheSumAsInPEFT() throws {
        let models = ToolTestSupport.fixtures + "/models/"
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let extract = try ToolTestSupport.run("extract-lora", ["--model", models + "llama-ft1", "--base-model", models + "llama-base",
                                                               "--out-path", dir + "/adapter", "--max-rank", "8", "--embed-lora", "-q"])
        #expect(extract.status == 0, "\(extract.stderr)")
        let apply = try ToolTestSupport.run("apply-lora", [models + "llama-base", dir + "/adapter", dir + "/model", "-q"])
        #expect(apply.status == 0, "\(apply.stderr)")
        let adapter = try TensorStore(path: dir + "/adapter/adapter_model.safetensors")
        let config = try JSONFile.read(dir + "/adapter/adapter_config.json")
        let scaling = Float(try #require(config["lora_alpha"]?.doubleValue)) / Float(try #require(config["r"]?.doubleValue))
        let a = try adapter.tensor("base_model.model.model.embed_tokens.lora_embedding_A")  // r × vocab
        let b = try adapter.tensor("base_model.model.model.embed_tokens.lora_embedding_B")  // hidden × r
        let w = try TensorStore(path: models + "llama-base").tensor("model.embed_tokens.weight")  // vocab × hidden
        let rank = a.shape[0], vocab = a.shape[1], hidden = b.shape[0]
        #expect(w.shape == [vocab, hidden])
        var delta = [Float](repeating: 0, count: vocab * hidden)
        for v in 0..<vocab {
            for h in 0..<hidden {
                var sum: Float = 0
                for k in 0..<rank { sum += b.values[h * rank + k] * a.values[k * vocab + v] }
                delta[v * hidden + h] = sum * scaling
            }
        }
        var twice = delta, once = w.values
        ElementCodec.roundTrip(&twice, through: .BF16)
        for i in twice.indices { twice[i] += w.values[i]; once[i] += delta[i] }
        ElementCodec.roundTrip(&twice, through: .BF16)
        ElementCodec.roundTrip(&once, through: .BF16)
        let folded = try TensorStore(path: dir + "/model").tensor("model.embed_tokens.weight").values
        // The two roundings differ somewhere (else this test could not tell them apart) ...
        #expect(zip(twice, once).contains { $0 != $1 })
        // ... and apply-lora matches PEFT's, up to float32 summation order in B·A (rare 1-ulp ties).
        let differing = zip(folded, twice).filter { $0 != $1 }.count
        #expect(differing <= folded.count / 10_000, "\(differing) of \(folded.count) elements differ from bf16(W + bf16(delta))")
    }

    /// An adapter that saves resized embeddings (extracted from a fine-tune with 2 more tokens)
    /// gives a model whose config.json says the new vocabulary size, so Transformers loads it.
    @Test func resizedEmbeddingsUpdateTheConfigVocabularySize() throws {
        let models = ToolTestSupport.fixtures + "/models/"
        let dir = ToolTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let extract = try ToolTestSupport.run("extract-lora", ["--model", models + "llama-ft3-chatml", "--base-model", models + "llama-base",
                                                               "--out-path", dir + "/adapter", "--max-rank", "8", "-q"])
        #expect(extract.status == 0, "\(extract.stderr)")
        for flags in [[], ["--dtype", "float32"]] {
            let out = dir + "/model\(flags.count)"
            let apply = try ToolTestSupport.run("apply-lora", [models + "llama-base", dir + "/adapter", out, "-q"] + flags)
            #expect(apply.status == 0, "\(apply.stderr)")
            let store = try TensorStore(path: out)
            let config = try JSONFile.read(out + "/config.json")
            #expect(store.info("model.embed_tokens.weight")?.shape == [402, 64] && store.info("lm_head.weight")?.shape == [402, 64])
            #expect(config["vocab_size"]?.intValue == 402)
            #expect(config["torch_dtype"]?.stringValue == (flags.isEmpty ? "bfloat16" : "float32"))
        }
        // An adapter that keeps the vocabulary leaves config.json as the base has it.
        let plain = try ToolTestSupport.run("apply-lora", [models + "llama-base", models + "lora-a", dir + "/plain", "-q"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try String(contentsOfFile: dir + "/plain/config.json", encoding: .utf8)
                == String(contentsOfFile: models + "llama-base/config.json", encoding: .utf8))
    }
}
