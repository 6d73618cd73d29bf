@testable import AlloyFormat
@testable import AlloyMerge
@testable import AlloyModel
import Testing

/// Gradients, filters and step lists evaluate as mergekit's `evaluate_setting` (spec appendix A.1, A.2).
@Suite struct ParameterSettingTests {
    @Test func fourKnotGradientOver32Layers() {
        let g = ParameterSetting.gradient([0, 0.3, 0.7, 1])
        func at(_ layer: Int) -> Double { g.evaluate(tensor: "x", t: Double(layer) / 31)!.number! }
        #expect(at(0) == 0)
        #expect(abs(at(10) - 0.2903) < 1e-4)
        #expect(abs(at(16) - 0.5194) < 1e-4)
        #expect(at(31) == 1)
    }

    @Test func fiveKnotGradientOver40Layers() {
        let g = ParameterSetting.gradient([0, 0.5, 0.3, 0.7, 1])
        func at(_ layer: Int) -> Double { g.evaluate(tensor: "x", t: Double(layer) / 39)!.number! }
        #expect(abs(at(5) - 0.2564) < 1e-4)
        #expect(abs(at(10) - 0.4949) < 1e-4)
        #expect(abs(at(20) - 0.3205) < 1e-4)
        #expect(at(39) == 1)
    }

    @Test func filtersMatchSubstringsInOrder() {
        let s = ParameterSetting.conditional([
            ParameterCondition(filter: "self_attn", value: .scalar(.number(0.2))),
            ParameterCondition(filter: "mlp", value: .scalar(.number(0.8))),
            ParameterCondition(filter: nil, value: .scalar(.number(0.5))),
        ])
        #expect(s.evaluate(tensor: "model.layers.3.self_attn.q_proj.weight", t: 0) == .number(0.2))
        #expect(s.evaluate(tensor: "model.layers.3.mlp.up_proj.weight", t: 0) == .number(0.8))
        #expect(s.evaluate(tensor: "model.layers.3.input_layernorm.weight", t: 0) == .number(0.5))
        #expect(s.evaluate(tensor: "lm_head.weight", t: 0) == .number(0.5))
        let noCatchAll = ParameterSetting.conditional([ParameterCondition(filter: "mlp", value: .gradient([0, 1]))])
        #expect(noCatchAll.evaluate(tensor: "lm_head.weight", t: 0.5) == nil)
        #expect(noCatchAll.evaluate(tensor: "model.layers.1.mlp.up_proj.weight", t: 0.25) == .number(0.25))
    }

    @Test func parserTypesValuesAsPyYAMLDoes() throws {
        let config = try MergeConfigurationParser.parse("""
            merge_method: slerp
            base_model: a
            models: [{model: a}, {model: b}]
            parameters:
              t: [0, 0.5, 1]
              flag: true
              name: "0.5"
              steps: [a, b]
              filtered:
                - {filter: mlp, value: [1, 0]}
                - value: 0.25
            """)
        #expect(config.parameters["t"] == .gradient([0, 0.5, 1]))
        #expect(config.parameters["flag"] == .scalar(.bool(true)))
        #expect(config.parameters["name"] == .scalar(.string("0.5")))
        #expect(config.parameters["steps"] == .steps([.string("a"), .string("b")]))
        #expect(config.parameters["filtered"]?.evaluate(tensor: "x.mlp.y", t: 0.5) == .number(0.5))
        #expect(config.parameters["filtered"]?.evaluate(tensor: "x.attn.y", t: 0.5) == .number(0.25))
    }

    @Test func parserRejectsUnknownKeysNamingThem() {
        #expect(throws: AlloyError.self) { try MergeConfigurationParser.parse("merge_method: linear\nmodel: [a]\n") }
        do {
            _ = try MergeConfigurationParser.parse("merge_method: linear\nslices:\n  - sources:\n      - {model: a, layer_range: [0, 2], paramters: {}}\n")
            Issue.record("accepted an unknown key")
        } catch let e as AlloyError {
            #expect(e.message.hasPrefix("slices[0].sources[0].paramters (line 4)"))
            #expect(e.hint?.contains("parameters") == true)
        } catch { Issue.record("\(error)") }
    }

    @Test func modelReferencesSplitAdapterAndRevision() throws {
        let r = try ModelReference(parsing: "org/model@main+org/lora@v2", key: "k")
        #expect(r.path == "org/model" && r.revision == "main" && r.adapter == "org/lora" && r.adapterRevision == "v2")
        #expect(throws: AlloyError.self) { try ModelReference(parsing: "a+b+c", key: "k") }
    }

    @Test func shardSizesFollowMergekitUnits() {
        #expect(ShardSize.parse("5B") == 5_000_000_000)
        #expect(ShardSize.parse("60K") == 60_000)
        #expect(ShardSize.parse("2M") == 2_000_000)
        #expect(ShardSize.parse("5GB") == 5_000_000_000)
        #expect(ShardSize.parse("1000") == 1000)
        #expect(ShardSize.parse("abc") == nil)
    }
}
