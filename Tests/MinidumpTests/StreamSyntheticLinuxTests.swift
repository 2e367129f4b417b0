import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// The Breakpad Linux streams on synthetic dumps in both byte orders, well-formed and broken.
struct StreamSyntheticLinuxTests {
    static let cpuinfo = """
        processor\t: 0
        vendor_id\t: GenuineIntel
        model name\t: Intel(R) Core(TM) i7 CPU
        flags\t\t: fpu vme de

        processor\t: 1
        vendor_id\t: GenuineIntel

        """

    @Test(arguments: StreamSynth.endians)
    func textFiles(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump)
        dump.addLinuxCPUInfo(Self.cpuinfo)
        dump.addLinuxProcStatus("Name:\tcrash\nState:\tR (running)\nPid:\t1304\nPPid:\t1\nVmRSS:\t    1620 kB\nbroken line\n")
        dump.addLinuxLSBRelease("DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n\n# comment=ignored\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04 LTS\"\n")
        dump.addLinuxCmdLine(["/usr/bin/app", "--flag", "", "with space"])
        dump.addLinuxEnviron(["HOME=/root", "EMPTY=", "EQ=a=b", "NOEQUALS", "HOME=/shadowed"])
        let contents = try StreamSynth.contents(dump)
        #expect(contents.errors.isEmpty)

