import Bundled
import CrashpipeCore
import Foundation
import OutputFormats
import TestSupport
import Testing

/// Breakpad's Linux amd64 test dumps that have symbols in `breakpad/symbols`, and the inline
/// test dump with both INLINE_ORIGIN syntaxes. The test data has no reference walk for these;
/// the frames asserted here were checked against the symbol files by hand (each FUNC/PUBLIC
/// covers the return address, and the call chains read as the programs' sources do).
struct LinuxSymbolsTests {
    static func functions(_ dump: String, symbols: [String]) async throws -> [String] {
        let report = try await ReferenceAgreementTests.walk(dump, symbols: symbols)
        let frames = try #require(report.crashingThread).frames
        return frames.map { frame in
            let module = frame.moduleIndex.map { report.modules[$0].name } ?? "?"
            return module + "!" + (frame.function ?? "")
        }
    }

    @Test func overflowAbortsThroughTheFortifyChecks() async throws {
        let frames = try await Self.functions("breakpad/minidumps/linux_overflow.dmp", symbols: ["breakpad/symbols"])
        #expect(Array(frames.prefix(8)) == [
            "libc-2.13.so!gsignal", "libc-2.13.so!abort", "libc-2.13.so!__fsetlocking", "libc-2.13.so!__fortify_fail",
            "libc-2.13.so!__chk_fail", "overflow!overflow(char const*)", "overflow!main", "libc-2.13.so!__libc_start_main",
        ])
    }

    @Test func stackSmashIsDetectedInStackSmash() async throws {
        let frames = try await Self.functions("breakpad/minidumps/linux_stacksmash.dmp", symbols: ["breakpad/symbols"])
        #expect(Array(frames.prefix(7)) == [
            "libgcc_s.so.1!_Unwind_GetTextRelBase", "libgcc_s.so.1!_Unwind_Backtrace", "libc-2.13.so!backtrace",
            "libc-2.13.so!__fsetlocking", "libc-2.13.so!__fortify_fail", "libc-2.13.so!__stack_chk_fail",
            "overflow!stack_smash(char const*)",
        ])
    }

    @Test func nullReadInCrash() async throws {
        let report = try await ReferenceAgreementTests.walk("breakpad/minidumps/linux_null_read_av.dmp", symbols: ["breakpad/symbols"])
        let frames = try #require(report.crashingThread).frames
        #expect(frames[0].function == "crash()" && frames[0].line == 18 && frames[0].trust == .context)
        #expect(frames[1].function == "main" && frames[1].line == 27 && frames[1].trust == .cfi)
        #expect(frames[2].function == "__libc_start_main" && frames[2].trust == .cfi)
        #expect(report.modules.first { $0.name == "libc-2.13.so" }?.symbolStatus == .found)
    }

    /// Both INLINE_ORIGIN syntaxes give the same inlined functions and lines; the new syntax
    /// also names each call site's file (a.cpp, b.cpp, c.cpp in Breakpad's test data).
    @Test func inlineFramesFromOldAndNewSyntax() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("crashpipe-inline-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var results: [String: Frame] = [:]
        for syntax in ["old", "new"] {
            let directory = root.appendingPathComponent("\(syntax)/linux_inline/BBA6FA10B8AAB33D00000000000000000")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let source = "breakpad/symbols/linux_inline/BBA6FA10B8AAB33D00000000000000000/linux_inline.\(syntax).sym"
            try Data(try Fixtures.bytes(source)).write(to: directory.appendingPathComponent("linux_inline.sym"))
            let pipeline = try StackwalkPipeline.make(registry: try Bundled.registry(),
                                                      symbolPaths: [root.appendingPathComponent(syntax).path])
            let report = try await pipeline.run(PipelineInput(name: "linux_inline.dmp",
                                                              bytes: ByteView(try Fixtures.bytes("breakpad/minidumps/linux_inline.dmp"))))
            results[syntax] = try #require(report.crashingThread?.frames.first)
        }
        let old = try #require(results["old"]), new = try #require(results["new"])
        #expect(old.function == "main" && new.function == "main")
        #expect(old.line == 42 && new.line == 42)
        #expect(old.inlines.map(\.function) == ["func()", "bar()", "foo()"])
        #expect(new.inlines.map(\.function) == old.inlines.map(\.function))
        #expect(old.inlines.map(\.line) == [27, 32, 39])
        #expect(new.inlines.map(\.line) == old.inlines.map(\.line))
        #expect(old.inlines.map(\.file) == ["linux_inline.cpp", "linux_inline.cpp", "linux_inline.cpp"])
        #expect(new.inlines.map(\.file) == ["linux_inline.cpp", "c.cpp", "b.cpp"])
        #expect(new.file == "a.cpp" && old.file == "linux_inline.cpp")
    }
}
