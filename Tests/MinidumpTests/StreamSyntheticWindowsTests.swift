import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// Building and reading synthetic dumps for the stream tests.
enum StreamSynth {
    static let endians: [SynthEndian] = [.little, .big]

    static func contents(_ dump: SyntheticMinidump) throws -> MinidumpContents {
        try MinidumpContents(bytes: ByteView(dump.build()), contexts: .bundled)
    }

    /// The report, after rendering the dump every way the CLI does (none of which may trap).
    static func report(_ contents: MinidumpContents) -> CrashReport {
        var report = CrashReport(source: "synthetic")
        MinidumpReport.fill(&report, from: contents)
        _ = MinidumpDump.text(contents)
        _ = try? JSONOutput.string(MinidumpDump.document(contents))
        _ = try? JSONOutput.string(report)
        return report
    }

    static func windows(_ dump: SyntheticMinidump, architecture: UInt16 = SynthArchitecture.amd64) {
        dump.addSystemInfo(SynthSystemInfo(processorArchitecture: architecture, majorVersion: 10,
                                           platformID: SynthPlatform.win32NT))
    }

    static func linux(_ dump: SyntheticMinidump, architecture: UInt16 = SynthArchitecture.amd64) {
        dump.addSystemInfo(SynthSystemInfo(processorArchitecture: architecture, platformID: SynthPlatform.linux))
    }

    /// Notes the report has about `streamName`.
    static func notes(_ report: CrashReport, _ streamName: String) -> [Note] {
        report.notes.filter { $0.message.hasPrefix(streamName + " stream") }
    }
}

/// The Windows streams on synthetic dumps in both byte orders, well-formed and broken.
struct StreamSyntheticWindowsTests {
    @Test(arguments: StreamSynth.endians)
    func threadNames(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        for id: UInt32 in [7, 9, 11] { dump.addThread(SynthThread(id: id)) }
        dump.addThreadName(threadID: 7, name: "main")
        dump.addThreadName(threadID: 9, name: "wörker 🧵")
        dump.addThreadName(SynthThreadName(threadID: 11, rawRVA: 0xFFFF_FFFF_0000))
        let contents = try StreamSynth.contents(dump)
        let names = try #require(contents.stream(ThreadNames.self))
        #expect(names.names.map(\.threadId) == [7, 9, 11])
        #expect(names.name(of: 7) == "main")
        #expect(names.name(of: 9) == "wörker 🧵")
        #expect(names.name(of: 11) == nil)
        #expect(names.names[2].problem?.contains("out of range") == true)
        // The error names where the bad RVA is: entry 2's RVA field, after the count and id.
        let streamRva = try #require(contents.file.entry(.threadNames)).rva
        #expect(names.names[2].problem?.contains("at offset \(formatHex(Int(streamRva) + 4 + 2 * 12 + 4))") == true)
        let report = StreamSynth.report(contents)
        #expect(report.threads.map(\.name) == ["main", "wörker 🧵", nil])
        #expect(StreamSynth.notes(report, "ThreadNames").count == 1)
        #expect(StreamSynth.notes(report, "ThreadNames").first?.kind == "thread_names")
    }

    @Test(arguments: StreamSynth.endians)
    func threadNamesAbsurdCount(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addThreadName(threadID: 1, name: "a")
        dump.addThreadName(threadID: 2, name: "b").countOverride = 0x7fff_ffff
        let names = try #require(try StreamSynth.contents(dump).stream(ThreadNames.self))
        #expect(names.names.map(\.name) == ["a", "b"])
        #expect(names.warnings == ["thread name count is 2147483647 but the stream holds only 2; reading 2"])
    }

    @Test(arguments: StreamSynth.endians)
    func threadExList(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let stack = dump.addData(dump.section("stack").u64(0x1122_3344_5566_7788))
        let body = dump.section().u32(1)
        body.u32(42).u32(1).u32(0x20).u32(8).u64(0x7ffd_0000)
        body.u64(0x7000).location(stack)
        body.location(rva: 0, size: 0)
        body.u64(0x9000).location(rva: 0xFFFF_0000, size: 16)
        dump.addStream(type: SynthStreamType.threadExList, body: body)
        let list = try #require(try StreamSynth.contents(dump).stream(ThreadExList.self))
        #expect(list.threads.count == 1)
        let thread = list.threads[0]
        #expect(thread.threadId == 42 && thread.suspendCount == 1 && thread.priorityClass == 0x20 && thread.priority == 8)
        #expect(thread.teb == 0x7ffd_0000 && thread.stackStart == 0x7000 && thread.backingStoreStart == 0x9000)
        #expect(thread.stack?.count == 8)
        #expect(thread.backingStore == nil)
        #expect(thread.problems.count == 2)        // no context, backing store outside the file
        #expect(thread.problems.contains { $0.hasPrefix("backing store:") })
    }

