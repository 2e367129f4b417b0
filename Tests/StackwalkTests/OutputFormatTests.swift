import CrashpipeCore
import Minidump
import UnwindAMD64
import OutputFormats
import Testing

/// Output details not covered by whole-file comparisons with reference outputs.
struct OutputFormatTests {
    static func report() -> CrashReport {
        var report = CrashReport(source: "synthetic")
        report.system = SystemInfo(os: .linux, osVersion: "5.10.0", osBuild: "#1 SMP", cpu: .amd64, cpuCount: 2)
        report.modules = [Module(base: 0x400000, size: 0x10000, codeFile: "/bin/app")]
        var context = RegisterContext(layout: ContextAMD64.layout)
        context["rip"] = 0x401000
        context["rsp"] = 0x7ff0
        var frame = Frame(instruction: 0x401000, trust: .context, context: context)
        frame.moduleIndex = 0
        frame.function = "main"
        frame.functionAddress = 0x400f00
        frame.file = "/src/a.cpp"
        frame.line = 42
        frame.sourceLineAddress = 0x400ff0
        frame.inlines = [InlineFrame(function: "inner()", file: "/src/inner.h", line: 7),
                         InlineFrame(function: "outer()", file: "/src/outer.h", line: 12)]
        var thread = Thread(id: 9, context: context)
        thread.frames = [frame]
        report.threads = [thread]
        report.requestingThread = 0
        report.crash = CrashReason(name: "SIGSEGV /SEGV_MAPERR", code: 11, flags: 1, address: 0x10, threadId: 9)
        return report
    }

    /// Inlined functions print as frames of their own, innermost first, without registers or
    /// an offset; the real frame comes last with its registers.
    @Test func inlineFramesInBreakpadLayouts() {
        let text = BreakpadText.render(Self.report())
        #expect(text.contains(" 0  app!inner() [inner.h : 7]\n    Found by: inlining\n"))
        #expect(text.contains(" 1  app!outer() [outer.h : 12]\n    Found by: inlining\n"))
        #expect(text.contains(" 2  app!main [a.cpp : 42 + 0x10]\n"))
        let machine = BreakpadMachineReadable.render(Self.report())
        #expect(machine.contains("0|0|app|inner()|/src/inner.h|7|0x10\n"))
        #expect(machine.contains("0|2|app|main|/src/a.cpp|42|0x10\n"))
    }

    @Test func rustMinidumpSignalNames() throws {
        #expect(MinidumpStackwalkJSON.rustReason("SIGSEGV /SEGV_MAPERR") == "SIGSEGV / SEGV_MAPERR")
        #expect(MinidumpStackwalkJSON.rustReason("SIGSEGV /0x00000000") == "SIGSEGV")
        #expect(MinidumpStackwalkJSON.rustReason("EXC_BAD_ACCESS / KERN_INVALID_ADDRESS") == "EXC_BAD_ACCESS / KERN_INVALID_ADDRESS")
        let json = try MinidumpStackwalkJSON.render(Self.report(), pretty: true)
        #expect(json.contains("\"type\": \"SIGSEGV / SEGV_MAPERR\""))
        #expect(json.contains("\"function\": \"inner()\""))
    }

    @Test func jsonEscapesControlCharactersAndQuotes() {
        let value = JSONValue.object([("a\"b", .string("line\nbreak\u{1}\\"))])
        #expect(value.serialized(pretty: false) == "{\"a\\\"b\":\"line\\nbreak\\u0001\\\\\"}")
    }
}
