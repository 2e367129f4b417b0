import CrashpipeCore

/// MINIDUMP_SYSTEM_MEMORY_INFO_1 (stream 21): the machine's memory at the time of the dump
/// (page size, physical pages, file cache, commit charge), written by Windows 10+ dbghelp.
///
/// Layout (minidumpapiset.h, packed to 4): u16 revision, u16 flags, then
/// MINIDUMP_SYSTEM_BASIC_INFORMATION (52 bytes at 4), MINIDUMP_SYSTEM_FILECACHE_INFORMATION
/// (60 at 56), MINIDUMP_SYSTEM_BASIC_PERFORMANCE_INFORMATION (32 at 116) and
/// MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION (at 148, 344 bytes; its leading counters are read).
/// Each part is read only when the stream is long enough to hold it. Fills notes only.
public struct SystemMemoryInfo: MinidumpStream {
    public static let streamType = StreamType.systemMemoryInfo

    /// `MINIDUMP_SYSMEMINFO1_*` bits of `flags`.
    public enum Flags {
        public static let fileCacheTransitionRepurposeCountFlags: UInt16 = 0x1
        public static let basicPerformance: UInt16 = 0x2
        public static let performanceCcTotalDirtyPagesCcDirtyPageThreshold: UInt16 = 0x4
        public static let performanceResidentAvailablePagesSharedCommitPages: UInt16 = 0x8
    }

    public struct BasicInformation: Sendable, Encodable {
        public var timerResolution: UInt32
        @Hex public var pageSize: UInt32
        public var numberOfPhysicalPages: UInt32
        @Hex public var lowestPhysicalPageNumber: UInt32
        @Hex public var highestPhysicalPageNumber: UInt32
        @Hex public var allocationGranularity: UInt32
        @Hex public var minimumUserModeAddress: UInt64
        @Hex public var maximumUserModeAddress: UInt64
        @Hex public var activeProcessorsAffinityMask: UInt64
        public var numberOfProcessors: UInt32
    }

    public struct FileCacheInformation: Sendable, Encodable {
        @Hex public var currentSize: UInt64
        @Hex public var peakSize: UInt64
        public var pageFaultCount: UInt32
        @Hex public var minimumWorkingSet: UInt64
        @Hex public var maximumWorkingSet: UInt64
        @Hex public var currentSizeIncludingTransitionInPages: UInt64
        @Hex public var peakSizeIncludingTransitionInPages: UInt64
        public var transitionRePurposeCount: UInt32
        @Hex public var flags: UInt32
    }

    public struct BasicPerformanceInformation: Sendable, Encodable {
        public var availablePages: UInt64
        public var committedPages: UInt64
        public var commitLimit: UInt64
        public var peakCommitment: UInt64
    }

    /// The leading counters of MINIDUMP_SYSTEM_PERFORMANCE_INFORMATION.
    public struct PerformanceInformation: Sendable, Encodable {
        public var idleProcessTime: UInt64
        public var ioReadTransferCount: UInt64
        public var ioWriteTransferCount: UInt64
        public var ioOtherTransferCount: UInt64
        public var ioReadOperationCount: UInt32
        public var ioWriteOperationCount: UInt32
        public var ioOtherOperationCount: UInt32
        public var availablePages: UInt32
        public var committedPages: UInt32
        public var commitLimit: UInt32
        public var peakCommitment: UInt32
        public var pageFaultCount: UInt32
    }