    @Test(arguments: StreamSynth.endians)
    func unloadedModules(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.windows(dump)
        dump.addUnloadedModule(SynthUnloadedModule(baseOfImage: 0x7ff9_0000_0000, sizeOfImage: 0x2000, checksum: 7,
                                                   timeDateStamp: 0x5a5a_0001, name: "C:\\Windows\\gone.dll"))
        dump.addUnloadedModule(SynthUnloadedModule(baseOfImage: 0x1000_0000, sizeOfImage: 0x10000, name: "b.dll"))
        let contents = try StreamSynth.contents(dump)
        let list = try #require(contents.stream(UnloadedModuleList.self))
        #expect(list.sizeOfHeader == 12 && list.sizeOfEntry == 24 && list.numberOfEntries == 2)
        #expect(list.modules.map(\.name) == ["C:\\Windows\\gone.dll", "b.dll"])
        #expect(list.modules[0].checksum == 7)
        let report = StreamSynth.report(contents)
        #expect(report.unloadedModules.count == 2)
        #expect(report.unloadedModules[0].base == 0x7ff9_0000_0000)
        #expect(report.unloadedModules[0].size == 0x2000)
        #expect(report.unloadedModules[0].name == "gone.dll")
        #expect(report.unloadedModules[0].codeId?.value == "5a5a00012000")
        #expect(report.unloadedModules[0].debugId == nil)
    }

    /// A newer writer's larger header and entries: known fields are read, the rest stepped over.
    @Test(arguments: StreamSynth.endians)
    func unloadedModulesHonourSizes(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let names = [dump.addString("first.dll"), dump.addString("second.dll")]
        let body = dump.section().u32(16).u32(32).u32(2).u32(0xdead)
        for (i, name) in names.enumerated() {
            body.u64(0x1000_0000 * UInt64(i + 1)).u32(0x1000).u32(0).u32(0).u32(name).u64(0xffff_ffff_ffff_ffff)
        }
        dump.addStream(type: SynthStreamType.unloadedModuleList, body: body)
        let list = try #require(try StreamSynth.contents(dump).stream(UnloadedModuleList.self))
        #expect(list.modules.map(\.name) == ["first.dll", "second.dll"])
        #expect(list.modules.map(\.base) == [0x1000_0000, 0x2000_0000])
        #expect(list.warnings.isEmpty)
    }

    @Test(arguments: StreamSynth.endians)
    func unloadedModulesMalformed(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        var bad = SynthUnloadedModule(baseOfImage: 0x2000, sizeOfImage: 0x1000, name: "x")
        bad.nameRVAOverride = 0x7fff_fff0
        dump.addUnloadedModule(SynthUnloadedModule(baseOfImage: 0x1000, sizeOfImage: 0x1000, name: "ok.dll"))
        dump.addUnloadedModule(bad).countOverride = 1_000_000
        let contents = try StreamSynth.contents(dump)
        let list = try #require(contents.stream(UnloadedModuleList.self))
        #expect(list.modules.count == 2)
        #expect(list.modules[0].name == "ok.dll" && list.modules[0].problem == nil)
        #expect(list.modules[1].problem?.hasPrefix("name:") == true)
        #expect(list.warnings.first?.contains("count is 1000000") == true)
        let report = StreamSynth.report(contents)
        #expect(report.unloadedModules.count == 2)
        #expect(StreamSynth.notes(report, "UnloadedModuleList").count == 2)

        let tooSmall = SyntheticMinidump(endian: endian)
        tooSmall.addUnloadedModule(SynthUnloadedModule(baseOfImage: 0, sizeOfImage: 1, name: "y")).entrySizeOverride = 8
        let broken = try StreamSynth.contents(tooSmall)
        #expect(broken.stream(UnloadedModuleList.self) == nil)
        #expect(broken.errors[.unloadedModuleList]?.kind == .invalidValue)
        #expect(StreamSynth.report(broken).notes.contains { $0.severity == .error && $0.message.contains("UnloadedModuleList") })
    }

