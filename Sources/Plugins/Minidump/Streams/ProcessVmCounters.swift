import CrashpipeCore

/// MINIDUMP_PROCESS_VM_COUNTERS_1 / _2 (stream 22): the process's memory counters (working set,
/// pool, page file, commit), written by Windows 10+ dbghelp.
///
/// Layout (packed to 4): u16 revision; in revision 2 a u16 of flags follows (in revision 1 it is
/// padding); u32 page fault count at 4; then u64 counters from 8. Revision 1 (80 bytes) ends with
/// PrivateUsage; revision 2 (152 bytes) adds PeakVirtualSize and VirtualSize before it and
/// working-set, commit and job counters after it, each group valid when its flag is set.
/// Counters are read only as far as the stream goes. Fills notes only.
public struct ProcessVmCounters: MinidumpStream {
    public static let streamType = StreamType.processVmCounters

    /// `MINIDUMP_PROCESS_VM_COUNTERS*` bits of `flags` (revision 2).
    public enum Flags {
        public static let counters: UInt16 = 0x01
        public static let virtualSize: UInt16 = 0x02
        public static let extended: UInt16 = 0x04
        public static let extended2: UInt16 = 0x08
        public static let job: UInt16 = 0x10
    }

    public var revision: UInt16
    /// Revision 2 only.
    @OptionalHex public var flags: UInt16?
    public var pageFaultCount: UInt32
    @OptionalHex public var peakWorkingSetSize: UInt64?
    @OptionalHex public var workingSetSize: UInt64?
    @OptionalHex public var quotaPeakPagedPoolUsage: UInt64?
    @OptionalHex public var quotaPagedPoolUsage: UInt64?
    @OptionalHex public var quotaPeakNonPagedPoolUsage: UInt64?
    @OptionalHex public var quotaNonPagedPoolUsage: UInt64?
    @OptionalHex public var pagefileUsage: UInt64?
    @OptionalHex public var peakPagefileUsage: UInt64?
    @OptionalHex public var peakVirtualSize: UInt64?
    @OptionalHex public var virtualSize: UInt64?
    @OptionalHex public var privateUsage: UInt64?
    @OptionalHex public var privateWorkingSetSize: UInt64?
    @OptionalHex public var sharedCommitUsage: UInt64?
    @OptionalHex public var jobSharedCommitUsage: UInt64?
    @OptionalHex public var jobPrivateCommitUsage: UInt64?
    @OptionalHex public var jobPeakPrivateCommitUsage: UInt64?
    @OptionalHex public var jobPrivateCommitLimit: UInt64?
    @OptionalHex public var jobTotalCommitLimit: UInt64?
    public var warnings: [String]

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "ProcessVmCounters stream")
        revision = try r.u16()
        let second = try r.u16()
        flags = revision >= 2 ? second : nil
        pageFaultCount = try r.u32()
        warnings = []
        if revision != 1 && revision != 2 { warnings.append("revision is \(revision); reading the revision 2 layout") }
        func next(_ r: inout ByteReader) -> UInt64? { r.remaining >= 8 ? try? r.u64() : nil }
        peakWorkingSetSize = next(&r)
        workingSetSize = next(&r)
        quotaPeakPagedPoolUsage = next(&r)
        quotaPagedPoolUsage = next(&r)
        quotaPeakNonPagedPoolUsage = next(&r)
        quotaNonPagedPoolUsage = next(&r)
        pagefileUsage = next(&r)
        peakPagefileUsage = next(&r)
        if revision == 1 {
            privateUsage = next(&r)
        } else {
            peakVirtualSize = next(&r)
            virtualSize = next(&r)
            privateUsage = next(&r)
            privateWorkingSetSize = next(&r)
            sharedCommitUsage = next(&r)
            jobSharedCommitUsage = next(&r)
            jobPrivateCommitUsage = next(&r)
            jobPeakPrivateCommitUsage = next(&r)
            jobPrivateCommitLimit = next(&r)
            jobTotalCommitLimit = next(&r)
        }
        let expected = revision == 1 ? 80 : 152
        if data.count < expected {
            warnings.append("stream has \(data.count) bytes, revision \(revision) needs \(expected); the rest is missing")
        }
    }

    /// Whether a counter group is valid: always in revision 1, by its flag in revision 2.
    func valid(_ flag: UInt16) -> Bool { flags.map { $0 & flag != 0 } ?? true }

    /// In the style of Breakpad's minidump_dump (Breakpad does not print this stream).
    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        func show(_ value: UInt64?, _ flag: UInt16) -> String {
            guard let value else { return "(missing)" }
            return valid(flag) ? P.hex(value) : "(invalid)"
        }
        var fields: [(String, String)] = [("revision", "\(revision)")]
        if let flags { fields.append(("flags", P.hex(flags))) }
        fields += [
            ("page_fault_count", valid(Flags.counters) ? "\(pageFaultCount)" : "(invalid)"),
            ("peak_working_set_size", show(peakWorkingSetSize, Flags.counters)),
            ("working_set_size", show(workingSetSize, Flags.counters)),
            ("quota_peak_paged_pool_usage", show(quotaPeakPagedPoolUsage, Flags.counters)),
            ("quota_paged_pool_usage", show(quotaPagedPoolUsage, Flags.counters)),
            ("quota_peak_non_paged_pool_usage", show(quotaPeakNonPagedPoolUsage, Flags.counters)),
            ("quota_non_paged_pool_usage", show(quotaNonPagedPoolUsage, Flags.counters)),
            ("pagefile_usage", show(pagefileUsage, Flags.counters)),
            ("peak_pagefile_usage", show(peakPagefileUsage, Flags.counters)),
        ]
        if revision == 1 {
            fields.append(("private_usage", show(privateUsage, Flags.counters)))
        } else {
            fields += [
                ("peak_virtual_size", show(peakVirtualSize, Flags.virtualSize)),
                ("virtual_size", show(virtualSize, Flags.virtualSize)),
                ("private_usage", show(privateUsage, Flags.extended)),
                ("private_working_set_size", show(privateWorkingSetSize, Flags.extended2)),
                ("shared_commit_usage", show(sharedCommitUsage, Flags.extended2)),
                ("job_shared_commit_usage", show(jobSharedCommitUsage, Flags.job)),
                ("job_private_commit_usage", show(jobPrivateCommitUsage, Flags.job)),
                ("job_peak_private_commit_usage", show(jobPeakPrivateCommitUsage, Flags.job)),
                ("job_private_commit_limit", show(jobPrivateCommitLimit, Flags.job)),
                ("job_total_commit_limit", show(jobTotalCommitLimit, Flags.job)),
            ]
        }
        out.block("MDRawProcessVmCounters", fields)
    }
}
