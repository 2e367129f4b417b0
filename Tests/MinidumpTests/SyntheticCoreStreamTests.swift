import CrashpipeCore
import Minidump
import TestSupport
import Testing

/// The core streams read from dumps built byte by byte by the synthetic builder, in both byte
/// orders, including the malformed variants a parser must survive.
struct SyntheticCoreStreamTests {
    static let endians: [SynthEndian] = [.little, .big]

    static func parse(_ dump: SyntheticMinidump) throws -> MinidumpContents {
        try MinidumpContents(bytes: ByteView(dump.build()), contexts: .bundled)
    }

    static func report(_ dump: SyntheticMinidump) throws -> CrashReport {
        var report = CrashReport(source: "synthetic")
        MinidumpReport.fill(&report, from: try parse(dump))
        return report
    }

    /// A Windows amd64 dump with one crashed thread, two modules and an access violation.
    static func windowsDump(_ endian: SynthEndian) -> SyntheticMinidump {
        let dump = SyntheticMinidump(endian: endian, timestamp: 0x6000_0000)
        dump.addSystemInfo(SynthSystemInfo(processorArchitecture: SynthArchitecture.amd64, processorLevel: 6,
                                           processorRevision: 0x8c01, numberOfProcessors: 8, majorVersion: 10,
                                           minorVersion: 0, buildNumber: 22000, platformID: SynthPlatform.win32NT,
                                           csdVersion: "Service Pack 9"))
        let stack = SynthMemory(address: 0x7fff_0000, bytes: (0..<64).map { UInt8($0) })
        let registers: [String: UInt64] = ["rip": 0x1400_01234, "rsp": 0x7fff_0010, "rbp": 0x7fff_0020, "rax": 0x45]
        dump.addThread(SynthThread(id: 0x1234, suspendCount: 1, teb: 0x7ff0_0000, stack: stack,
                                   context: dump.amd64Context(registers)))
        dump.addModule(SynthModule(baseOfImage: 0x1_4000_0000, sizeOfImage: 0x2d000, timeDateStamp: 0x45d35f6c,
                                   name: "c:\\app\\app.exe", versionInfo: .windows(1, 2, 3, 4),
                                   codeView: .pdb70(guid: SynthGUID("5a9832e5-2872-41c1-838e-d98914e9b7ff")!,
                                                    age: 1, fileName: "c:\\app\\app.pdb")))
        dump.addModule(SynthModule(baseOfImage: 0x7ff8_0000_0000, sizeOfImage: 0x1000, timeDateStamp: 0x3C7C1A3F,
                                   name: "c:\\old.dll",
                                   codeView: .pdb20(offset: 0, signature: 0x3C7C1A3F, age: 2, fileName: "old.pdb")))
        dump.addException(SynthException(threadID: 0x1234, code: 0xc000_0005, address: 0x1400_01234,
                                         parameters: [1, 0x45], context: dump.amd64Context(registers)))
        dump.addMiscInfo(SynthMiscInfo(version: 2, processID: 4242, processCreateTime: 0x5fff_fff0))
        dump.addBreakpadInfo(dumpThreadID: 0x99, requestingThreadID: 0x1234)
        return dump
    }

