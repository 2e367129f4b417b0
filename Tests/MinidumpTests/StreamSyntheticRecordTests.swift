import CrashpipeCore
import Foundation
import Minidump
import TestSupport
import Testing

/// The single-record streams (system memory, VM counters, comments, function table, assertion)
/// on synthetic dumps in both byte orders, complete and cut short.
struct StreamSyntheticRecordTests {
    /// MINIDUMP_SYSTEM_MEMORY_INFO_1 cut to `size` bytes: every field has a distinct value.
    static func systemMemoryBody(_ dump: SyntheticMinidump, size: Int = 492) -> ByteSection {
        let s = dump.section().u16(1).u16(0xf)
        s.u32(156_250).u32(0x1000).u32(8_361_045).u32(1).u32(0x87ffff).u32(0x10000)
        s.u64(0x10000).u64(0x7fff_fffe_ffff).u64(0xffff).u32(16)
        s.u64(0xd3cd000).u64(0x1fcb_e000).u32(27_337_721).u64(0x100).u64(0x1_0000_0000).u64(0x24efa9).u64(0x24efbf)
        s.u32(3).u32(0x2)
        s.u64(6_579_487).u64(1_893_577).u64(9_606_229).u64(1_901_228)
        s.u64(0xd44b_4f1d_f8c).u64(1).u64(2).u64(3).u32(4).u32(5).u32(6).u32(7).u32(8).u32(9).u32(10).u32(11)
        s.zeros(492 - s.size)
        return ByteSection(endian: dump.endian, bytes: Array(s.contents().prefix(size)))
    }

    @Test(arguments: StreamSynth.endians)
    func systemMemoryInfo(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addStream(type: 21, body: Self.systemMemoryBody(dump))
        let info = try #require(try StreamSynth.contents(dump).stream(SystemMemoryInfo.self))
        #expect(info.revision == 1 && info.flags == 0xf && info.warnings.isEmpty)
        let basic = try #require(info.basicInfo)
        #expect(basic.timerResolution == 156_250 && basic.pageSize == 0x1000 && basic.numberOfPhysicalPages == 8_361_045)
        #expect(basic.lowestPhysicalPageNumber == 1 && basic.highestPhysicalPageNumber == 0x87ffff)
        #expect(basic.allocationGranularity == 0x10000 && basic.minimumUserModeAddress == 0x10000)
        #expect(basic.maximumUserModeAddress == 0x7fff_fffe_ffff && basic.activeProcessorsAffinityMask == 0xffff)
        #expect(basic.numberOfProcessors == 16)
        let cache = try #require(info.fileCacheInfo)
        #expect(cache.currentSize == 0xd3cd000 && cache.peakSize == 0x1fcb_e000 && cache.pageFaultCount == 27_337_721)
        #expect(cache.minimumWorkingSet == 0x100 && cache.maximumWorkingSet == 0x1_0000_0000)
        #expect(cache.currentSizeIncludingTransitionInPages == 0x24efa9 && cache.peakSizeIncludingTransitionInPages == 0x24efbf)
        #expect(cache.transitionRePurposeCount == 3 && cache.flags == 2)
        let perf = try #require(info.basicPerformance)
        #expect(perf.availablePages == 6_579_487 && perf.committedPages == 1_893_577)
        #expect(perf.commitLimit == 9_606_229 && perf.peakCommitment == 1_901_228)
        let counters = try #require(info.performance)
        #expect(counters.idleProcessTime == 0xd44b_4f1d_f8c && counters.ioOtherTransferCount == 3)
        #expect(counters.ioReadOperationCount == 4 && counters.peakCommitment == 10 && counters.pageFaultCount == 11)
    }

    @Test(arguments: StreamSynth.endians)
    func systemMemoryInfoTruncated(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addStream(type: 21, body: Self.systemMemoryBody(dump, size: 100))
        let info = try #require(try StreamSynth.contents(dump).stream(SystemMemoryInfo.self))
        #expect(info.basicInfo?.numberOfProcessors == 16)
        #expect(info.fileCacheInfo == nil && info.basicPerformance == nil && info.performance == nil)
        #expect(info.warnings.count == 1)

        let tiny = SyntheticMinidump(endian: endian)
        tiny.addRawStream(type: 21, bytes: [1])
        #expect(try StreamSynth.contents(tiny).errors[.systemMemoryInfo]?.kind == .truncated)
    }

