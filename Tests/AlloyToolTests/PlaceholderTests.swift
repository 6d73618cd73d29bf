import Testing

@Suite struct ToolSmokeTests {
    @Test func packageBuilds() { #expect(Bool(true)) }
}