    @Test(arguments: endians)
    func windowsDumpReadsInBothByteOrders(_ endian: SynthEndian) throws {
        let contents = try Self.parse(Self.windowsDump(endian))
        #expect(contents.file.endian == (endian == .little ? .little : .big))
        #expect(contents.errors.isEmpty)
        let report = try Self.report(Self.windowsDump(endian))
        let system = try #require(report.system)
        #expect(system.os == .windows && system.cpu == .amd64 && system.cpuCount == 8)
        #expect(system.osVersion == "10.0.22000" && system.osBuild == "Service Pack 9")
        #expect(system.cpuInfo == "family 6 model 140 stepping 1")

        #expect(report.threads.count == 1)
        let thread = report.threads[0]
        #expect(thread.id == 0x1234 && thread.suspendCount == 1 && thread.threadEnvironmentBlock == 0x7ff0_0000)
        #expect(thread.context?.instructionPointer == 0x1400_01234)
        #expect(thread.context?["rax"] == 0x45)
        #expect(thread.stack?.base == 0x7fff_0000 && thread.stack?.size == 64)
        #expect(report.memory.read(UInt8.self, at: 0x7fff_0005) == 5)

        #expect(report.modules.count == 2)
        let app = report.modules[0]
        #expect(app.base == 0x1_4000_0000 && app.size == 0x2d000)
        #expect(app.codeFile == "c:\\app\\app.exe" && app.name == "app.exe")
        #expect(app.debugFile == "c:\\app\\app.pdb")
        #expect(app.debugId?.breakpad == "5A9832E5287241C1838ED98914E9B7FF1")
        #expect(app.codeId?.value == "45d35f6c2d000")
        #expect(app.version == "1.2.3.4")
        let old = report.modules[1]
        #expect(old.debugId?.breakpad == "3C7C1A3F2" && old.debugFile == "old.pdb")

        let crash = try #require(report.crash)
        #expect(crash.name == "EXCEPTION_ACCESS_VIOLATION_WRITE" && crash.address == 0x45)
        #expect(crash.instructionAddress == 0x1400_01234)
        #expect(report.requestingThread == 0)
        #expect(report.dumpThreadId == 0x99)
        #expect(report.process?.processId == 4242 && report.process?.createTime == 0x5fff_fff0)
    }

    @Test(arguments: endians)
    func linuxDumpWithELFBuildIdAndX86Context(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addSystemInfo(SynthSystemInfo(processorArchitecture: SynthArchitecture.x86, processorLevel: 6,
                                           processorRevision: 0x0d08, platformID: SynthPlatform.linux,
                                           csdVersion: "Linux 5.4.0-42-generic #46 SMP Fri Jul 10 00:24:02 UTC 2020 i686",
                                           cpu: .x86(vendor: "GenuineIntel")))
        dump.addThread(SynthThread(id: 7, context: dump.x86Context(["eip": 0x0804_8000, "esp": 0xbfff_0000, "ebp": 0xbfff_0010])))
        dump.addModule(SynthModule(baseOfImage: 0x0804_8000, sizeOfImage: 0x1000, name: "/usr/bin/app",
                                   codeView: .elf(buildID: Array(parseHexBytes("f1c3bcc0279865fe3058404b2831d9e64135386c")!))))
        dump.addException(SynthException(threadID: 7, code: 11, flags: 1, address: 0x1234))
        let report = try Self.report(dump)
        #expect(report.system?.osVersion == "5.4.0-42-generic")
        #expect(report.system?.osBuild == "#46 SMP Fri Jul 10 00:24:02 UTC 2020")
        #expect(report.system?.cpuInfo == "GenuineIntel family 6 model 13 stepping 8")
        #expect(report.modules[0].debugId?.breakpad == "C0BCC3F19827FE653058404B2831D9E60")
        #expect(report.modules[0].codeId?.value == "f1c3bcc0279865fe3058404b2831d9e64135386c")
        #expect(report.modules[0].debugFile == "/usr/bin/app")
        #expect(report.threads[0].context?["eip"] == 0x0804_8000)
        #expect(report.crash?.name == "SIGSEGV /SEGV_MAPERR")
        #expect(report.crash?.address == 0x1234)
    }

