import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// Crashpad info and the Mozilla streams on synthetic dumps in both byte orders.
struct StreamSyntheticCrashpadTests {
    static let reportID = SynthGUID("42f9de72-518a-43dd-97d7-8ddc328d3662")!
    static let clientID = SynthGUID("6fd2b3b9-9833-4b2f-bbf7-0bcf501bad7e")!

    static func crashpadDump(_ endian: SynthEndian) -> SyntheticMinidump {
        let dump = SyntheticMinidump(endian: endian)
        StreamSynth.windows(dump)
        dump.addModule(SynthModule(baseOfImage: 0x1000_0000, sizeOfImage: 0x1000, name: "C:\\app.exe"))
        dump.addModule(SynthModule(baseOfImage: 0x2000_0000, sizeOfImage: 0x1000, name: "C:\\lib.dll"))
        dump.addCrashpadInfo(SynthCrashpadInfo(
            reportID: reportID, clientID: clientID,
            simpleAnnotations: [SynthKeyValue("ver", "1.2"), SynthKeyValue("prod", "app"), SynthKeyValue("ver", "dup")],
            modules: [
                SynthModuleCrashpadInfo(moduleIndex: 1, listAnnotations: ["abort() called", "second"],
                                        simpleAnnotations: [SynthKeyValue("k", "v")],
                                        annotationObjects: [.string("reason", "boom"),
                                                            SynthAnnotation(name: "blob", type: 0x8001, value: [0xde, 0xad]),
                                                            SynthAnnotation(name: "none", type: 1, value: nil)]),
                SynthModuleCrashpadInfo(moduleIndex: 7),
            ]))
        return dump
    }

    @Test(arguments: StreamSynth.endians)
    func crashpadInfo(_ endian: SynthEndian) throws {
        let contents = try StreamSynth.contents(Self.crashpadDump(endian))
        let info = try #require(contents.stream(CrashpadInfo.self))
        #expect(info.version == 1)
        #expect(info.reportId == "42f9de72-518a-43dd-97d7-8ddc328d3662")
        #expect(info.clientId == "6fd2b3b9-9833-4b2f-bbf7-0bcf501bad7e")
        #expect(info.simpleAnnotations.map(\.key) == ["ver", "prod", "ver"])
        #expect(info.modules.count == 2)
        let first = info.modules[0]
        #expect(first.moduleIndex == 1 && first.version == 1)
        #expect(first.listAnnotations == ["abort() called", "second"])
        #expect(first.simpleAnnotations == [TextField(key: "k", value: "v")])
        #expect(first.annotationObjects.map(\.name) == ["reason", "blob", "none"])
        #expect(first.annotationObjects[0].text == "boom")
        #expect(first.annotationObjects[1].value == [0xde, 0xad] && first.annotationObjects[1].text == nil)
        #expect(first.annotationObjects[2].value.isEmpty)
        #expect(info.modules[1].listAnnotations.isEmpty && info.modules[1].annotationObjects.isEmpty)
        #expect(info.problems.isEmpty)

        let report = StreamSynth.report(contents)
        let annotations = try #require(report.annotations)
        #expect(annotations.reportId == "42f9de72-518a-43dd-97d7-8ddc328d3662")
        #expect(annotations.simple == ["ver": "1.2", "prod": "app"])
        #expect(annotations.modules.map(\.moduleIndex) == [1, 7])
        #expect(annotations.modules[0].moduleName == "C:\\lib.dll")
        #expect(annotations.modules[1].moduleName == nil)
        #expect(annotations.modules[0].simpleAnnotations == ["k": "v"])
        #expect(annotations.modules[0].annotationObjects.map(\.value) == ["boom", "dead", ""])
        #expect(annotations.modules[0].annotationObjects[1].type == 0x8001)
        #expect(report.notes.contains { $0.kind == "crashpad_info" && $0.message.contains("module 7") })

        var out = DumpPrinter()
        info.dump(to: &out)
        #expect(out.text.contains("  simple_annotations[\"prod\"] = app\n  simple_annotations[\"ver\"] = 1.2\n"))
        #expect(out.text.contains("  module_list[0].minidump_module_list_index = 1\n  module_list[0].version = 1\n"))
        #expect(out.text.contains("  module_list[0].annotation_objects[\"blob\"] = <user-defined (0x8001)>\n"))
    }