    public var revision: UInt16
    @Hex public var flags: UInt16
    public var basicInfo: BasicInformation?
    public var fileCacheInfo: FileCacheInformation?
    public var basicPerformance: BasicPerformanceInformation?
    public var performance: PerformanceInformation?
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "SystemMemoryInfo stream")
        revision = try r.u16()
        flags = try r.u16()
        warnings = []
        if revision != 1 { warnings.append("revision is \(revision); reading the revision 1 layout") }
        if data.count >= 56 {
            basicInfo = BasicInformation(
                timerResolution: try r.u32(), pageSize: try r.u32(), numberOfPhysicalPages: try r.u32(),
                lowestPhysicalPageNumber: try r.u32(), highestPhysicalPageNumber: try r.u32(),
                allocationGranularity: try r.u32(), minimumUserModeAddress: try r.u64(),
                maximumUserModeAddress: try r.u64(), activeProcessorsAffinityMask: try r.u64(),
                numberOfProcessors: try r.u32())
        }
        if data.count >= 116 {
            fileCacheInfo = FileCacheInformation(
                currentSize: try r.u64(), peakSize: try r.u64(), pageFaultCount: try r.u32(),
                minimumWorkingSet: try r.u64(), maximumWorkingSet: try r.u64(),
                currentSizeIncludingTransitionInPages: try r.u64(), peakSizeIncludingTransitionInPages: try r.u64(),
                transitionRePurposeCount: try r.u32(), flags: try r.u32())
        }
        if data.count >= 148 {
            basicPerformance = BasicPerformanceInformation(availablePages: try r.u64(), committedPages: try r.u64(),
                                                           commitLimit: try r.u64(), peakCommitment: try r.u64())
        }
        if data.count >= 212 {
            performance = PerformanceInformation(
                idleProcessTime: try r.u64(), ioReadTransferCount: try r.u64(), ioWriteTransferCount: try r.u64(),
                ioOtherTransferCount: try r.u64(), ioReadOperationCount: try r.u32(), ioWriteOperationCount: try r.u32(),
                ioOtherOperationCount: try r.u32(), availablePages: try r.u32(), committedPages: try r.u32(),
                commitLimit: try r.u32(), peakCommitment: try r.u32(), pageFaultCount: try r.u32())
        }
        if data.count < 148 {
            warnings.append("stream has \(data.count) bytes; the fixed parts need 148, the rest is missing")
        }
    }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        var fields: [(String, String)] = [("revision", "\(revision)"), ("flags", P.hex(flags))]
        if let b = basicInfo {
            fields += [
                ("basic_info.timer_resolution", "\(b.timerResolution)"),
                ("basic_info.page_size", P.hex(b.pageSize)),
                ("basic_info.number_of_physical_pages", "\(b.numberOfPhysicalPages)"),
                ("basic_info.lowest_physical_page_number", P.hex(b.lowestPhysicalPageNumber)),
                ("basic_info.highest_physical_page_number", P.hex(b.highestPhysicalPageNumber)),
                ("basic_info.allocation_granularity", P.hex(b.allocationGranularity)),
                ("basic_info.minimum_user_mode_address", P.hex(b.minimumUserModeAddress)),
                ("basic_info.maximum_user_mode_address", P.hex(b.maximumUserModeAddress)),
                ("basic_info.active_processors_affinity_mask", P.hex(b.activeProcessorsAffinityMask)),
                ("basic_info.number_of_processors", "\(b.numberOfProcessors)"),
            ]
        }
        if let f = fileCacheInfo {
            fields += [
                ("file_cache_info.current_size", P.hex(f.currentSize)),
                ("file_cache_info.peak_size", P.hex(f.peakSize)),
                ("file_cache_info.page_fault_count", "\(f.pageFaultCount)"),
                ("file_cache_info.minimum_working_set", P.hex(f.minimumWorkingSet)),
                ("file_cache_info.maximum_working_set", P.hex(f.maximumWorkingSet)),
                ("file_cache_info.current_size_including_transition_in_pages", P.hex(f.currentSizeIncludingTransitionInPages)),
                ("file_cache_info.peak_size_including_transition_in_pages", P.hex(f.peakSizeIncludingTransitionInPages)),
                ("file_cache_info.transition_re_purpose_count", "\(f.transitionRePurposeCount)"),
                ("file_cache_info.flags", P.hex(f.flags)),
            ]
        }
        if let p = basicPerformance {
            fields += [
                ("basic_perf_info.available_pages", "\(p.availablePages)"),
                ("basic_perf_info.committed_pages", "\(p.committedPages)"),
                ("basic_perf_info.commit_limit", "\(p.commitLimit)"),
                ("basic_perf_info.peak_commitment", "\(p.peakCommitment)"),
            ]
        }
        if let p = performance {
            fields += [
                ("perf_info.idle_process_time", P.hex(p.idleProcessTime)),
                ("perf_info.io_read_transfer_count", "\(p.ioReadTransferCount)"),
                ("perf_info.io_write_transfer_count", "\(p.ioWriteTransferCount)"),
                ("perf_info.io_other_transfer_count", "\(p.ioOtherTransferCount)"),
                ("perf_info.io_read_operation_count", "\(p.ioReadOperationCount)"),
                ("perf_info.io_write_operation_count", "\(p.ioWriteOperationCount)"),
                ("perf_info.io_other_operation_count", "\(p.ioOtherOperationCount)"),
                ("perf_info.available_pages", "\(p.availablePages)"),
                ("perf_info.committed_pages", "\(p.committedPages)"),
                ("perf_info.commit_limit", "\(p.commitLimit)"),
                ("perf_info.peak_commitment", "\(p.peakCommitment)"),
                ("perf_info.page_fault_count", "\(p.pageFaultCount)"),
            ]
        }
        out.block("MDRawSystemMemoryInfo1", fields)
    }
}