        let cpu = try #require(contents.stream(LinuxCpuInfo.self))
        #expect(cpu.processors.count == 2)
        #expect(cpu.firstProcessor == ["processor": "0", "vendor_id": "GenuineIntel",
                                       "model name": "Intel(R) Core(TM) i7 CPU", "flags": "fpu vme de"])
        let status = try #require(contents.stream(LinuxProcStatus.self))
        #expect(status.pid == 1304)
        #expect(status.dictionary["State"] == "R (running)")
        #expect(status.dictionary["VmRSS"] == "1620 kB")
        #expect(status.fields.count == 5)
        let lsb = try #require(contents.stream(LinuxLsbRelease.self))
        #expect(lsb.dictionary == ["DISTRIB_ID": "Ubuntu", "DISTRIB_RELEASE": "22.04", "DISTRIB_DESCRIPTION": "Ubuntu 22.04 LTS"])
        #expect(lsb.lines.count == 4)
        #expect(lsb.distribution == "Ubuntu 22.04 LTS")
        #expect(contents.stream(LinuxCmdLine.self)?.arguments == ["/usr/bin/app", "--flag", "", "with space"])
        let environ = try #require(contents.stream(LinuxEnviron.self))
        #expect(environ.variables.count == 5)
        #expect(environ.dictionary == ["HOME": "/root", "EMPTY": "", "EQ": "a=b", "NOEQUALS": ""])

        let report = StreamSynth.report(contents)
        let linux = try #require(report.linux)
        #expect(linux.cpuInfo?["model name"] == "Intel(R) Core(TM) i7 CPU")
        #expect(linux.procStatus?["Name"] == "crash")
        #expect(linux.lsbRelease?["DISTRIB_RELEASE"] == "22.04")
        #expect(linux.commandLine == ["/usr/bin/app", "--flag", "", "with space"])
        #expect(linux.environment?["EQ"] == "a=b")
        #expect(report.process?.commandLine == linux.commandLine)
        #expect(report.process?.processId == 1304)

        var out = DumpPrinter()
        contents.stream(LinuxCmdLine.self)?.dump(to: &out)
        #expect(out.text == "Stream MD_LINUX_CMD_LINE:\n/usr/bin/app\\0\n--flag\\0\n\\0\nwith space\\0\n\n\n")
    }

    /// os-release style: quoted values with escapes, single quotes, CRLF line ends.
    @Test func osReleaseStyle() throws {
        let dump = SyntheticMinidump()
        dump.addLinuxLSBRelease("NAME=\"Fedora Linux\"\r\nVERSION_ID=39\r\nPRETTY_NAME='Fedora Linux 39'\r\n"
                                + "QUOTED=\"say \\\"hi\\\" \\\\ there\"\r\n  SPACED = value  \r\n=novalue\r\n")
        let lsb = try #require(try StreamSynth.contents(dump).stream(LinuxLsbRelease.self))
        #expect(lsb.dictionary["NAME"] == "Fedora Linux")
        #expect(lsb.dictionary["VERSION_ID"] == "39")
        #expect(lsb.dictionary["PRETTY_NAME"] == "Fedora Linux 39")
        #expect(lsb.dictionary["QUOTED"] == "say \"hi\" \\ there")
        #expect(lsb.dictionary["SPACED"] == "value")
        #expect(lsb.fields.count == 5)
        #expect(lsb.distribution == "Fedora Linux 39")
    }

    @Test(arguments: StreamSynth.endians)
    func auxv64(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump)
        dump.addLinuxAuxv([SynthAuxvEntry(33, 0x7fff_c8da_4000), SynthAuxvEntry(6, 0x1000), SynthAuxvEntry(99, 5),
                           SynthAuxvEntry(0, 0), SynthAuxvEntry(9, 1)])
        let contents = try StreamSynth.contents(dump)
        let auxv = try #require(contents.stream(LinuxAuxv.self))
        #expect(auxv.wordSize == 8)
        #expect(auxv.entries.map(\.type) == [33, 6, 99])
        #expect(auxv.entries.map(\.name) == ["AT_SYSINFO_EHDR", "AT_PAGESZ", nil])
        #expect(auxv.value(of: 33) == 0x7fff_c8da_4000)
        #expect(auxv.warnings == ["16 bytes after AT_NULL are ignored"])
        let report = StreamSynth.report(contents)
        #expect(report.linux?.auxv?.first?.name == "AT_SYSINFO_EHDR")
        #expect(report.linux?.auxv?.first?.value == 0x7fff_c8da_4000)
        #expect(StreamSynth.notes(report, "LinuxAuxv").count == 1)
    }

    @Test(arguments: StreamSynth.endians)
    func auxv32(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump, architecture: SynthArchitecture.x86)
        dump.addLinuxAuxv([SynthAuxvEntry(16, 0xbfeb_fbff), SynthAuxvEntry(25, 0xbf80_0000)], wordSize: 4)
        dump.stream(ofType: SynthStreamType.linuxAuxv)?.trailingBytes = [1, 2, 3]
        let auxv = try #require(try StreamSynth.contents(dump).stream(LinuxAuxv.self))
        #expect(auxv.wordSize == 4)
        #expect(auxv.entries.map(\.name) == ["AT_HWCAP", "AT_RANDOM"])
        #expect(auxv.entries.map(\.value) == [0xbfeb_fbff, 0xbf80_0000])
        #expect(auxv.warnings == ["3 bytes at the end are not a whole entry", "no AT_NULL entry ends the vector"])
    }

    @Test func auxvWithoutSystemInfoGuessesWordSize() throws {
        let dump = SyntheticMinidump()
        dump.addLinuxAuxv([SynthAuxvEntry(6, 0x1000), SynthAuxvEntry(0, 0)])
        let auxv = try #require(try StreamSynth.contents(dump).stream(LinuxAuxv.self))
        #expect(auxv.wordSize == 8)
        #expect(auxv.entries.map(\.value) == [0x1000])
        #expect(auxv.warnings.count == 1)
    }

    @Test(arguments: StreamSynth.endians)
    func mapsWithBadLines(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump)
        dump.addLinuxMaps("""
            00400000-0041a000 r-xp 00000000 08:01 8612374361    /work/my app (deleted)
            7ffd0000-7ffd1000 rw-p 00000000 00:00 0                          [stack]
            garbage here
            2000-1000 r--p 0 00:00 0 /backwards
            3000-4000 r--p zz 00:00 0 /badoffset

            7fff0000-7fff1000 r-xp 00000000 00:00 0
            """)
        let contents = try StreamSynth.contents(dump)
        let maps = try #require(contents.stream(LinuxMaps.self))
        #expect(maps.mappings.count == 3)
        #expect(maps.mappings[0].path == "/work/my app (deleted)")
        #expect(maps.mappings[0].inode == 8_612_374_361)
        #expect(maps.mappings[0].end == 0x41a000)
        #expect(maps.mappings[1].path == "[stack]")
        #expect(maps.mappings[2].path == nil)
        #expect(maps.problems.count == 3)
        #expect(maps.problems[0].hasPrefix("line 3:"))
        #expect(maps.problems[1].contains("ends before it starts"))
        #expect(maps.mapping(containing: 0x7ffd_0fff)?.path == "[stack]")
        let report = StreamSynth.report(contents)
        #expect(report.linux?.maps?.count == 3)
        #expect(StreamSynth.notes(report, "LinuxMaps").count == 3)
    }

    @Test func mapsThatAreNotMapsAreAnError() throws {
        let dump = SyntheticMinidump()
        dump.addRawStream(type: SynthStreamType.linuxMaps, bytes: (0..<200).map { UInt8($0 % 7 == 0 ? 10 : 0x41 + $0 % 26) })
        let contents = try StreamSynth.contents(dump)
        #expect(contents.errors[.linuxMaps]?.kind == .invalidValue)
        #expect(StreamSynth.report(contents).linux?.maps == nil)

        let many = SyntheticMinidump()
        many.addLinuxMaps(String(repeating: "bad\n", count: 50) + "1000-2000 r--p 0 00:00 0 /ok\n")
        let maps = try #require(try StreamSynth.contents(many).stream(LinuxMaps.self))
        #expect(maps.mappings.count == 1)
        #expect(maps.problems.count == 21)
        #expect(maps.problems.last == "30 more lines are not mappings")
    }

    static let linkMaps = [SynthLinkMap(address: 0, name: "", ld: 0x600eb0),
                           SynthLinkMap(address: 0x7f00_0000_0000, name: "/lib/libc.so.6", ld: 0x7f00_0001_0000),
                           SynthLinkMap(address: 0x7f00_1000_0000, name: "/lib/ld-linux-x86-64.so.2", ld: 0x7f00_1001_0000)]

    @Test(arguments: StreamSynth.endians, [true, false])
    func dsoDebug64(_ endian: SynthEndian, natural: Bool) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump)
        dump.addLinuxDSODebug(SynthDSODebug(version: 1, wordSize: 8, linkMaps: Self.linkMaps, brk: 0x7f00_1000_1234,
                                            ldbase: 0x7f00_1000_0000, dynamic: 0x600eb0,
                                            dynamicSection: [UInt8](repeating: 0xab, count: 32), naturalAlignment: natural))
        let contents = try StreamSynth.contents(dump)
        let dso = try #require(contents.stream(LinuxDsoDebug.self))
        #expect(dso.layout == (natural ? .natural64 : .packed64))
        #expect(dso.version == 1 && dso.dsoCount == 3)
        #expect(dso.brk == 0x7f00_1000_1234 && dso.ldbase == 0x7f00_1000_0000 && dso.dynamic == 0x600eb0)
        #expect(dso.dynamicSectionSize == 32)
        #expect(dso.linkMaps.map(\.name) == ["", "/lib/libc.so.6", "/lib/ld-linux-x86-64.so.2"])
        #expect(dso.linkMaps.map(\.address) == Self.linkMaps.map(\.address))
        #expect(dso.linkMaps.map(\.ld) == Self.linkMaps.map(\.ld))
        #expect(dso.warnings.count == (natural ? 0 : 1))
        let report = StreamSynth.report(contents)
        #expect(report.linux?.dsoDebug?.map(\.name) == ["", "/lib/libc.so.6", "/lib/ld-linux-x86-64.so.2"])
        #expect(report.linux?.dsoDebug?[1].dynamic == 0x7f00_0001_0000)
    }

    @Test(arguments: StreamSynth.endians)
    func dsoDebug32(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump, architecture: SynthArchitecture.arm)
        dump.addLinuxDSODebug(SynthDSODebug(version: 1, wordSize: 4,
                                            linkMaps: [SynthLinkMap(address: 0x4000_0000, name: "/system/lib/libc.so", ld: 0x4001_0000)],
                                            brk: 0x400d_1234, ldbase: 0x400d_0000, dynamic: 0x8000))
        let dso = try #require(try StreamSynth.contents(dump).stream(LinuxDsoDebug.self))
        #expect(dso.layout == .bits32)
        #expect(dso.brk == 0x400d_1234 && dso.ldbase == 0x400d_0000 && dso.dynamic == 0x8000)
        #expect(dso.linkMaps.count == 1)
        #expect(dso.linkMaps[0].name == "/system/lib/libc.so" && dso.linkMaps[0].address == 0x4000_0000)
        #expect(dso.linkMaps[0].ld == 0x4001_0000)
    }

    @Test(arguments: StreamSynth.endians)
    func dsoDebugMalformed(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.linux(dump)
        dump.addLinuxDSODebug(SynthDSODebug(linkMaps: Array(Self.linkMaps.prefix(2)), dsoCountOverride: 0xffff_ffff))
        let dso = try #require(try StreamSynth.contents(dump).stream(LinuxDsoDebug.self))
        #expect(dso.dsoCount == 0xffff_ffff)
        #expect(dso.linkMaps.count < 1000)
        #expect(dso.linkMaps.prefix(2).map(\.name) == ["", "/lib/libc.so.6"])
        #expect(dso.warnings.contains { $0.contains("dso_count is 4294967295") })

        let outside = SyntheticMinidump(endian: endian)
        StreamSynth.linux(outside)
        let body = outside.section().u32(1).u32(0x7fff_0000).u32(3).u32(0).u64(1).u64(2).u64(3)
        outside.addStream(type: SynthStreamType.linuxDSODebug, body: body)
        let far = try #require(try StreamSynth.contents(outside).stream(LinuxDsoDebug.self))
        #expect(far.linkMaps.isEmpty)
        #expect(far.warnings.count == 1)

        let short = SyntheticMinidump(endian: endian)
        StreamSynth.linux(short)
        short.addRawStream(type: SynthStreamType.linuxDSODebug, bytes: [1, 0, 0, 0, 0, 0])
        #expect(try StreamSynth.contents(short).errors[.linuxDsoDebug]?.kind == .truncated)
    }
}