    /// The newer 64-byte structure: reserved u32, then the address mask.
    @Test(arguments: StreamSynth.endians)
    func crashpadAddressMask(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let body = dump.section().u32(1)
        Self.reportID.write(into: body)
        Self.clientID.write(into: body)
        body.location(rva: 0, size: 0).location(rva: 0, size: 0).u32(0).u64(0xffff_ff80_0000_0000)
        dump.addStream(type: SynthStreamType.crashpadInfo, body: body)
        let info = try #require(try StreamSynth.contents(dump).stream(CrashpadInfo.self))
        #expect(info.reserved == 0)
        #expect(info.addressMask == 0xffff_ff80_0000_0000)
        #expect(info.modules.isEmpty && info.simpleAnnotations.isEmpty)
    }

    /// Bad pieces stay local: a module link outside the file, a string outside the file, an
    /// absurd module count.
    @Test(arguments: StreamSynth.endians)
    func crashpadMalformed(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let goodInfo = dump.section("moduleInfo").u32(1)
        let list = dump.section("rvaList").u32(2).u32(dump.addUTF8String("kept")).u32(0x7fff_0000)
        goodInfo.location(dump.addData(list)).location(rva: 0, size: 0)
        let modules = dump.section("modules").u32(0x1000_0000)
        modules.u32(0).location(dump.addData(goodInfo))
        modules.u32(1).location(rva: 0x7fff_0000, size: 20)
        let dictionary = dump.section("dict").u32(0xffff).u32(dump.addUTF8String("a")).u32(dump.addUTF8String("b"))
        let body = dump.section().u32(0).zeros(32)
        body.location(dump.addData(dictionary)).location(dump.addData(modules))
        dump.addStream(type: SynthStreamType.crashpadInfo, body: body)
        let contents = try StreamSynth.contents(dump)
        let info = try #require(contents.stream(CrashpadInfo.self))
        #expect(info.reportId == "00000000-0000-0000-0000-000000000000")
        #expect(info.simpleAnnotations == [TextField(key: "a", value: "b")])
        #expect(info.modules.count == 2)
        #expect(info.modules[0].listAnnotations == ["kept"])
        #expect(info.modules[0].problems.count == 1)
        #expect(info.modules[1].problems.count == 1)
        #expect(info.warnings.count == 3)        // version 0, dictionary count, module count
        let report = StreamSynth.report(contents)
        #expect(report.annotations?.modules.count == 2)
        #expect(StreamSynth.notes(report, "CrashpadInfo").count == 5)

        let short = SyntheticMinidump(endian: endian)
        short.addRawStream(type: SynthStreamType.crashpadInfo, bytes: [UInt8](repeating: 1, count: 51))
        #expect(try StreamSynth.contents(short).errors[.crashpadInfo]?.kind == .truncated)
    }

    /// A MINIDUMP_MAC_CRASH_INFO with `records` (version, strings) in a header of 20 slots.
    static func macCrashInfo(_ dump: SyntheticMinidump, count: UInt32, records: [(UInt64, [String])],
                             startSize: UInt32 = 40) -> ByteSection {
        let body = dump.section().u32(0x4d7a_0001).u32(count).u32(startSize)
        for (version, strings) in records {
            let record = dump.section("record").u64(0x4d7a_0001).u64(version)
            if version >= 4 { record.u64(0x1403).u64(0x10) }
            if version >= 5 { record.u64(0xdead) }
            record.zeros(max(0, Int(startSize) - record.size))
            for string in strings { record.utf8(string, terminated: true) }
            body.location(dump.addData(record))
        }
        body.zeros(12 + 160 - body.size)
        return body
    }

