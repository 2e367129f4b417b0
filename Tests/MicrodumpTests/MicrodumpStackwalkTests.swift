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

    /// Whether the unwinder for `cpu` is registered. Without it the walk ends at frame 0 and
    /// the whole-output comparisons below are known to fail.
    static func canWalk(_ cpu: CPU) -> Bool { bundledRegistry.unwinders[cpu] != nil }

    // MARK: The acceptance tests: whole outputs

    @Test(arguments: [("arm", CPU.arm), ("arm64", CPU.arm64)])
    func humanOutputEqualsBreakpad(arch: String, cpu: CPU) async throws {
        let report = try await Self.walk("microdump-\(arch).dmp")
        let expected = try Self.expected("microdump.stackwalk-\(arch).out")
        withKnownIssue("the \(cpu) unwinder is not registered in this build: only frame 0 is walked") {
            Self.expectSameLines(BreakpadText.render(report), expected, "human output (\(arch))")
        } when: { !Self.canWalk(cpu) }
    }

    @Test(arguments: [("arm", CPU.arm), ("arm64", CPU.arm64)])
    func machineReadableEqualsBreakpad(arch: String, cpu: CPU) async throws {
        let report = try await Self.walk("microdump-\(arch).dmp")
        let expected = try Self.expected("microdump.stackwalk.machine_readable-\(arch).out")
        withKnownIssue("the \(cpu) unwinder is not registered in this build: only frame 0 is walked") {
            Self.expectSameLines(BreakpadMachineReadable.render(report), expected, "-m output (\(arch))")
        } when: { !Self.canWalk(cpu) }
    }

    // MARK: Everything but the caller frames

    /// The output without frames 1 and up, and without the symbol warnings they cause
    /// (Breakpad warns about modules a walked frame needed symbols for).
    static func withoutCallers(human text: String) -> String {
        var out: [Substring] = []
        var skipping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if let space = trimmed.firstIndex(of: " "), let number = Int(trimmed[..<space]),
               trimmed[space...].hasPrefix("  "), line.hasPrefix(" ") {
                skipping = number > 0
            } else if line.isEmpty {
                skipping = false
            }
            if skipping { continue }
            if let warning = line.range(of: "  (WARNING: No symbols") {
                out.append(line[..<warning.lowerBound])
            } else {
                out.append(line)
            }
        }
        return out.joined(separator: "\n")
    }

    static func withoutCallers(machine text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            return !(fields.count == 7 && Int(fields[0]) != nil && (Int(fields[1]) ?? 0) > 0)
        }.joined(separator: "\n")
    }

    @Test(arguments: ["arm", "arm64"])
    func humanOutputMatchesUpToTheCallers(arch: String) async throws {
        let report = try await Self.walk("microdump-\(arch).dmp")
        let ours = Self.withoutCallers(human: BreakpadText.render(report))
        let theirs = Self.withoutCallers(human: try Self.expected("microdump.stackwalk-\(arch).out"))
        Self.expectSameLines(ours, theirs, "human output without callers (\(arch))")
        #expect(ours.contains(" 0  breakpad_unittests!MicrodumpWriterTest_Setup_Test::TestBody"))
        #expect(!ours.contains(" 1  "))
    }

    @Test(arguments: ["arm", "arm64"])
    func machineReadableMatchesUpToTheCallers(arch: String) async throws {
        let report = try await Self.walk("microdump-\(arch).dmp")
        let ours = Self.withoutCallers(machine: BreakpadMachineReadable.render(report))
        let theirs = Self.withoutCallers(machine: try Self.expected("microdump.stackwalk.machine_readable-\(arch).out"))
        Self.expectSameLines(ours, theirs, "-m output without callers (\(arch))")
        #expect(ours.contains("\n0|0|breakpad_unittests|MicrodumpWriterTest_Setup_Test::TestBody|"))
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
