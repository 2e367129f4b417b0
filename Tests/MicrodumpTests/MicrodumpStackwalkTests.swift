import Bundled
import CrashpipeCore
import Microdump
import OutputFormats
import TestSupport
import Testing

/// `crashpipe stackwalk` on Breakpad's microdump fixtures, compared with Breakpad's
/// microdump_stackwalk output (human and `-m`) for the same dumps and symbols.
struct MicrodumpStackwalkTests {
    /// The stackwalk pipeline the CLI runs (it sniffs the input to pick the parser).
    static func walk(_ dump: String, symbols: [String] = ["breakpad/symbols/microdump"]) async throws -> CrashReport {
        let pipeline = try StackwalkPipeline.make(registry: bundledRegistry, symbolPaths: symbols.map(Fixtures.path))
        let bytes = ByteView(try Fixtures.bytes("breakpad/microdumps/\(dump)"))
        return try await pipeline.run(PipelineInput(name: dump, bytes: bytes))
    }

    static func expected(_ name: String) throws -> String {
        String(decoding: try Fixtures.bytes("breakpad/expected/\(name)"), as: UTF8.self)
    }

    /// Compares line by line and records the first difference (with both lines).
    static func expectSameLines(_ actual: String, _ expected: String, _ what: String) {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, (x, y)) in zip(a, e).enumerated() where x != y {
            Issue.record("\(what) line \(number + 1):\n  crashpipe: \(x)\n  expected:  \(y)")
            return
        }
        #expect(a.count == e.count, "\(what): \(a.count) lines, expected \(e.count)")
    }

    /// Whether the unwinder for `cpu` is registered (the walk needs it past frame 0).
    static func canWalk(_ cpu: CPU) -> Bool { bundledRegistry.unwinders[cpu] != nil }

    // MARK: The acceptance tests: whole outputs

    @Test(arguments: [("arm", CPU.arm), ("arm64", CPU.arm64)])
    func humanOutputEqualsBreakpad(arch: String, cpu: CPU) async throws {
        let report = try await Self.walk("microdump-\(arch).dmp")
        let expected = try Self.expected("microdump.stackwalk-\(arch).out")
        #expect(Self.canWalk(cpu))
        Self.expectSameLines(BreakpadText.render(report), expected, "human output (\(arch))")
    }

    @Test(arguments: [("arm", CPU.arm), ("arm64", CPU.arm64)])
    func machineReadableEqualsBreakpad(arch: String, cpu: CPU) async throws {
        let report = try await Self.walk("microdump-\(arch).dmp")
        let expected = try Self.expected("microdump.stackwalk.machine_readable-\(arch).out")
        #expect(Self.canWalk(cpu))
        Self.expectSameLines(BreakpadMachineReadable.render(report), expected, "-m output (\(arch))")
    }

    /// Frame 0 symbolicated from the fixture's symbol file, with Breakpad's registers.
    @Test func frameZero() async throws {
        let report = try await Self.walk("microdump-arm64.dmp")
        let frame = try #require(report.threads.first?.frames.first)
        #expect(frame.trust == .context)
        #expect(frame.instruction == 0x555f636f6c)
        #expect(frame.function == "MicrodumpWriterTest_Setup_Test::TestBody")
        #expect(frame.line == 77)
        #expect(report.modules[frame.moduleIndex ?? -1].name == "breakpad_unittests")
    }

    // MARK: Parser choice

    /// One stackwalk pipeline reads minidumps and microdumps: the parser is chosen per input.
    @Test func oneParserStageForBothFormats() async throws {
        let pipeline = try StackwalkPipeline.make(registry: bundledRegistry, symbolPaths: [])
        let stage = try #require(pipeline.stages.first?.stage as? SniffingParserStage)
        let micro = ByteView(try Fixtures.bytes("breakpad/microdumps/microdump-arm.dmp"))
        let mini = ByteView(try Fixtures.bytes("breakpad/minidumps/minidump2.dmp"))
        #expect(stage.parserId(for: micro) == "microdump")
        #expect(stage.parserId(for: mini) == "minidump")
        #expect(stage.parserId(for: ByteView([1, 2, 3])) == "minidump")

        #expect(try await pipeline.run(PipelineInput(name: "micro", bytes: micro)).format == "microdump")
        #expect(try await pipeline.run(PipelineInput(name: "mini", bytes: mini)).format == "minidump")
    }

    /// A broken microdump fails the run with the microdump parser's error, naming the line.
    @Test func brokenMicrodumpFailsNamingTheLine() async throws {
        let pipeline = try StackwalkPipeline.make(registry: bundledRegistry, symbolPaths: [])
        let text = SynthMicrodump().replacing(3, with: "O A sparc 04 sun4u x").text
        do {
            _ = try await pipeline.run(PipelineInput(name: "broken.txt", bytes: ByteView(Array(text.utf8))))
            Issue.record("expected an error")
        } catch {
            #expect(error.stage == "parse")
            #expect(error.underlying.hasPrefix("microdump: unsupported at offset 0x"))
            #expect(error.underlying.contains("(microdump line 3): unknown architecture 'sparc'"))
        }
        do {
            _ = try await pipeline.run(PipelineInput(name: "junk", bytes: ByteView(Array("junk".utf8))))
            Issue.record("expected an error")
        } catch {
            #expect(error.underlying.hasPrefix("minidump: "))
        }
    }

    /// Pipeline files name the stage `microdump`.
    @Test func pipelineFileNamesTheMicrodumpStage() async throws {
        let yaml = """
            version: 1
            stages:
              - use: microdump
                with: { keep_memory: true }
              - use: symbols
                with:
                  sources:
                    - { type: store, path: \(Fixtures.path("breakpad/symbols/microdump")) }
              - use: stackwalk
            """
        let pipeline = try PipelineLoader(registry: bundledRegistry).load(yaml: yaml)
        #expect(pipeline.stages.map(\.id) == ["microdump", "symbols", "stackwalk"])
        let bytes = ByteView(try Fixtures.bytes("breakpad/microdumps/microdump-arm.dmp"))
        let report = try await pipeline.run(PipelineInput(name: "arm", bytes: bytes))
        #expect(report.threads.first?.frames.first?.function == "MicrodumpWriterTest_Setup_Test::TestBody")
        #expect(report.system?.gpu?.vendor == "Qualcomm")

        let dropping = try PipelineLoader(registry: bundledRegistry).load(yaml: """
            version: 1
            stages:
              - use: microdump
                with: { keep_memory: false }
            """)
        let bare = try await dropping.run(PipelineInput(name: "arm", bytes: bytes))
        #expect(bare.memory.isEmpty && bare.threads.first?.stack == nil)
        #expect(bundledRegistry.descriptors.contains { $0.id == "microdump" && $0.kind == .stage(.parser) })
    }
}