    @Test(arguments: endians)
    func armAndARM64Contexts(_ endian: SynthEndian) throws {
        let cases: [(UInt16, (SyntheticMinidump) -> ByteSection, String, UInt64)] = [
            (SynthArchitecture.arm, { $0.armContext(["pc": 0x1000, "sp": 0x2000, "r11": 0x3000, "lr": 0x4000]) }, "r15", 0x1000),
            (SynthArchitecture.arm64, { $0.arm64Context(["pc": 0x10000, "sp": 0x20000, "x29": 0x30000, "x30": 0x40000]) }, "pc", 0x10000),
            (SynthArchitecture.arm64Old, { $0.arm64OldContext(["pc": 0x10000, "sp": 0x20000, "x29": 0x30000, "x30": 0x40000]) }, "pc", 0x10000),
        ]
        for (arch, context, pcName, pc) in cases {
            let dump = SyntheticMinidump(endian: endian)
            dump.addSystemInfo(SynthSystemInfo(processorArchitecture: arch, platformID: SynthPlatform.linux))
            dump.addThread(SynthThread(id: 1, context: context(dump)))
            let report = try Self.report(dump)
            let registers = try #require(report.threads.first?.context, "arch \(arch)")
            #expect(registers[pcName] == pc, "arch \(arch)")
            #expect(registers.stackPointer == (arch == SynthArchitecture.arm ? 0x2000 : 0x20000))
            #expect(registers["fp"] == (arch == SynthArchitecture.arm ? 0x3000 : 0x30000))
            #expect(registers["lr"] == (arch == SynthArchitecture.arm ? 0x4000 : 0x40000))
        }
    }

    /// Context flags say which registers hold values: CONTROL (ip, sp, flags) and INTEGER.
    @Test(arguments: endians)
    func contextFlagsDecideWhichRegistersAreKnown(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addSystemInfo(SynthSystemInfo(processorArchitecture: SynthArchitecture.x86, platformID: SynthPlatform.win32NT))
        dump.addThread(SynthThread(id: 1, context: dump.x86Context(["eip": 1, "esp": 2, "eax": 3], flags: 0x0001_0001)))
        dump.addThread(SynthThread(id: 2, context: dump.x86Context(["eip": 1, "esp": 2, "eax": 3], flags: 0x0001_0002)))
        dump.addThread(SynthThread(id: 3, context: dump.x86Context(["eip": 1, "esp": 2, "eax": 3], flags: 0x0001_0000)))
        let threads = try Self.report(dump).threads
        #expect(threads[0].context?["eip"] == 1 && threads[0].context?["esp"] == 2 && threads[0].context?["eax"] == nil)
        #expect(threads[1].context?["eip"] == nil && threads[1].context?["eax"] == 3)
        #expect(threads[2].context?["eip"] == 1 && threads[2].context?["eax"] == 3)

        let arm64 = SyntheticMinidump(endian: endian)
        arm64.addSystemInfo(SynthSystemInfo(processorArchitecture: SynthArchitecture.arm64, platformID: SynthPlatform.linux))
        arm64.addThread(SynthThread(id: 1, context: arm64.arm64Context(["pc": 8, "x0": 9, "x29": 10], flags: 0x0040_0001)))
        let context = try #require(try Self.report(arm64).threads.first?.context)
        #expect(context["pc"] == 8 && context["fp"] == 10 && context["x0"] == nil)
    }

    @Test(arguments: endians)
    func miscInfoVersionsOneToFive(_ endian: SynthEndian) throws {
        for version in 1...5 {
            let dump = SyntheticMinidump(endian: endian)
            dump.addMiscInfo(SynthMiscInfo(version: version, processID: 77, processCreateTime: 1000,
                                           powerInfo: version >= 2 ? SynthProcessorPowerInfo(maxMhz: 3000, currentMhz: 2000) : nil,
                                           timeZone: version >= 3 ? SynthTimeZone(bias: 60, standardName: "CET") : nil,
                                           buildString: version >= 4 ? "10.0.22621.1 (WinBuild)" : nil,
                                           processCookie: version >= 5 ? 0xabcd : nil))
            let misc = try #require(try Self.parse(dump).stream(MiscInfo.self), "version \(version)")
            #expect(misc.sizeOfInfo == UInt32(SynthMiscInfo.sizes[version - 1]))
            #expect(misc.details.processId == 77 && misc.details.createTime == 1000)
            #expect(misc.processorMaxMhz == (version >= 2 ? 3000 : nil))
            #expect(misc.timeZone?.standardName == (version >= 3 ? "CET" : nil))
            #expect(misc.buildString == (version >= 4 ? "10.0.22621.1 (WinBuild)" : nil))
            #expect(misc.processCookie == (version >= 5 ? 0xabcd : nil))
        }
    }

