import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// The additional streams against the real dumps in Tests/Fixtures: values the originating
/// projects' tests assert, or that INVENTORY.json and the raw files show.
struct StreamFixtureTests {
    static func contents(_ path: String) throws -> MinidumpContents {
        try MinidumpContents(bytes: ByteView(try Fixtures.bytes(path)), contexts: .bundled)
    }

    static func report(_ contents: MinidumpContents, path: String = "fixture") -> CrashReport {
        var report = CrashReport(source: path)
        MinidumpReport.fill(&report, from: contents)
        return report
    }

    // MARK: Crashpad

    @Test func simpleCrashpadInfo() throws {
        let contents = try Self.contents("rust-minidump/minidumps/simple-crashpad.dmp")
        let info = try #require(contents.stream(CrashpadInfo.self))
        #expect(info.version == 1)
        #expect(info.reportId.uppercased() == "42F9DE72-518A-43DD-97D7-8DDC328D3662")
        #expect(info.clientId.uppercased() == "6FD2B3B9-9833-4B2F-BBF7-0BCF501BAD7E")
        #expect(info.simpleAnnotations == [TextField(key: "hello", value: "world")])
        #expect(info.modules.count == 2)
        #expect(info.modules[0].moduleIndex == 16)
        #expect(info.modules[0].listAnnotations == ["abort() called"])
        #expect(info.problems.isEmpty)
        #expect(info.addressMask == nil)

        let report = Self.report(contents)
        let annotations = try #require(report.annotations)
        #expect(annotations.reportId?.uppercased() == "42F9DE72-518A-43DD-97D7-8DDC328D3662")
        #expect(annotations.clientId?.uppercased() == "6FD2B3B9-9833-4B2F-BBF7-0BCF501BAD7E")
        #expect(annotations.simple == ["hello": "world"])
        #expect(annotations.modules.count == 2)
        #expect(annotations.modules[0].moduleIndex == 16)
        #expect(annotations.modules[0].listAnnotations == ["abort() called"])
        #expect(annotations.modules[0].moduleName == report.modules[16].codeFile)
        #expect(annotations.modules[0].moduleName?.isEmpty == false)

        var out = DumpPrinter()
        info.dump(to: &out)
        #expect(out.text.hasPrefix("MDRawCrashpadInfo\n  version = 1\n  report_id = 42f9de72-518a-43dd-97d7-8ddc328d3662\n"))
        #expect(out.text.contains("  simple_annotations[\"hello\"] = world\n"))
        #expect(out.text.contains("  module_list[0].list_annotations[0] = abort() called\n"))
    }

