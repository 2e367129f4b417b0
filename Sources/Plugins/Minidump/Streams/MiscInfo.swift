import CrashpipeCore

/// MINIDUMP_MISC_INFO, versions 1 to 5 (24, 44, 232, 832 and 1364 bytes): process id and times,
/// processor speeds, integrity and execute flags, time zone, Windows build strings, XSTATE.
/// Fields are read only as far as the stream's own size goes; `flags1` says which are valid.
public struct MiscInfo: MinidumpStream {
    public static let streamType = StreamType.miscInfo

    public struct Flags {
        public static let processId: UInt32 = 0x1
        public static let processTimes: UInt32 = 0x2
        public static let processorPowerInfo: UInt32 = 0x4
        public static let processIntegrity: UInt32 = 0x10
        public static let processExecuteFlags: UInt32 = 0x20
        public static let timeZone: UInt32 = 0x40
        public static let protectedProcess: UInt32 = 0x80
        public static let buildString: UInt32 = 0x100
        public static let processCookie: UInt32 = 0x200
    }

    public struct TimeZone: Sendable, Encodable {
        public var bias: Int32
        public var standardName: String
        public var standardBias: Int32
        public var daylightName: String
        public var daylightBias: Int32
    }

    public var sizeOfInfo: UInt32
    @Hex public var flags1: UInt32
    public var processId: UInt32
    public var processCreateTime: UInt32
    public var processUserTime: UInt32
    public var processKernelTime: UInt32
    // Version 2
    public var processorMaxMhz: UInt32?
    public var processorCurrentMhz: UInt32?
    public var processorMhzLimit: UInt32?
    public var processorMaxIdleState: UInt32?
    public var processorCurrentIdleState: UInt32?
    // Version 3
    public var processIntegrityLevel: UInt32?
    public var processExecuteFlags: UInt32?
    public var protectedProcess: UInt32?
    public var timeZoneId: UInt32?
    public var timeZone: TimeZone?
    // Version 4
    public var buildString: String?
    public var debugBuildString: String?
    // Version 5
    public var xstateContextSize: UInt32?
    @OptionalHex public var xstateEnabledFeatures: UInt64?
    @OptionalHex public var processCookie: UInt32?

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "MiscInfo stream")
        sizeOfInfo = try r.u32()
        flags1 = try r.u32()
        processId = try r.u32()
        processCreateTime = try r.u32()
        processUserTime = try r.u32()
        processKernelTime = try r.u32()
        let size = min(Int(sizeOfInfo), data.count)
        func utf16(_ r: inout ByteReader, units: Int) throws(ParseError) -> String {
            let text = try r.view.utf16String(at: r.offset, units: units, endian: r.endian, stopAtNul: true)
            try r.skip(units * 2)
            return text
        }
        if size >= 44 {
            processorMaxMhz = try r.u32()
            processorCurrentMhz = try r.u32()
            processorMhzLimit = try r.u32()
            processorMaxIdleState = try r.u32()
            processorCurrentIdleState = try r.u32()
        }
        if size >= 232 {
            processIntegrityLevel = try r.u32()
            processExecuteFlags = try r.u32()
            protectedProcess = try r.u32()
            timeZoneId = try r.u32()
            let bias = try r.i32()
            let standardName = try utf16(&r, units: 32)
            try r.skip(16)
            let standardBias = try r.i32()
            let daylightName = try utf16(&r, units: 32)
            try r.skip(16)
            let daylightBias = try r.i32()
            timeZone = TimeZone(bias: bias, standardName: standardName, standardBias: standardBias,
                                daylightName: daylightName, daylightBias: daylightBias)
        }
        if size >= 832 {
            buildString = try utf16(&r, units: 260)
            debugBuildString = try utf16(&r, units: 40)
        }
        if size >= 1364 {
            try r.skip(4)                     // xstate size_of_info
            xstateContextSize = try r.u32()
            xstateEnabledFeatures = try r.u64()
            try r.skip(64 * 8)                // per-feature offset and size
            processCookie = try r.u32()
        }
    }

    func valid(_ flag: UInt32) -> Bool { flags1 & flag != 0 }

    public var details: ProcessDetails {
        var details = ProcessDetails()
        if valid(Flags.processId) { details.processId = processId }
        if valid(Flags.processTimes) {
            details.createTime = processCreateTime
            details.userTime = processUserTime
            details.kernelTime = processKernelTime
        }
        if valid(Flags.processorPowerInfo) {
            details.processorMaxMhz = processorMaxMhz
            details.processorCurrentMhz = processorCurrentMhz
        }
        if valid(Flags.timeZone), let timeZone { details.timeZone = timeZone.standardName }
        if valid(Flags.buildString) {
            details.buildString = buildString
            details.debugBuildString = debugBuildString
        }
        return details
    }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        let invalid = "(invalid)"
        var fields: [(String, String)] = [("size_of_info", "\(sizeOfInfo)"), ("flags1", P.hex(flags1))]
        fields.append(("process_id", valid(Flags.processId) ? "\(processId)" : invalid))
        if valid(Flags.processTimes) {
            fields.append(("process_create_time", P.time(processCreateTime)))
            fields.append(("process_user_time", "\(processUserTime)"))
            fields.append(("process_kernel_time", "\(processKernelTime)"))
        } else {
            fields += [("process_create_time", invalid), ("process_user_time", invalid), ("process_kernel_time", invalid)]
        }
        if let processorMaxMhz {
            let ok = valid(Flags.processorPowerInfo)
            fields.append(("processor_max_mhz", ok ? "\(processorMaxMhz)" : invalid))
            fields.append(("processor_current_mhz", ok ? "\(processorCurrentMhz ?? 0)" : invalid))
            fields.append(("processor_mhz_limit", ok ? "\(processorMhzLimit ?? 0)" : invalid))
            fields.append(("processor_max_idle_state", ok ? "\(processorMaxIdleState ?? 0)" : invalid))
            fields.append(("processor_current_idle_state", ok ? "\(processorCurrentIdleState ?? 0)" : invalid))
        }
        if let processIntegrityLevel {
            fields.append(("process_integrity_level", valid(Flags.processIntegrity) ? P.hex(processIntegrityLevel) : invalid))
            fields.append(("process_execute_flags", valid(Flags.processExecuteFlags) ? P.hex(processExecuteFlags ?? 0) : invalid))
            fields.append(("protected_process", valid(Flags.protectedProcess) ? "\(protectedProcess ?? 0)" : invalid))
            fields.append(("time_zone_id", valid(Flags.timeZone) ? "\(timeZoneId ?? 0)" : invalid))
            if valid(Flags.timeZone), let timeZone {
                fields.append(("time_zone.bias", "\(timeZone.bias)"))
                fields.append(("time_zone.standard_name", P.quoted(timeZone.standardName)))
                fields.append(("time_zone.standard_bias", "\(timeZone.standardBias)"))
                fields.append(("time_zone.daylight_name", P.quoted(timeZone.daylightName)))
                fields.append(("time_zone.daylight_bias", "\(timeZone.daylightBias)"))
            }
        }
        if let buildString {
            fields.append(("build_string", valid(Flags.buildString) ? P.quoted(buildString) : invalid))
            fields.append(("dbg_bld_str", valid(Flags.buildString) ? P.quoted(debugBuildString ?? "") : invalid))
        }
        if let processCookie {
            fields.append(("xstate_data.context_size", "\(xstateContextSize ?? 0)"))
            fields.append(("xstate_data.enabled_features", P.hex(xstateEnabledFeatures ?? 0)))
            fields.append(("process_cookie", valid(Flags.processCookie) ? P.hex(processCookie) : invalid))
        }
        out.block("MDRawMiscInfo", fields, width: 28)
    }
}

/// MDRawBreakpadInfo: which thread wrote the dump and which one asked for it.
public struct BreakpadInfo: MinidumpStream {
    public static let streamType = StreamType.breakpadInfo

    @Hex public var validity: UInt32
    @Hex public var dumpThreadId: UInt32
    @Hex public var requestingThreadId: UInt32

    public init(data: ByteView, in dump: MinidumpFile) throws(ParseError) {
        var r = dump.reader(data, context: "BreakpadInfo stream")
        validity = try r.u32()
        dumpThreadId = try r.u32()
        requestingThreadId = try r.u32()
    }

    /// The dump thread's id, when the validity flags say it is set.
    public var dumpThread: UInt32? { validity & 1 != 0 ? dumpThreadId : nil }
    public var requestingThread: UInt32? { validity & 2 != 0 ? requestingThreadId : nil }

    public func dump(to out: inout DumpPrinter) {
        typealias P = DumpPrinter
        out.block("MDRawBreakpadInfo", [
            ("validity", P.hex(validity)),
            ("dump_thread_id", dumpThread.map(P.hex) ?? "(invalid)"),
            ("requesting_thread_id", requestingThread.map(P.hex) ?? "(invalid)"),
        ])
    }
}
