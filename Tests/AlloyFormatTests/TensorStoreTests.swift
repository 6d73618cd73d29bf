@testable import AlloyFormat
import AlloyTestSupport
import Foundation
import Testing

@Suite struct TensorStoreTests {
    @Test func shardedAndSingleFileModelsHoldTheSameTensors() throws {
        let single = try TensorStore(path: TestPaths.model("llama-ft2"))
        let sharded = try TensorStore(path: TestPaths.model("llama-ft2-sharded"))
        #expect(sharded.files.count == 2)
        #expect(Set(single.names) == Set(sharded.names))
        let name = "model.layers.0.mlp.down_proj.weight"
        #expect(single.info(name)?.shape == [64, 128])
        let a = try single.tensor(name), b = try sharded.tensor(name)
        #expect(a.shape == b.shape)
        #expect(a.values.count == 64 * 128)
    }

    @Test func writtenShardsReadBackIdentically() throws {
        let source = try TensorStore(path: TestPaths.model("llama-base"))
        let dir = TestPaths.temporaryDirectory()
        let specs = source.names.map { TensorSpec(name: $0, dtype: source.info($0)!.dtype, shape: source.info($0)!.shape) }
        let writer = try ShardedWriter(directory: dir, tensors: specs, maxShardBytes: 150_000)
        for name in source.names { try writer.write(name, bytes: source.bytes(name)) }
        let files = try writer.finish()
        #expect(files.contains("model.safetensors.index.json"))
        #expect(writer.shardCount > 1)
        let back = try TensorStore(path: dir)
        #expect(Set(back.names) == Set(source.names))
        for name in source.names {
            #expect(Array(try back.bytes(name)) == Array(try source.bytes(name)))
        }
        #expect(back.totalBytes == source.totalBytes)
    }
}