    @Test(arguments: StreamSynth.endians)
    func processVmCounters(_ endian: SynthEndian) throws {
        let two = SyntheticMinidump(endian: endian)
        let body = two.section().u16(2).u16(0x1 | 0x2 | 0x4 | 0x8).u32(7973)
        for value: UInt64 in 1...18 { body.u64(value * 0x1000) }
        two.addStream(type: 22, body: body)
        let v2 = try #require(try StreamSynth.contents(two).stream(ProcessVmCounters.self))
        #expect(v2.revision == 2 && v2.flags == 0xf && v2.pageFaultCount == 7973)
        #expect(v2.peakWorkingSetSize == 0x1000 && v2.peakPagefileUsage == 0x8000)
        #expect(v2.peakVirtualSize == 0x9000 && v2.virtualSize == 0xa000 && v2.privateUsage == 0xb000)
        #expect(v2.sharedCommitUsage == 0xd000 && v2.jobTotalCommitLimit == 0x12000)
        #expect(v2.warnings.isEmpty)
        var out = DumpPrinter()
        v2.dump(to: &out)
        // Keys are aligned to the longest, "quota_peak_non_paged_pool_usage" (31 characters).
        func line(_ key: String, _ value: String) -> String {
            "  " + key + String(repeating: " ", count: 31 - key.count) + " = " + value + "\n"
        }
        #expect(out.text.contains(line("virtual_size", "0xa000")))
        #expect(out.text.contains(line("job_total_commit_limit", "(invalid)")))

        let one = SyntheticMinidump(endian: endian)
        let body1 = one.section().u16(1).u16(0).u32(12)
        for value: UInt64 in 1...9 { body1.u64(value) }
        one.addStream(type: 22, body: body1)
        let v1 = try #require(try StreamSynth.contents(one).stream(ProcessVmCounters.self))
        #expect(v1.flags == nil && v1.pageFaultCount == 12)
        #expect(v1.peakPagefileUsage == 8 && v1.privateUsage == 9 && v1.virtualSize == nil)

        let short = SyntheticMinidump(endian: endian)
        short.addStream(type: 22, body: short.section().u16(2).u16(1).u32(5).u64(0x77).u32(0))
        let cut = try #require(try StreamSynth.contents(short).stream(ProcessVmCounters.self))
        #expect(cut.peakWorkingSetSize == 0x77 && cut.workingSetSize == nil)
        #expect(cut.warnings.first?.contains("needs 152") == true)
    }

    @Test(arguments: StreamSynth.endians)
    func comments(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        dump.addRawStream(type: SynthStreamType.commentA, bytes: Array("built by CI #42".utf8) + [0, 0x41, 0x42])
        dump.addStream(type: SynthStreamType.commentW, body: dump.section().utf16("Käse 🧀", terminated: true).u16(0x41))
        let contents = try StreamSynth.contents(dump)
        #expect(contents.stream(CommentA.self)?.comment == "built by CI #42")
        #expect(contents.stream(CommentW.self)?.comment == "Käse 🧀")

        let odd = SyntheticMinidump(endian: endian)
        odd.addStream(type: SynthStreamType.commentW, body: odd.section().utf16("ab").u8(0x63))
        #expect(try StreamSynth.contents(odd).stream(CommentW.self)?.comment == "ab")
    }

    @Test(arguments: StreamSynth.endians)
    func functionTable(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let body = dump.section().u32(24).u32(32).u32(8).u32(12).u32(2).u32(4).zeros(4)
        body.u64(0x1000).u64(0x2000).u64(0x1000).u32(2).u32(0).zeros(8).zeros(24)
        body.u64(0x5000).u64(0x6000).u64(0x5000).u32(1).u32(4).zeros(8).zeros(12).zeros(4)
        dump.addStream(type: 13, body: body)
        let table = try #require(try StreamSynth.contents(dump).stream(FunctionTable.self))
        #expect(table.numberOfDescriptors == 2 && table.sizeOfNativeDescriptor == 8 && table.sizeOfFunctionEntry == 12)
        #expect(table.descriptors.map(\.minimumAddress) == [0x1000, 0x5000])
        #expect(table.descriptors.map(\.maximumAddress) == [0x2000, 0x6000])
        #expect(table.descriptors.map(\.entryCount) == [2, 1])
        #expect(table.warnings.isEmpty)

        // An absurd descriptor count is cut before allocation; an absurd entry count ends the walk.
        let bad = SyntheticMinidump(endian: endian)
        let badBody = bad.section().u32(24).u32(32).u32(0).u32(0xffff_ffff).u32(0xffff_ffff).u32(0)
        badBody.u64(1).u64(2).u64(1).u32(0xffff_ffff).u32(0xffff_ffff)
        badBody.u64(3).u64(4).u64(3).u32(0).u32(0)
        bad.addStream(type: 13, body: badBody)
        let cut = try #require(try StreamSynth.contents(bad).stream(FunctionTable.self))
        #expect(cut.descriptors.count == 1)
        #expect(cut.warnings.count == 2)
        #expect(cut.warnings[0].contains("at most 2"))
    }

    @Test(arguments: StreamSynth.endians)
    func assertionInfo(_ endian: SynthEndian) throws {
        let dump = SyntheticMinidump(endian: endian)
        let long = String(repeating: "x", count: 128)
        dump.addAssertionInfo(expression: "ptr != nullptr", function: long, file: "src/ä.cc", line: 77, type: 2)
        let contents = try StreamSynth.contents(dump)
        let stream = try #require(contents.stream(AssertionInfoStream.self))
        #expect(stream.expression == "ptr != nullptr")
        #expect(stream.function == long)            // 128 units, no terminator
        #expect(stream.file == "src/ä.cc")
        #expect(stream.line == 77 && stream.type == 2 && stream.typeName == "PureVirtualCall")
        let assertion = try #require(StreamSynth.report(contents).assertion)
        #expect(assertion.type == "PureVirtualCall" && assertion.line == 77 && assertion.file == "src/ä.cc")

        let unknown = SyntheticMinidump(endian: endian)
        unknown.addAssertionInfo(expression: "e", function: "f", file: "g", line: 1, type: 9).trailingBytes = [0, 0, 0, 0]
        let odd = try #require(try StreamSynth.contents(unknown).stream(AssertionInfoStream.self))
        #expect(odd.typeName == "9")
        #expect(odd.warnings.count == 1)

        let short = SyntheticMinidump(endian: endian)
        short.addRawStream(type: SynthStreamType.assertionInfo, bytes: [UInt8](repeating: 0x41, count: 700))
        let cut = try StreamSynth.contents(short)
        #expect(cut.errors[.assertionInfo]?.kind == .truncated)
        #expect(StreamSynth.report(cut).assertion == nil)
    }
}
