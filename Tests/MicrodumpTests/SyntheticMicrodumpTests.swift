import Foundation
import CrashpipeCore
import Microdump
import TestSupport
import Testing

/// Microdumps built line by line: every record type, the logcat layouts, and what the reader
/// accepts with a note.
struct SyntheticMicrodumpTests {
    static func check(_ dump: Microdump) {
        #expect(dump.os == .android)
        #expect(dump.cpu == .arm)
        #expect(dump.cpuCount == 4)
        #expect(dump.osVersion == "Android/hammerhead/7.1.1")
        #expect(dump.context.registers["pc"] == 0x400456)
        #expect(dump.context.registers["fp"] == 0x1030)
        #expect(dump.stack?.base == 0x1000)
        #expect(dump.stack.map { ByteView(SynthMicrodump.stackBytes) == $0.bytes } == true)
        #expect(dump.modules.map(\.name) == ["app_process", "libfoo.so"])
    }

    @Test func everyRecord() throws {
        let dump = try parseMicrodump(SynthMicrodump().text)
        Self.check(dump)
        #expect(dump.product == "Chrome_Android:54.0.2790.0")
        #expect(dump.processType == "renderer")
        #expect(dump.crash == Microdump.Crash(signal: 11, reason: "SIGSEGV", address: 0x10))
        #expect(dump.gpu == GPUInfo(version: "OpenGL ES 3.2", vendor: "ARM", renderer: "Mali-G71"))
        #expect(dump.notes.isEmpty)

        var report = CrashReport()
        MicrodumpReport.fill(&report, from: dump)
        #expect(report.crash?.name == "SIGSEGV")
        #expect(report.crash?.code == 11)
        #expect(report.crash?.address == 0x10)
        #expect(report.annotations?.simple == ["product": "Chrome_Android:54.0.2790.0", "process_type": "renderer",
                                               "hardware_architecture": "armv7l"])
    }

    @Test func bareLinesWithCRLF() throws {
        var synth = SynthMicrodump(prefix: "")
        synth.lineEnding = "\r\n"
        Self.check(try parseMicrodump(synth.text))
    }

    /// logcat's threadtime layout: a timestamp on every line, and other processes' lines in
    /// between, which are skipped.
    @Test func threadtimeLogcatWithInterleavedLines() throws {
        let synth = SynthMicrodump(prefix: "")
        var text = "01-02 03:04:05.001  1000  1000 I ActivityManager: Start proc\n"
        for (i, line) in synth.lines.enumerated() {
            text += "01-02 03:04:05.\(100 + i)  3745  3745 W google-breakpad: \(line)\n"
            if i == 4 { text += "01-02 03:04:05.\(100 + i)  1000  1012 I ActivityManager: Process 3745 died: S 0 1 2 3\n" }
        }
        Self.check(try parseMicrodump(text))
    }

    @Test func gpuVariants() throws {
        let base = SynthMicrodump()
        #expect(try parseMicrodump(base.replacing(6, with: "G UNKNOWN").text).gpu == nil)
        #expect(try parseMicrodump(base.removing(6).text).gpu == nil)
        #expect(try parseMicrodump(base.replacing(6, with: "G ES 2.0").text).gpu == GPUInfo(version: "ES 2.0", vendor: "", renderer: ""))
        // Breakpad reads three fields and keeps their spaces.
        #expect(try parseMicrodump(base.replacing(6, with: "G a  b|c |d|e").text).gpu == GPUInfo(version: "a  b", vendor: "c ", renderer: "d"))
        #expect(try parseMicrodump(base.replacing(6, with: "G ||").text).gpu == nil)
    }

    @Test func unsetProductAndProcessType() throws {
        let dump = try parseMicrodump(SynthMicrodump().replacing(2, with: "V UNKNOWN:0.0.0.0").replacing(4, with: "P UNKNOWN").text)
        #expect(dump.product == nil && dump.processType == nil)
    }

    @Test func linuxAndFreeSpaceLine() throws {
        let dump = try parseMicrodump(SynthMicrodump().replacing(3, with: "O L arm 01 armv7l 4.9.0 #1 SMP PREEMPT")
            .inserting("H 10000000 F0000000 0012 00A00000 04000000 0C:03 14:02", at: 7).text)
        #expect(dump.os == .linux)
        #expect(dump.cpuCount == 1)
        #expect(dump.osVersion == "4.9.0 #1 SMP PREEMPT")
        #expect(dump.notes.isEmpty)
    }

    /// The records may come in any order; the context is decoded once the O line is known.
    @Test func contextBeforeOSLine() throws {
        var synth = SynthMicrodump()
        let context = synth.lines.remove(at: 9)
        synth.lines.insert(context, at: 1)
        Self.check(try parseMicrodump(synth.text))
    }

    @Test func moduleNameWithSpaces() throws {
        let dump = try parseMicrodump(SynthMicrodump().replacing(12, with: "M 00500000 00000000 00002000 \(SynthMicrodump.libId) My Lib.so").text)
        #expect(dump.modules.last?.codeFile == "My Lib.so")
    }

    @Test func notedOddities() throws {
        let synth = SynthMicrodump()
        // A record type from a newer writer.
        let unknown = try parseMicrodump(synth.inserting("X something new", at: 5).text)
        #expect(unknown.notes == ["line 5: record type 'X' is not known; skipped"])
        // The stack lines stop early (the last one is missing).
        let short = try parseMicrodump(synth.removing(9).text)
        #expect(short.stack?.size == 32)
        #expect(short.notes == ["the stack lines hold 0x20 of the 0x40 bytes declared on line 7"])
        // The stack lines start above the declared start.
        let late = try parseMicrodump(synth.removing(8).text)
        #expect(late.stack?.base == 0x1020)
        #expect(late.notes.first == "line 8: the stack bytes begin at 0x1020, 0x20 bytes above the start declared on line 7")
        // An unknown OS letter.
        let os = try parseMicrodump(synth.replacing(3, with: "O F arm 04 armv7l x").text)
        #expect(os.os == .unknown)
        #expect(os.notes == ["line 3: OS letter 'F' is neither A (Android) nor L (Linux)"])
    }

    /// A dump cut short in the log and written again: the later, complete one is read.
    @Test func restartedDump() throws {
        let synth = SynthMicrodump()
        let cut = synth.lines.prefix(5).map { synth.prefix + $0 }.joined(separator: "\n") + "\n"
        let dump = try parseMicrodump(cut + synth.text)
        Self.check(dump)
        #expect(dump.beginLine == 6)
        #expect(dump.notes == ["the microdump that begins on line 1 has no END marker; reading the one that begins on line 6"])
    }

    /// Lines after the END marker (another dump, other logs) are not read.
    @Test func onlyTheFirstDump() throws {
        let synth = SynthMicrodump()
        let second = synth.replacing(3, with: "O A arm64 08 aarch64 other")
        let dump = try parseMicrodump(synth.text + "garbage\n" + second.text)
        #expect(dump.cpu == .arm && dump.endLine == 13)
    }

    /// Breakpad's module map refuses empty ranges, and overlapping ones except on Android.
    @Test func moduleRanges() throws {
        let synth = SynthMicrodump()
        let overlapping = "M 0040F000 00000000 00002000 \(SynthMicrodump.libId) libover.so"
        let android = try parseMicrodump(synth.inserting(overlapping, at: 13).text)
        #expect(android.modules.map(\.name) == ["app_process", "libfoo.so", "libover.so"])
        #expect(android.notes == ["line 13: module libover.so at 0x40f000 overlaps module app_process of line 11"])

        let linux = try parseMicrodump(synth.replacing(3, with: "O L arm 04 armv7l x").inserting(overlapping, at: 13).text)
        #expect(linux.modules.map(\.name) == ["app_process", "libfoo.so"])
        #expect(linux.notes == ["line 13: module libover.so at 0x40f000 overlaps module app_process of line 11; left out"])

        let empty = try parseMicrodump(synth.replacing(12, with: "M 00500000 00000000 00000000 \(SynthMicrodump.libId) libfoo.so").text)
        #expect(empty.modules.map(\.name) == ["app_process"])
        #expect(empty.notes == ["line 12: module libfoo.so at 0x500000 with size 0x0 has no valid range; left out"])
    }

    /// Microsoft's 912-byte ARM64 context (newer writers) as well as the old layout.
    @Test func arm64Contexts() throws {
        for context in [SynthContext.arm64(["pc": 0x5000, "sp": 0x1010, "x29": 0x1020]).contents(),
                        SynthContext.arm64Old(["pc": 0x5000, "sp": 0x1010, "x29": 0x1020]).contents()] {
            let dump = try parseMicrodump(SynthMicrodump().replacing(3, with: "O A arm64 08 aarch64 v")
                .replacing(10, with: "C " + hex(context)).text)
            #expect(dump.cpu == .arm64)
            #expect(dump.context.registers["pc"] == 0x5000)
            #expect(dump.context.registers["fp"] == 0x1020)
        }
    }

    @Test func systemInfoCodableWithAndWithoutGPU() throws {
        var info = SystemInfo(os: .android, osVersion: "v", cpu: .arm, cpuCount: 2)
        let plain = String(decoding: try JSONEncoder().encode(info), as: UTF8.self)
        #expect(!plain.contains("gpu"))
        info.gpu = GPUInfo(version: "ES 3", vendor: "Qualcomm", renderer: "Adreno")
        let decoded = try JSONDecoder().decode(SystemInfo.self, from: try JSONEncoder().encode(info))
        #expect(decoded == info)
        #expect(try JSONDecoder().decode(SystemInfo.self, from: Data(plain.utf8)).gpu == nil)
    }
}
