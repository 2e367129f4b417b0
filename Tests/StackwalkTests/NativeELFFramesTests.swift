import Bundled
import CrashpipeCore
import Foundation
import TestSupport
import Testing

/// LLDB's Linux x86-64 minidumps walked with their ELF executables given as files (the
/// `files` source, as `crashpipe stackwalk DUMP FILE` does), against what LLDB's tests assert
/// (`lldb/expected/lldb_expectations.json`, TestMiniDumpNew.py): `linux-x86_64.dmp` stops on
/// SIGSEGV in `crash()` called from `_start`; `linux-x86_64_not_crashed.dmp` has bar, foo,
/// _start as frames 1 to 3.
struct NativeELFFramesTests {
    static let expectations = "lldb/expected/lldb_expectations.json"

    static func crashedFrames(_ report: CrashReport) throws -> [Frame] {
        try #require(report.crashingThread ?? report.threads.first).frames
    }

    /// LLDB's expectation for one dump.
    static func expected(_ dump: String) throws -> [String: Any] {
        let json = try #require(try Fixtures.json(expectations) as? [String: Any])
        return try #require(json[dump] as? [String: Any])
    }

    @Test func crashedDumpFramesComeFromTheELFFile() async throws {
        let expected = try Self.expected("minidumps/linux-x86_64.dmp")
        let names = try #require(expected["frames_named"] as? [String])
        #expect(expected["stop"] as? String == "signal SIGSEGV")

        let report = try await ReferenceAgreementTests.walk("lldb/minidumps/linux-x86_64.dmp",
                                                             symbols: ["lldb/debug-files/linux-x86_64"])
        #expect(report.crash?.name.contains("SIGSEGV") == true, "\(String(describing: report.crash))")
        let frames = try Self.crashedFrames(report)
        let module = try #require(frames.first?.moduleIndex.map { report.modules[$0] })
        #expect(module.name == "linux-x86_64")
        #expect(module.symbolStatus == .found)
        // The frames in the executable, in order, are LLDB's.
        let inBinary = frames.filter { $0.moduleIndex.map { report.modules[$0].name } == "linux-x86_64" }
        #expect(inBinary.count == (expected["frames_with_binary"] as? Int), "\(frames.map(\.function))")
        #expect(inBinary.map(\.function) == names, "\(frames.map { ($0.function, $0.trust) })")
        #expect(frames.first?.function == "crash()")
        // From the ELF file: the mangled name is its symbol table's, and the DWARF gives lines
        // (the Breakpad .syms has neither).
        #expect(frames.first?.rawFunction == "_Z5crashv", "\(String(describing: frames.first?.rawFunction))")
        #expect(frames.first?.line != nil && frames.first?.file != nil, "\(String(describing: frames.first))")

        // Frame 1 was unwound with the ELF file's .eh_frame.
        #expect(inBinary.map(\.trust) == [.context, .cfi])

        // The same dump with LLDB's Breakpad .syms for the binary (FUNC records only): the same
        // functions at the same addresses, without lines, frame 1 found by the frame pointer.
        let withSyms = try await ReferenceAgreementTests.walk("lldb/minidumps/linux-x86_64.dmp",
                                                               symbols: ["lldb/debug-files/linux-x86_64.syms"])
        let symsFrames = try Self.crashedFrames(withSyms)
        let symsInBinary = symsFrames.filter { $0.moduleIndex.map { withSyms.modules[$0].name } == "linux-x86_64" }
        #expect(symsInBinary.map(\.function) == inBinary.map(\.function))
        #expect(symsInBinary.map(\.instruction) == inBinary.map(\.instruction))
        #expect(symsInBinary.map(\.functionAddress) == inBinary.map(\.functionAddress))
        #expect(symsInBinary.allSatisfy { $0.line == nil && $0.rawFunction != "_Z5crashv" })
        #expect(symsInBinary.map(\.trust) == [.context, .framePointer])
    }

    /// LLDB names frames by DWARF's DW_AT_name ("bar"); crashpipe by the demangled symbol
    /// ("bar(int)"): compare the names without their parameter lists.
    static func bareName(_ function: String?) -> String? {
        function.map { String($0.prefix { $0 != "(" }) }
    }

    @Test func notCrashedDumpFramesComeFromTheELFFile() async throws {
        let expected = try Self.expected("minidumps/linux-x86_64_not_crashed.dmp")
        let byIndex = try #require(expected["frames_by_index"] as? [String: String])
        let report = try await ReferenceAgreementTests.walk("lldb/minidumps/linux-x86_64_not_crashed.dmp",
                                                             symbols: ["lldb/debug-files/linux-x86_64_not_crashed"])
        let frames = try Self.crashedFrames(report)
        for (index, name) in byIndex {
            let i = try #require(Int(index))
            try #require(frames.count > i, "\(frames.map(\.function))")
            #expect(Self.bareName(frames[i].function) == name, "frame \(i): \(frames.map { ($0.function, $0.trust) })")
            #expect(frames[i].moduleIndex.map { report.modules[$0].name } == "linux-x86_64_not_crashed")
        }
        // From the ELF file: mangled symbol-table names and DWARF lines; frame 0 is in
        // libbreakpad.so, for which there is no file.
        #expect(frames[1].rawFunction == "_Z3bari" && frames[2].rawFunction == "_Z3fooi")
        #expect(frames[1...3].allSatisfy { $0.line != nil && $0.file?.hasSuffix("linux-x86_64_not_crashed.cpp") == true },
                "\(frames.prefix(4).map { ($0.function, $0.file, $0.line) })")
        #expect(frames[0].moduleIndex.map { report.modules[$0].name } == "libbreakpad.so" && frames[0].function == nil)
    }
}
