import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// crashpipe against what Breakpad and rust-minidump print or assert for the same dumps.
struct ReferenceOutputTests {
    static func contents(_ path: String) throws -> MinidumpContents {
        try MinidumpContents(bytes: ByteView(try Fixtures.bytes(path)), contexts: .bundled)
    }

    static func report(_ path: String) throws -> CrashReport {
        var report = CrashReport(source: path)
        MinidumpReport.fill(&report, from: try contents(path))
        return report
    }

    /// `crashpipe dump minidump2.dmp` prints exactly what Breakpad's minidump_dump prints.
    @Test func dumpMatchesMinidumpDump() throws {
        let expected = String(decoding: try Fixtures.bytes("breakpad/expected/minidump2.dump.out"), as: UTF8.self)
        let actual = MinidumpDump.text(try Self.contents("breakpad/minidumps/minidump2.dmp"))
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, (a, e)) in zip(actualLines, expectedLines).enumerated() where a != e {
            Issue.record("line \(number + 1) differs:\n  crashpipe: \(a.prefix(160))\n  breakpad:  \(e.prefix(160))")
            break
        }
        #expect(actualLines.count == expectedLines.count)
    }

    /// Breakpad's processor unit tests (breakpad/expected/processor_assertions.json).
    @Test func breakpadProcessorAssertions() throws {
        let report = try Self.report("breakpad/minidumps/minidump2.dmp")
        let system = try #require(report.system)
        #expect(system.os.displayName == "Windows NT")
        #expect(system.os.rawValue == "windows")
        #expect(system.osVersion + " " + (system.osBuild ?? "") == "5.1.2600 Service Pack 2")
        #expect(system.cpu == .x86)
        #expect(system.cpuInfo == "GenuineIntel family 6 model 13 stepping 8")
        let crash = try #require(report.crash)
        #expect(crash.name == "EXCEPTION_ACCESS_VIOLATION_WRITE")
        #expect(crash.address == 0x45)
        #expect(report.requestingThread == 0)
        #expect(report.threads[0].id == 3060)
        #expect(report.timestamp == 1_171_480_435)
        #expect(report.process?.createTime == 1_171_480_435)
        #expect(report.modules.count == 13)
        #expect(report.modules[0].codeFile == "c:\\test_app.exe")
        #expect(report.modules[0].debugFile == "c:\\test_app.pdb")
        #expect(report.modules[0].codeId?.value == "45d35f6c2d000")
        #expect(report.modules[0].debugId?.breakpad == "5A9832E5287241C1838ED98914E9B7FF1")
        let index = ModuleIndex(report.modules)
        #expect(index.index(containing: 0) == nil)
        #expect(index.index(containing: 0x400000) == 0)
        #expect(index.index(containing: 0x7c801234).map { report.modules[$0].debugFile } == "kernel32.pdb")
        #expect(index.index(containing: 0x77d43210).map { report.modules[$0].version } == "5.1.2600.2622")

        let truncated = try Self.report("breakpad/minidumps/minidump_32bit_crash_addr.dmp")
        #expect(truncated.crash?.name == "EXCEPTION_ACCESS_VIOLATION_WRITE")
        #expect(truncated.crash?.address == 0x45)

        let cetX86 = try Self.report("breakpad/minidumps/tiny-exe-with-cet-xsave-x86.dmp")
        #expect(cetX86.system?.osVersion == "10.0.22631")
        #expect(cetX86.system?.cpuInfo == "GenuineIntel family 6 model 151 stepping 2")
        #expect(cetX86.crash == nil)
        #expect(cetX86.threads.count == 3)
        #expect(cetX86.threads.allSatisfy { $0.context != nil })

        let cet = try Self.report("breakpad/minidumps/tiny-exe-with-cet-xsave.dmp")
        #expect(cet.system?.cpu == .amd64)
        #expect(cet.system?.cpuInfo == "family 6 model 140 stepping 1")
        #expect(cet.system.map { $0.osVersion + " " + ($0.osBuild ?? "") } == "10.0.22000 282")
        #expect(cet.crash == nil)
        #expect(cet.threads.count == 1)

        let fastfail = try Self.report("breakpad/minidumps/tiny-exe-fastfail.dmp")
        #expect(fastfail.crash?.name == "FAST_FAIL_FATAL_APP_EXIT")
        #expect(fastfail.threads.count == 4)
    }

    /// rust-minidump's parser tests (rust-minidump/expected/parse_assertions.json).
    @Test func rustMinidumpParseAssertions() throws {
        let contents = try Self.contents("rust-minidump/minidumps/test.dmp")
        let modules = try #require(contents.stream(ModuleList.self)).modules
        #expect(modules.count == 13)
        let last = modules[12].module(os: .windows)
        #expect(last.base == 0x76bf0000 && last.size == 0xb000)
        #expect(last.codeFile == "C:\\WINDOWS\\system32\\psapi.dll")
        #expect(modules[12].breakpadCodeIdentifier(os: .windows) == "411096CAb000")
        #expect(last.debugFile == "psapi.pdb")
        #expect(last.debugId?.breakpad == "A5C3A1F9689F43D8AD228A09293889702")
        #expect(last.version == "5.1.2600.2180")
        #expect(modules[0].module(os: .windows).version == nil)

        let misc = try #require(contents.stream(MiscInfo.self))
        #expect(misc.details.processId == 3932)
        let breakpad = try #require(contents.stream(BreakpadInfo.self))
        #expect(breakpad.dumpThread == 0x11c0 && breakpad.requestingThread == 0xbf4)
        let exception = try #require(contents.stream(ExceptionStream.self))
        #expect(exception.threadId == 0xbf4 && exception.code == 0xc000_0005)
        #expect(exception.context?.registers["eip"] == 0x40429e)
        #expect(exception.context?.registers["esp"] == 0x12fe84)

        let threads = try #require(contents.stream(ThreadList.self)).threads
        #expect(threads.map(\.threadId) == [0xbf4, 0x11c0])
        #expect(threads[0].context?.registers["eip"] == 0x7c90eb94)
        #expect(threads[0].context?.registers["esp"] == 0x12f320)
        let stack = MemoryRegion(base: threads[0].stackStart, bytes: try #require(threads[0].stack))
        #expect(stack.read(UInt8.self, at: 0x12f31c) == 0)
        #expect(stack.read(UInt16.self, at: 0x12f31c) == 0)
        #expect(stack.read(UInt32.self, at: 0x12f31c) == 0)
        #expect(stack.read(UInt64.self, at: 0x12f31c) == 0x7c90e9c000000000)
        #expect(stack.read(UInt8.self, at: 0x12ffff) == 0)
        #expect(stack.read(UInt16.self, at: 0x12fffe) == 0)
        #expect(stack.read(UInt32.self, at: 0x12fffc) == 0)
        #expect(stack.read(UInt64.self, at: 0x12fff8) == 0x405443)
        #expect(stack.read(UInt64.self, at: 0x12fff9) == nil)

        let linux = try Self.report("rust-minidump/minidumps/linux-mini.dmp")
        #expect(linux.system?.osVersion == "4.9.60-linuxkit-aufs")
        #expect(linux.system?.osBuild == "#1 SMP Mon Nov 6 16:00:12 UTC 2017")

        #expect(throws: ParseError.self) { try MinidumpContents(bytes: ByteView([]), contexts: .bundled) }
    }
}