    @Test(arguments: StreamSynth.endians)
    func memoryInfoList(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addMemoryInfo(SynthMemoryInfo(baseAddress: 0x10000, allocationBase: 0x10000, allocationProtection: 0x04,
                                           regionSize: 0x3000, state: 0x1000, protection: 0x20 | 0x100, type: 0x1000000))
        dump.addMemoryInfo(SynthMemoryInfo(baseAddress: 0x20000, regionSize: 0x1000, state: 0x10000, protection: 0x01,
                                           type: 0))
        dump.addMemoryInfo(SynthMemoryInfo(baseAddress: 0x30000, regionSize: 0))
        let list = try #require(try StreamSynth.contents(dump).stream(MemoryInfoList.self))
        #expect(list.regions.count == 3)
        let first = list.regions[0]
        #expect(first.baseAddress == 0x10000 && first.allocationBase == 0x10000 && first.regionSize == 0x3000)
        #expect(first.stateName == "MEM_COMMIT")
        #expect(first.protectionName == "PAGE_EXECUTE_READ | PAGE_GUARD")
        #expect(first.allocationProtectionName == "PAGE_READWRITE")
        #expect(first.typeName == "MEM_IMAGE")
        #expect(first.isExecutable && !first.isWritable)
        #expect(list.regions[1].stateName == "MEM_FREE" && list.regions[1].protectionName == "PAGE_NOACCESS")
        #expect(list.regions[2].problem?.contains("empty") == true)
        #expect(list.region(containing: 0x12fff)?.baseAddress == 0x10000)
        #expect(list.region(containing: 0x13000) == nil)
        let json = try JSONOutput.string(list)
        #expect(json.contains("\"protection_name\" : \"PAGE_EXECUTE_READ | PAGE_GUARD\""))
        #expect(json.contains("\"state_name\" : \"MEM_COMMIT\""))
    }

    @Test(arguments: StreamSynth.endians)
    func memoryInfoListMalformed(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addMemoryInfo(SynthMemoryInfo(baseAddress: 0x1000, regionSize: 0x1000))
        let stream = dump.addMemoryInfo(SynthMemoryInfo(baseAddress: 0x2000, regionSize: 0x1000))
        stream.countOverride = UInt64.max
        stream.headerSizeOverride = 4
        let list = try #require(try StreamSynth.contents(dump).stream(MemoryInfoList.self))
        #expect(list.regions.map(\.baseAddress) == [0x1000, 0x2000])
        #expect(list.warnings.count == 2)
        #expect(list.numberOfEntries == UInt64.max)

        stream.headerSizeOverride = 0x7fff_ffff
        let past = try #require(try StreamSynth.contents(dump).stream(MemoryInfoList.self))
        #expect(past.regions.isEmpty)
        #expect(past.warnings.contains { $0.contains("size_of_header") })

        stream.headerSizeOverride = nil
        stream.entrySizeOverride = 47
        #expect(try StreamSynth.contents(dump).errors[.memoryInfoList]?.kind == .invalidValue)
    }

    @Test(arguments: StreamSynth.endians)
    func threadInfoList(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let body = dump.section().u32(12).u32(64).u32(2)
        for id: UInt32 in [0x10, 0x20] {
            body.u32(id).u32(0x4 | 0x10).u32(0x8000_0005).u32(0x103)
            body.u64(0x01d0_0000_0000_0000).u64(0).u64(0x100).u64(0x200).u64(0x7ff6_0000_1000).u64(0xff)
        }
        dump.addStream(type: SynthStreamType.threadInfoList, body: body)
        let list = try #require(try StreamSynth.contents(dump).stream(ThreadInfoList.self))
        #expect(list.threads.map(\.threadId) == [0x10, 0x20])
        let info = try #require(list.info(of: 0x20))
        #expect(info.dumpError == 0x8000_0005 && info.exitStatus == 0x103)
        #expect(info.createTime == 0x01d0_0000_0000_0000 && info.kernelTime == 0x100 && info.userTime == 0x200)
        #expect(info.startAddress == 0x7ff6_0000_1000 && info.affinity == 0xff)
        #expect(info.dumpFlagNames == ["MINIDUMP_THREAD_INFO_EXITED_THREAD", "MINIDUMP_THREAD_INFO_INVALID_CONTEXT"])

        let truncated = SyntheticMinidump(endian: endian)
        truncated.addStream(type: SynthStreamType.threadInfoList, body: truncated.section().u32(12).u32(64).u32(9).zeros(70))
        let cut = try #require(try StreamSynth.contents(truncated).stream(ThreadInfoList.self))
        #expect(cut.threads.count == 1)
        #expect(cut.warnings == ["thread info count is 9 but the stream holds only 1; reading 1"])
    }