    @Test(arguments: endians)
    func absurdListCountsGivePartialListsWithWarnings(_ endian: SynthEndian) throws {
        let dump = Self.windowsDump(endian)
        dump.stream(ofType: SynthStreamType.moduleList)?.countOverride = 0x0fff_ffff
        dump.stream(ofType: SynthStreamType.threadList)?.countOverride = 0xffff_ffff
        let report = try Self.report(dump)
        #expect(report.modules.count == 2)
        #expect(report.threads.count == 1)
        #expect(report.notes.contains { $0.kind == "module_list" && $0.message.contains("268435455") })
        #expect(report.notes.contains { $0.kind == "thread_list" })
    }

    @Test(arguments: endians)
    func streamsOutsideTheFileAreErrorsOthersStillRead(_ endian: SynthEndian) throws {
        let dump = Self.windowsDump(endian)
        dump.stream(ofType: SynthStreamType.moduleList)?.rvaOverride = 0x7fff_fff0
        dump.stream(ofType: SynthStreamType.exception)?.sizeOverride = 20
        let contents = try Self.parse(dump)
        #expect(contents.errors[.moduleList]?.kind == .outOfRange)
        #expect(contents.errors[.exception]?.kind == .truncated)
        #expect(contents.stream(ThreadList.self)?.threads.count == 1)
        var report = CrashReport()
        MinidumpReport.fill(&report, from: contents)
        #expect(report.system?.cpu == .amd64)
        #expect(report.notes.contains { $0.message.contains("ModuleList stream unreadable") })
        #expect(report.streams.first { $0.name == "ModuleList" }?.parsed == false)
    }

    @Test(arguments: endians)
    func badContextAndStackLocationsAreProblemsNotFailures(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addSystemInfo(SynthSystemInfo(processorArchitecture: SynthArchitecture.amd64, platformID: SynthPlatform.linux))
        dump.addThread(SynthThread(id: 1, stack: SynthMemory(address: 0x1000, bytes: [1, 2, 3, 4]),
                                   contextLocationOverride: SynthRawLocation(rva: 0xffff_0000, size: 1232)))
        dump.addThread(SynthThread(id: 2, context: dump.x86Context()))   // too short for amd64
        let contents = try Self.parse(dump)
        let threads = try #require(contents.stream(ThreadList.self)).threads
        #expect(threads.count == 2)
        #expect(threads[0].context == nil && threads[0].problems.contains { $0.contains("context") })
        #expect(threads[0].stack?.count == 4)
        #expect(threads[1].context == nil && threads[1].problems.contains { $0.contains("1232") })
    }

    @Test(arguments: endians)
    func duplicateStreamsUseTheFirstAndAreNoted(_ endian: SynthEndian) throws {
        let dump = Self.windowsDump(endian)
        dump.addDuplicateDirectoryEntry(of: dump.stream(ofType: SynthStreamType.systemInfo)!)
        let contents = try Self.parse(dump)
        #expect(contents.file.notes.contains { $0.contains("SystemInfo") && $0.contains("more than once") })
        #expect(contents.stream(SystemInfoStream.self)?.numberOfProcessors == 8)
    }

    @Test(arguments: endians)
    func truncatedSyntheticDumpsNeverCrash(_ endian: SynthEndian) throws {
        let bytes = Self.windowsDump(endian).build()
        for cut in stride(from: 0, to: bytes.count, by: 7) {
            MalformedInputTests.exercise(Array(bytes[..<cut]))
        }
    }
}