    @Test(arguments: StreamSynth.endians)
    func macCrashInfo(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let strings = ["/usr/lib/libobjc.A.dylib", "abort", "sig", "bt", "m2"]
        dump.addStream(type: 0x4d7a_0001, body: Self.macCrashInfo(dump, count: 2, records: [(5, strings), (5, ["/x", "", "", "", ""])]))
        let info = try #require(try StreamSynth.contents(dump).stream(MozMacosCrashInfo.self))
        #expect(info.records.count == 2 && info.warnings.isEmpty)
        let record = info.records[0]
        #expect(record.version == 5 && record.thread == 0x1403 && record.dialogMode == 0x10 && record.abortCause == 0xdead)
        #expect(record.modulePath == "/usr/lib/libobjc.A.dylib" && record.message == "abort")
        #expect(record.signatureString == "sig" && record.backtrace == "bt" && record.message2 == "m2")
        #expect(record.problems.isEmpty)
        #expect(info.records[1].modulePath == "/x" && info.records[1].message == "")
    }

    @Test(arguments: StreamSynth.endians)
    func macCrashInfoMalformed(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let body = Self.macCrashInfo(dump, count: 0xffff_ffff, records: [(4, ["only one"]), (1, [])], startSize: 16)
        dump.addStream(type: 0x4d7a_0001, body: body)
        let contents = try StreamSynth.contents(dump)
        let info = try #require(contents.stream(MozMacosCrashInfo.self))
        #expect(info.records.count == 20)
        #expect(info.warnings.contains { $0.contains("room for 20") })
        #expect(info.records[0].problems == ["record_start_size 16 is inside the version 4 fields"])
        #expect(info.records[1].version == 1 && info.records[1].problems.isEmpty)
        #expect(info.records[2].problems.count == 1)      // an empty slot: a zero-size location
        #expect(!StreamSynth.notes(StreamSynth.report(contents), "MozMacosCrashInfo").isEmpty)

        let noTerminator = SyntheticMinidump(endian: endian)
        noTerminator.addStream(type: 0x4d7a_0001, body: Self.macCrashInfo(noTerminator, count: 1, records: [(4, ["a", "b"])]))
        let partial = try #require(try StreamSynth.contents(noTerminator).stream(MozMacosCrashInfo.self))
        #expect(partial.records[0].modulePath == "a" && partial.records[0].message == "b")
        #expect(partial.records[0].signatureString == nil)
        #expect(partial.records[0].problems == ["record ends before its signature_string"])
    }

    @Test(arguments: StreamSynth.endians)
    func macBootargs(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addStream(type: 0x4d7a_0002, body: dump.section().u32(0x4d7a_0002).u64(dump.addString("-v keepsyms=1")))
        let args = try #require(try StreamSynth.contents(dump).stream(MozMacosBootargs.self))
        #expect(args.bootargs == "-v keepsyms=1" && args.warnings.isEmpty)

        let aligned = SyntheticMinidump(endian: endian)
        aligned.addStream(type: 0x4d7a_0002, body: aligned.section().u32(0x4d7a_0002).u32(0).u64(aligned.addString("x")))
        let natural = try #require(try StreamSynth.contents(aligned).stream(MozMacosBootargs.self))
        #expect(natural.bootargs == "x" && natural.warnings.count == 1)

        let bogus = SyntheticMinidump(endian: endian)
        bogus.addStream(type: 0x4d7a_0002, body: bogus.section().u32(0x4d7a_0002).u64(0xffff_ffff_ffff))
        let none = try #require(try StreamSynth.contents(bogus).stream(MozMacosBootargs.self))
        #expect(none.bootargs == nil && none.warnings.count == 1)
    }

    @Test func mozTextStreams() throws {
        let dump = SyntheticMinidump()
        dump.addTextStream(type: 0x4d7a_0004, "[{\"InitErrors\": []}]")
        dump.addTextStream(type: 0x4d7a_0003, "Limit  Soft Limit  Hard Limit  Units\nMax open files  1024  4096  files\n")
        let contents = try StreamSynth.contents(dump)
        #expect(contents.stream(MozSoftErrors.self)?.json == "[{\"InitErrors\": []}]")
        #expect(contents.stream(MozLinuxLimits.self)?.lines.count == 2)
        #expect(contents.unknownEntries.isEmpty)
        var out = DumpPrinter()
        contents.stream(MozSoftErrors.self)?.dump(to: &out)
        #expect(out.text == "Stream MOZ_SOFT_ERRORS:\n[{\"InitErrors\": []}]\n\n")
    }
}