    @Test(arguments: StreamSynth.endians)
    func handleDataVersion1(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addHandle(SynthHandleDescriptor(handle: 0x4, typeName: "File", objectName: "\\Device\\HarddiskVolume3\\x",
                                             attributes: 2, grantedAccess: 0x12019f, handleCount: 3, pointerCount: 5))
        dump.addHandle(SynthHandleDescriptor(handle: 0x8, typeName: "Event"))
        let list = try #require(try StreamSynth.contents(dump).stream(HandleData.self))
        #expect(list.sizeOfDescriptor == 32)
        #expect(list.handles.count == 2)
        let file = list.handles[0]
        #expect(file.handle == 4 && file.typeName == "File" && file.objectName == "\\Device\\HarddiskVolume3\\x")
        #expect(file.attributes == 2 && file.grantedAccess == 0x12019f && file.handleCount == 3 && file.pointerCount == 5)
        #expect(file.objectInfoRva == nil)
        #expect(list.handles[1].objectName == nil && list.handles[1].problems.isEmpty)
    }

    @Test(arguments: StreamSynth.endians)
    func handleDataVersion2WithObjectInfo(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let second = dump.section("info2")
        let first = dump.section("info1").u32(second.start).u32(2).u32(8).u64(0x1122)
        second.u32(0).u32(4).u32(4).u32(0x33)
        dump.addData(first)
        dump.addData(second)
        let loop = dump.section("loop")
        loop.u32(loop.start).u32(6).u32(0)
        dump.addData(loop)
        let body = dump.section().u32(16).u32(40).u32(3).u32(0)
        body.u64(0x10).u32(dump.addString("Mutant")).u32(0).u32(0).u32(0x1f0001).u32(1).u32(2).u32(first.start).u32(0)
        body.u64(0x14).u32(0x7fff_0000).u32(0).u32(0).u32(0).u32(1).u32(1).u32(loop.start).u32(0)
        body.u64(0x18).u32(0).u32(0).u32(0).u32(0).u32(1).u32(1).u32(0x7fff_0000).u32(0)
        dump.addStream(type: SynthStreamType.handleData, body: body)
        let contents = try StreamSynth.contents(dump)
        let list = try #require(contents.stream(HandleData.self))
        #expect(list.sizeOfDescriptor == 40 && list.handles.count == 3)
        let mutant = list.handles[0]
        #expect(mutant.typeName == "Mutant" && mutant.problems.isEmpty)
        #expect(mutant.objectInfos.map(\.infoTypeName) == ["MiniMutantInformation1", "MiniProcessInformation1"])
        #expect(mutant.objectInfos.map(\.size) == [8, 4])
        let looping = list.handles[1]
        #expect(looping.objectInfos.count == 1)
        #expect(looping.problems.contains { $0.hasPrefix("type name:") })
        #expect(looping.problems.contains { $0.contains("loops back") })
        #expect(list.handles[2].problems.count == 1)      // object information outside the file
        #expect(StreamSynth.notes(StreamSynth.report(contents), "HandleData").count == 3)
    }

    @Test(arguments: StreamSynth.endians)
    func handleDataOddDescriptorSize(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let stream = dump.addHandle(SynthHandleDescriptor(handle: 0x4, typeName: "File"))
        stream.entrySizeOverride = 31
        #expect(try StreamSynth.contents(dump).errors[.handleData]?.kind == .invalidValue)

        // 36 bytes: a version 1 descriptor with 4 unknown bytes; the count is cut to what fits.
        stream.entrySizeOverride = 36
        stream.countOverride = 50
        stream.trailingBytes = [UInt8](repeating: 0, count: 4)
        let list = try #require(try StreamSynth.contents(dump).stream(HandleData.self))
        #expect(list.handles.count == 1)
        #expect(list.handles[0].typeName == "File")
        #expect(list.handles[0].objectInfoRva == nil)
        #expect(list.warnings.contains { $0.contains("count is 50") })
        #expect(list.warnings.contains { $0.contains("size_of_descriptor is 36") })
    }
}