    @Test func crashpadAnnotationObjects() throws {
        let contents = try Self.contents("breakpad/minidumps/minidump_crashpad_annotation.dmp")
        let info = try #require(contents.stream(CrashpadInfo.self))
        #expect(info.modules.count == 2)
        let objects = info.modules[0].annotationObjects
        #expect(objects.map(\.name) == ["exceptionReason", "exceptionName", "firstexception_bt", "firstexception",
                                        "CounterAnnotation"])
        for object in objects {
            #expect(object.type > 0, "type of \(object.name)")
            #expect(!object.value.isEmpty, "value of \(object.name)")
        }
        #expect(objects[1].text == "NSRangeException")
        #expect(objects[4].text == nil)          // user-defined type 0x802a
        #expect(info.modules[1].annotationObjects.isEmpty)
        #expect(info.modules[1].moduleIndex == 100)
        #expect(info.problems.isEmpty)

        let report = Self.report(contents)
        let module = try #require(report.annotations?.modules.first)
        #expect(module.annotationObjects.map(\.name) == objects.map(\.name))
        #expect(module.annotationObjects[1].value == "NSRangeException")
        #expect(module.annotationObjects[4].value == hexDigits(objects[4].value, uppercase: false))
        #expect(report.annotations?.simple["plat"] == "iOS")
    }

    // MARK: Windows streams

    @Test func invalidParameterAssertion() throws {
        let contents = try Self.contents("rust-minidump/minidumps/invalid-parameter.dmp")
        let stream = try #require(contents.stream(AssertionInfoStream.self))
        #expect(stream.expression == "format != nullptr")
        #expect(stream.function == "common_vfprintf")
        #expect(stream.file == "minkernel\\crts\\ucrt\\src\\appcrt\\stdio\\output.cpp")
        #expect(stream.line == 32)
        #expect(stream.type == 1)
        let assertion = try #require(Self.report(contents).assertion)
        #expect(assertion.expression == "format != nullptr")
        #expect(assertion.function == "common_vfprintf")
        #expect(assertion.file == "minkernel\\crts\\ucrt\\src\\appcrt\\stdio\\output.cpp")
        #expect(assertion.line == 32)
        #expect(assertion.type == "InvalidParameter")

        var out = DumpPrinter()
        stream.dump(to: &out)
        #expect(out.text == """
            MDAssertion
              expression                                 = format != nullptr
              function                                   = common_vfprintf
              file                                       = minkernel\\crts\\ucrt\\src\\appcrt\\stdio\\output.cpp
              line                                       = 32
              type                                       = 1


            """)
    }

    @Test func threadNameList() throws {
        let contents = try Self.contents("breakpad/minidumps/thread_name_list.dmp")
        let names = try #require(contents.stream(ThreadNames.self))
        #expect(names.names.count == 3)
        #expect(names.name(of: 0x19a4) == "main thread")
        #expect(names.name(of: 0x2274) == "sleep thread")
        #expect(names.name(of: 0x2ae0) == "overflow thread")
        let report = Self.report(contents)
        let byId = Dictionary(report.threads.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        #expect(byId[0x19a4] == "main thread")
        #expect(byId[0x2274] == "sleep thread")
        #expect(byId[0x2ae0] == "overflow thread")

        var out = DumpPrinter()
        names.dump(to: &out)
        #expect(out.text.hasPrefix("""
            MinidumpThreadNameList
              thread_name_count = 3

            thread_name[0]
            MDRawThreadName
              thread_id                   = 0x19a4
            """))
        #expect(out.text.contains("  thread_name                 = \"main thread\"\n"))
    }

    @Test func otherThreadNameDumps() throws {
        let sentry = Self.report(try Self.contents("sentry-native/minidump.dmp"))
        #expect(sentry.threads.first { $0.id == 0x7ac0 }?.name == "sentry-http")
        let mac = Self.report(try Self.contents("rust-minidump/minidumps/pipeline-inlines-macos-segv.dmp"))
        #expect(mac.threads.first { $0.id == 0x1203 }?.name == "main")
        // Unnamed threads are listed with "": present but empty, as rust-minidump reports them.
        #expect(mac.threads.first { $0.id == 0x1503 }?.name == "")
    }

    @Test func windowsListStreams() throws {
        let contents = try Self.contents("breakpad/minidumps/tiny-exe-with-cet-xsave.dmp")
        let unloaded = try #require(contents.stream(UnloadedModuleList.self))
        #expect(unloaded.modules.count == 1)
        #expect(unloaded.modules[0].name == "shcore.dll")
        #expect(unloaded.modules[0].base == 0x7ff9_0f45_0000)
        #expect(unloaded.modules[0].size == 0xea000)
        let memoryInfo = try #require(contents.stream(MemoryInfoList.self))
        #expect(memoryInfo.regions.count == 557)
        #expect(memoryInfo.warnings.isEmpty)
        #expect(memoryInfo.regions[0].baseAddress == 0)
        #expect(memoryInfo.regions[0].stateName == "MEM_FREE")
        #expect(memoryInfo.regions[0].protectionName == "PAGE_NOACCESS")
        #expect(memoryInfo.regions.contains { $0.stateName == "MEM_COMMIT" && $0.typeName == "MEM_IMAGE" })
        let handles = try #require(contents.stream(HandleData.self))
        #expect(handles.handles.count == 147)
        #expect(handles.sizeOfDescriptor == 32)
        #expect(handles.handles[0].handle == 4)
        #expect(handles.handles[0].typeName == "File")
        #expect(handles.handles[1].typeName == "Event")
        #expect(handles.problems.isEmpty)

        let report = Self.report(contents)
        #expect(report.unloadedModules.count == 1)
        #expect(report.unloadedModules[0].codeFile == "shcore.dll")
        #expect(report.unloadedModules[0].codeId?.value == "d40bc30aea000")
    }

    @Test func threadInfoList() throws {
        let contents = try Self.contents("lldb/minidumps/fizzbuzz_no_heap.dmp")
        let list = try #require(contents.stream(ThreadInfoList.self))
        #expect(list.threads.count == 1)
        #expect(list.threads[0].threadId == 0x2320)
        #expect(list.threads[0].exitStatus == 0x103)     // STILL_ACTIVE
        #expect(list.threads[0].startAddress == 0x16133e)
    }

    /// Every Windows dump of the set with these streams: they read, with the values the
    /// Microsoft layouts give.
    @Test(arguments: ["breakpad/minidumps/thread_name_list.dmp", "breakpad/minidumps/tiny-exe-fastfail.dmp",
                      "breakpad/minidumps/tiny-exe-with-cet-xsave-x86.dmp", "breakpad/minidumps/write_av_non_canonical.dmp",
                      "lldb/minidumps/sigsegv.dmp", "rust-minidump/minidumps/invalid-parameter.dmp",
                      "sentry-native/minidump.dmp", "symbolicator/minidumps/windows.dmp"])
    func systemMemoryAndVmCounters(_ path: String) throws {
        let contents = try Self.contents(path)
        let memory = try #require(contents.stream(SystemMemoryInfo.self))
        #expect(memory.revision == 1)
        #expect(memory.basicInfo?.pageSize == 0x1000)
        #expect(memory.basicInfo?.allocationGranularity == 0x10000)
        #expect((memory.basicInfo?.numberOfProcessors ?? 0) > 0)
        #expect(memory.fileCacheInfo != nil && memory.basicPerformance != nil && memory.performance != nil)
        #expect(memory.warnings.isEmpty)
        let counters = try #require(contents.stream(ProcessVmCounters.self))
        #expect(counters.revision == 2)
        #expect(counters.pageFaultCount > 0)
        #expect((counters.workingSetSize ?? 0) > 0)
        #expect(counters.jobTotalCommitLimit != nil)
        #expect(counters.warnings.isEmpty)
    }

    @Test func functionTable() throws {
        let table = try #require(try Self.contents("sentry-native/minidump.dmp").stream(FunctionTable.self))
        #expect(table.sizeOfHeader == 24)
        #expect(table.sizeOfDescriptor == 32)
        #expect(table.sizeOfNativeDescriptor == 136)
        #expect(table.sizeOfFunctionEntry == 12)
        #expect(table.numberOfDescriptors == 3)
        #expect(table.descriptors.map(\.minimumAddress) == [0x7ff4_fde9_1000, 0x810000, 0x820000])
        #expect(table.descriptors.map(\.entryCount) == [4, 1, 1])
        #expect(table.warnings.isEmpty)
    }

    // MARK: Linux

    @Test func regionsLinuxMap() throws {
        let contents = try Self.contents("lldb/generated/regions-linux-map.dmp")
        let maps = try #require(contents.stream(LinuxMaps.self))
        #expect(maps.mappings.count == 19)
        #expect(maps.problems.isEmpty)
        #expect(maps.mapping(containing: 0x400d_9000)?.path == "/system/bin/app_process")
        #expect(maps.mapping(containing: 0x400d_d000)?.path == "/system/bin/linker")
        #expect(maps.mapping(containing: 0x400f_b000)?.path == "/system/lib/liblog.so")
        #expect(maps.mapping(containing: 0x4010_1000)?.path == "/system/lib/libc.so")
        #expect(maps.mappings[2].path == nil)
        #expect(maps.mappings[0].permissions == "r-xp")
        #expect(maps.mappings[0].device == "b3:04")
        #expect(maps.mappings[0].inode == 227)
        #expect(maps.mappings[1].offset == 0x1000)
        let linux = try #require(Self.report(contents).linux)
        #expect(linux.maps?.count == 19)
        #expect(linux.maps?.first?.start == 0x400d_9000)
        #expect(linux.maps?.first?.end == 0x400d_b000)
    }

    @Test func linuxNotCrashedProcStatus() throws {
        let contents = try Self.contents("lldb/minidumps/linux-x86_64_not_crashed.dmp")
        let status = try #require(contents.stream(LinuxProcStatus.self))
        #expect(status.pid == 29939)
        #expect(status.dictionary["Name"] == "linux-x86_64_no")
        #expect(status.dictionary["State"] == "t (tracing stop)")
        let report = Self.report(contents)
        #expect(report.linux?.procStatus?["Pid"] == "29939")
        #expect(report.linux?.commandLine == ["./linux-x86_64_not_crashed"])
        #expect(report.process?.commandLine == ["./linux-x86_64_not_crashed"])
        #expect(report.linux?.cpuInfo?["vendor_id"] == "GenuineIntel")
        #expect(report.linux?.cpuInfo?["model name"] == "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz")
        #expect(report.linux?.environment?["TERM"] == "xterm")
        #expect(report.linux?.lsbRelease?["DISTRIB_DESCRIPTION"] == "Ubuntu 14.04.4 LTS")
        #expect(report.linux?.auxv?.first { $0.name == "AT_PAGESZ" }?.value == 0x1000)
    }

    /// Dumps INVENTORY.json lists with "lsb_release" (the raw lines joined by "; ").
    static let lsbDumps: [String] = {
        guard let json = try? Fixtures.json("INVENTORY.json") as? [String: Any],
              let dumps = json["minidumps"] as? [String: [String: Any]] else { return [] }
        return dumps.filter { $0.value["lsb_release"] != nil }.keys.sorted()
    }()

    @Test func inventoryListsLsbReleaseDumps() {
        #expect(Self.lsbDumps.count == 23)
    }

    @Test(arguments: lsbDumps)
    func lsbReleaseMatchesInventory(_ path: String) throws {
        let json = try #require(try Fixtures.json("INVENTORY.json") as? [String: Any])
        let facts = try #require((json["minidumps"] as? [String: [String: Any]])?[path])
        let expected = try #require(facts["lsb_release"] as? String)
        let contents = try Self.contents(path)
        let lsb = try #require(contents.stream(LinuxLsbRelease.self))
        #expect(lsb.lines.joined(separator: "; ") == expected)
        #expect(lsb.dictionary["DISTRIB_ID"] == "Ubuntu")
        let description = try #require(lsb.dictionary["DISTRIB_DESCRIPTION"])
        #expect(description.hasPrefix("Ubuntu 1") && !description.contains("\""))
        #expect(lsb.distribution == description)
        #expect(Self.report(contents).linux?.lsbRelease?["DISTRIB_ID"] == "Ubuntu")
    }

    /// linux_executable_stack.dmp was made by editing a sibling dump's maps text in place: the
    /// text grew by 34 bytes, the last maps line is cut, and the DSO debug entry still points at
    /// the old offset (24 bytes into the file's UTF-16 strings).
    static let editedDump = "breakpad/minidumps/linux_executable_stack.dmp"

    /// Every Linux dump in the inventory: all Breakpad Linux streams read without a problem.
    @Test(arguments: InventoryTests.entries.map(\.path).filter {
        $0.contains("linux") && !$0.contains("generated") && $0 != editedDump
    })
    func linuxStreamsRead(_ path: String) throws {
        let contents = try Self.contents(path)
        guard contents.file.entry(.linuxMaps) != nil else { return }
        let additional: [StreamType] = [.linuxCpuInfo, .linuxProcStatus, .linuxCmdLine, .linuxEnviron, .linuxAuxv,
                                        .linuxMaps, .linuxDsoDebug]
        for type in additional where contents.file.entry(type) != nil {
            #expect(contents.errors[type] == nil, "\(type.name): \(String(describing: contents.errors[type]))")
            #expect(contents.streams[type] != nil, "\(type.name)")
        }
        let maps = try #require(contents.stream(LinuxMaps.self))
        #expect(!maps.mappings.isEmpty && maps.problems.isEmpty)
        let dso = try #require(contents.stream(LinuxDsoDebug.self))
        #expect(dso.layout == .natural64)
        #expect(dso.version == 1)
        #expect(dso.linkMaps.count == Int(dso.dsoCount))
        #expect(dso.linkMaps.contains { $0.name?.contains("libc") == true })
        #expect(dso.problems.isEmpty)
        let auxv = try #require(contents.stream(LinuxAuxv.self))
        #expect(auxv.wordSize == 8)
        #expect(auxv.value(of: 6) == 0x1000)           // AT_PAGESZ
        #expect(auxv.warnings.isEmpty)
        let report = Self.report(contents)
        let linux = try #require(report.linux)
        #expect(linux.dsoDebug?.count == dso.linkMaps.count)
        #expect(linux.commandLine?.isEmpty == false)
        #expect(linux.cpuInfo?["processor"] == "0")
        #expect(report.notes.filter { $0.kind.hasPrefix("linux") }.isEmpty)
    }

    @Test func editedLinuxDumpIsPartial() throws {
        let contents = try Self.contents(Self.editedDump)
        #expect(contents.errors.isEmpty)
        let maps = try #require(contents.stream(LinuxMaps.self))
        #expect(maps.mappings.count == 34)
        #expect(maps.mappings.last?.path == "[vdso]")
        #expect(maps.problems == ["line 35: fewer than the 5 fields of a mapping"])
        let dso = try #require(contents.stream(LinuxDsoDebug.self))
        #expect(dso.linkMaps.isEmpty)
        #expect(dso.warnings.contains { $0.contains("outside the file") })
        let report = Self.report(contents)
        #expect(report.linux?.maps?.count == 34)
        #expect(report.notes.filter { $0.kind == "linux_maps" }.count == 1)
        #expect(report.notes.filter { $0.kind == "linux_dso_debug" }.count == 1)
    }

    @Test func linuxDsoDebugValues() throws {
        let dso = try #require(try Self.contents("breakpad/minidumps/linux_divide_by_zero.dmp").stream(LinuxDsoDebug.self))
        #expect(dso.dsoCount == 8)
        #expect(dso.brk == 0x7f3f_0eb4_9970)
        #expect(dso.ldbase == 0x7f3f_0eb3_9000)
        #expect(dso.dynamic == 0x616de8)
        #expect(dso.linkMaps[2].address == 0x7f3f_0e91_b000)
        #expect(dso.linkMaps[2].name == "/lib/x86_64-linux-gnu/libpthread.so.0")
        #expect(dso.linkMaps[2].ld == 0x7f3f_0eb3_3d50)
        #expect(dso.linkMaps.last?.name == "/lib/x86_64-linux-gnu/libm.so.6")
    }

    @Test func mozSoftErrors() throws {
        let contents = try Self.contents("rust-minidump/minidumps/linux-mini.dmp")
        let errors = try #require(contents.stream(MozSoftErrors.self))
        #expect(errors.json.hasPrefix("["))
        #expect(errors.json.contains("\"InitErrors\""))
        #expect(contents.errors.isEmpty)
    }

    // MARK: Malformed fixtures

    /// invalid-range.dmp: the LinuxMaps entry covers the file's own header, whose "lines" are
    /// ranges like "e0-A" that end before they start: no line is a mapping, so the stream is an
    /// error, reported as a note, and nothing else stops.
    @Test func invalidRangeMapsIsAnError() throws {
        let contents = try Self.contents("rust-minidump/minidumps/invalid-range.dmp")
        let error = try #require(contents.errors[.linuxMaps])
        #expect(error.kind == .invalidValue)
        #expect(error.detail.hasPrefix("no line is a memory mapping"))
        #expect(error.offset == 0)
        #expect(contents.stream(LinuxMaps.self) == nil)
        let report = Self.report(contents)
        #expect(report.linux?.maps == nil)
        #expect(report.notes.contains { $0.severity == .error && $0.message.contains("LinuxMaps") })
        #expect(report.streams.contains { $0.name == "LinuxMaps" && !$0.parsed })
        _ = MinidumpDump.text(contents)
    }

    /// invalid-record-count.dmp: the first MozMacosCrashInfo entry lies outside the file (an
    /// error for the stream); the second, over the file's first 226 bytes, claims 1.4 million
    /// records and is read with the count cut to the header's 20 slots.
    @Test func invalidRecordCountIsBounded() throws {
        let contents = try Self.contents("rust-minidump/minidumps/invalid-record-count.dmp")
        #expect(contents.errors[.mozMacosCrashInfo]?.kind == .outOfRange)
        let second = try #require(contents.file.directory.filter { $0.type == .mozMacosCrashInfo }.last)
        #expect(second.rva == 0 && second.dataSize == 226)
        let info = try MozMacosCrashInfo(data: try contents.file.data(of: second), in: contents.file)
        #expect(info.recordCount == 0x15a793)
        #expect(info.records.count <= 20)
        #expect(info.warnings.contains { $0.contains("room for 20") })
        _ = Self.report(contents)
        _ = MinidumpDump.text(contents)
    }
}
